"""Raters' score sheets: checks of a sheet against its rubric.

(The CSV / XLSX / JSON readers live in ``score_sheet_io``.)
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from lessonlens.core.i18n import Text
from lessonlens.core.rubric import ScoreSheet
from lessonlens.rubric.tree import OVERALL, RubricTree
from lessonlens.tables.problems import Problem

MODES = ("live", "recording")

UNKNOWN_INDICATOR = Text(zh="量规 {rubric} 中没有这个指标", en="rubric {rubric} has no such indicator")
NOT_A_LEAF = Text(zh="这是上级指标，请为其下的观察点打分（上级得分由观察点汇总得出）",
                  en="not an observation point: score the points under it (higher levels are rolled up)")
OUT_OF_RANGE = Text(zh="得分 {score} 超出范围 0–{max}", en="score {score} is outside 0–{max}")
WRONG_RUBRIC = Text(zh="评分表属于量规 {found}，这里用的是量规 {wanted}",
                    en="the sheet is for rubric {found}, but rubric {wanted} is used")
BAD_MODE = Text(zh="观察方式 {mode} 无效：应为 live（现场）或 recording（录像）",
                en="observation mode {mode} is not valid: use live or recording")
BAD_NOTE_TIME = Text(zh="笔记时间 {t} 无效：应为课堂开始后的秒数（≥ 0）",
                     en="note time {t} is not valid: give seconds into the lesson (>= 0)")
MISSING_LEAVES = Text(zh="评分者 {rater} 未评 {count} 个观察点：{ids}（按未评处理）",
                      en="rater {rater} left {count} observation point(s) blank: {ids} (treated as missing)")
NO_RATER = Text(zh="缺少评分者姓名", en="the rater's name is missing")


def sheet_problems(tree: RubricTree, sheet: ScoreSheet, source: str | None = None) -> Iterator[Problem]:
    """Every problem of ``sheet`` against the rubric: errors, then a warning for blank leaves."""
    schema = tree.schema
    if not sheet.rater.strip():
        yield Problem(NO_RATER, source)
    if sheet.rubric and sheet.rubric != schema.id:
        yield Problem(WRONG_RUBRIC, source, params={"found": sheet.rubric, "wanted": schema.id})
    if sheet.mode not in MODES:
        yield Problem(BAD_MODE, source, params={"mode": sheet.mode})
    limits = tree.leaf_max
    if not all(0 <= score <= limits.get(ind_id, -1.0) for ind_id, score in sheet.scores.items()):
        for ind_id, score in sheet.scores.items():  # only a sheet with a problem is looked at closely
            yield from score_problems(tree, ind_id, score, source)
    for ind_id in sheet.comments:
        if ind_id != OVERALL and ind_id not in tree.index:
            yield Problem(UNKNOWN_INDICATOR, source, indicator=ind_id, params={"rubric": schema.id})
    for note in sheet.notes:
        if note.indicator and note.indicator != OVERALL and note.indicator not in tree.index:
            yield Problem(UNKNOWN_INDICATOR, source, indicator=note.indicator, params={"rubric": schema.id})
        if not (math.isfinite(note.t) and note.t >= 0):
            yield Problem(BAD_NOTE_TIME, source, indicator=note.indicator, params={"t": note.t})
    blank = [tree.ids[i] for i in tree.leaves if tree.ids[i] not in sheet.scores]
    if blank:
        yield Problem(MISSING_LEAVES, source, warning=True,
                      params={"rater": sheet.rater, "count": len(blank), "ids": ", ".join(blank)})


def score_problems(tree: RubricTree, ind_id: str, score: float, source: str | None = None,
                   row: int | None = None, sheet: str | None = None) -> Iterator[Problem]:
    """Problems of one score: unknown indicator, not a leaf, out of ``0..max``."""
    node = tree.index.get(ind_id)
    if node is None:
        yield Problem(UNKNOWN_INDICATOR, source, row=row, indicator=ind_id, sheet=sheet,
                      params={"rubric": tree.schema.id})
    elif not tree.is_leaf(node):
        yield Problem(NOT_A_LEAF, source, row=row, indicator=ind_id, sheet=sheet)
    else:
        top = float(tree.max_scores[node])
        if not (math.isfinite(score) and 0 <= score <= top):
            yield Problem(OUT_OF_RANGE, source, row=row, indicator=ind_id, sheet=sheet,
                          params={"score": _num(score), "max": _num(top)})


def _num(x: float) -> str:
    return f"{x:g}"
