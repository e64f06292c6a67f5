"""Writing score sheets as CSV or XLSX in either layout; a blank template is a sheet without scores.

Headers are bilingual (``得分 score``) so Chinese and English readers both know what to fill in,
and ``score_sheet_io`` reads them back. Files appear atomically.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.rubric import ScoreSheet
from lessonlens.files.atomic import atomic_path, write_text_atomic
from lessonlens.rubric.tree import OVERALL, RubricTree
from lessonlens.tables.safety import neutralise_row

FORMATS = ("csv", "xlsx")
LAYOUTS = ("long", "wide")

_H = {
    "rater": "评分者 rater", "indicator": "指标编号 indicator", "name": "指标名称 name", "max": "满分 max_score",
    "score": "得分 score", "comment": "评语 comment", "time": "时间 time", "lesson": "课例 lesson",
    "mode": "观察方式 mode", "made_at": "评分日期 made_at", "notes": "笔记 notes",
}
_BAD_FORMAT = Text(zh="格式 {fmt} 不受支持：用 csv 或 xlsx", en="format {fmt} is not supported: use csv or xlsx")
_BAD_LAYOUT = Text(zh="版式 {layout} 不受支持：用 long（每行一个指标）或 wide（每行一位评分者）",
                   en="layout {layout} is not supported: use long (a row per indicator) or wide (a row per rater)")
_README = (
    ("说明 README", ""),
    ("量规", "{name_zh}（{id}）"),
    ("Rubric", "{name_en} ({id})"),
    ("填写", "每位评分者在“得分”列为每个观察点打分（0 到满分），可在“评语”列写评语。灰色行是上级指标，由观察点汇总，"
             "不必打分。要记录视频某一时刻的笔记，另起一行，在“时间”列写 分:秒（如 12:30），在“评语”列写内容，"
             "指标编号可填可不填。观察方式写 live（现场）或 recording（录像）。"),
    ("How to fill in", "Each rater scores every observation point in the score column (0 to the maximum) and may "
                       "add a comment. Grey rows are higher-level indicators, rolled up from their points: leave "
                       "them blank. For a note at a moment of the video, add a row with min:sec in the time "
                       "column (e.g. 12:30) and the note in the comment column; the indicator is optional. "
                       "Mode is live or recording."),
)


def _hex6(color: str) -> str:
    digits = color.lstrip("#")
    return "".join(c * 2 for c in digits) if len(digits) == 3 else digits


def _label(tree: RubricTree, node: int) -> str:
    name = tree.indicator(node).name
    return f"{name.get('zh-CN', '')} {name.get('en', '')}".strip()


def _fmt_time(t: float) -> str:
    minutes, seconds = divmod(t, 60)
    text = f"{int(minutes)}:{seconds:06.3f}".rstrip("0").rstrip(".")
    return text if ":" in text and not text.endswith(":") else f"{int(minutes)}:00"


def _num(x: float | None) -> float | int | str:
    if x is None:
        return ""
    return int(x) if float(x).is_integer() else x


def _made_at(sheet: ScoreSheet) -> str:
    return sheet.made_at.isoformat(sep=" ") if sheet.made_at else ""


def long_rows(tree: RubricTree, sheets: Sequence[ScoreSheet]) -> tuple[list[str], list[list[Any]], list[bool]]:
    """Header, rows and, per row, whether it is a higher-level indicator (shaded in XLSX)."""
    header = [_H[k] for k in ("rater", "indicator", "name", "max", "score", "comment", "time",
                              "lesson", "mode", "made_at")]
    rows: list[list[Any]] = []
    parents: list[bool] = []
    for sheet in sheets:
        meta = [sheet.lesson, sheet.mode, _made_at(sheet)]
        for node, ind_id in enumerate(tree.ids):
            leaf = tree.is_leaf(node)
            rows.append([sheet.rater, ind_id, _label(tree, node), _num(float(tree.max_scores[node])),
                         _num(sheet.scores.get(ind_id)) if leaf else "", sheet.comments.get(ind_id, ""), "", *meta])
            parents.append(not leaf)
        if sheet.comments.get(OVERALL):
            rows.append([sheet.rater, OVERALL, "总体评价 overall", "", "", sheet.comments[OVERALL], "", *meta])
            parents.append(False)
        for note in sheet.notes:
            rows.append([sheet.rater, note.indicator or "", "", "", "", note.text, _fmt_time(note.t), *meta])
            parents.append(False)
    return header, rows, parents


def wide_rows(tree: RubricTree, sheets: Sequence[ScoreSheet]) -> tuple[list[str], list[list[Any]]]:
    leaves = list(tree.leaves)
    header = [_H["rater"], _H["lesson"], _H["mode"], _H["made_at"]]
    header += [f"{tree.ids[i]} {_label(tree, i)}" for i in leaves]
    commented = [i for i in leaves if any(s.comments.get(tree.ids[i]) for s in sheets)]
    header += [f"{tree.ids[i]} 评语 comment" for i in commented]
    header += [_H["comment"], _H["notes"]]
    rows = []
    for sheet in sheets:
        notes = "\n".join(f"{_fmt_time(n.t)} " + (f"[{n.indicator}] " if n.indicator else "") + n.text
                          for n in sheet.notes)
        rows.append([sheet.rater, sheet.lesson, sheet.mode, _made_at(sheet),
                     *(_num(sheet.scores.get(tree.ids[i])) for i in leaves),
                     *(sheet.comments.get(tree.ids[i], "") for i in commented),
                     sheet.comments.get(OVERALL, ""), notes])
    return header, rows


def write_score_sheets(tree: RubricTree, sheets: Sequence[ScoreSheet], path: str | Path, fmt: str | None = None,
                       layout: str = "long") -> Path:
    """Write ``sheets`` (or, with raters' blank sheets, a template) as CSV or XLSX."""
    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".") or "csv").lower()
    if fmt not in FORMATS:
        raise InputError(_BAD_FORMAT, target, fmt=fmt)
    if layout not in LAYOUTS:
        raise InputError(_BAD_LAYOUT, target, layout=layout)
    if layout == "long":
        header, rows, parents = long_rows(tree, sheets)
    else:
        (header, rows), parents = wide_rows(tree, sheets), []
    # a rater's comment or a schema's label never runs as a formula
    header, rows = list(neutralise_row(header)), [list(neutralise_row(row)) for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        # a BOM so Excel opens the Chinese text as UTF-8
        write_text_atomic(target, "\ufeff" + buffer.getvalue())
    else:
        _write_xlsx(tree, target, header, rows, parents, layout)
    return target


def template_sheets(tree: RubricTree, raters: Sequence[str] = ("",)) -> list[ScoreSheet]:
    """Blank sheets for a template, one per rater name (one unnamed rater by default)."""
    return [ScoreSheet(rubric=tree.schema.id, rater=r, scores={}, mode="") for r in raters]


def _write_xlsx(tree: RubricTree, target: Path, header: list[str], rows: list[list[Any]], parents: list[bool],
                layout: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "评分 scores"
    ws.append(header)
    for row in rows:
        ws.append(row)
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    grey = PatternFill("solid", fgColor="EEEEEE")
    n = len(rows)
    if layout == "long":
        for r, is_parent in enumerate(parents, start=2):
            if is_parent:
                for cell in ws[r]:
                    cell.fill = grey
        by_max: dict[float, list[str]] = {}
        for r, (row, is_parent) in enumerate(zip(rows, parents, strict=True), start=2):
            if not is_parent and row[3] != "":
                by_max.setdefault(float(row[3]), []).append(f"E{r}")
        for top, cells in by_max.items():
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=f"{top:g}",
                                allow_blank=True, showErrorMessage=True,
                                error=f"0 – {top:g}", errorTitle="得分超出范围 score out of range")
            for cell in cells:
                dv.add(cell)
            ws.add_data_validation(dv)
        for r in range(2, n + 2):
            ws[f"G{r}"].number_format = "@"  # keep 12:30 as text, not a time of day
        widths: tuple[int, ...] = (14, 26, 34, 10, 10, 40, 10, 12, 12, 18)
    else:
        for offset, node in enumerate(tree.leaves):
            top = float(tree.max_scores[node])
            letter = get_column_letter(5 + offset)
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=f"{top:g}",
                                allow_blank=True, showErrorMessage=True, error=f"0 – {top:g}")
            dv.add(f"{letter}2:{letter}{max(n + 1, 50)}")
            ws.add_data_validation(dv)
        widths = (14, 12, 12, 18) + (16,) * (len(header) - 4)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    readme = book.create_sheet("说明 README")
    names = tree.schema.name
    wrap = Alignment(wrap_text=True, vertical="top")
    for key, text in _README:
        readme.append([key, text.format(id=tree.schema.id, name_zh=names.get("zh-CN", ""),
                                        name_en=names.get("en", ""))])
    readme.append([])
    readme.append(["等级 band", "得分率 share of the maximum"])
    for band in sorted(tree.schema.bands, key=lambda b: -b.low):
        readme.append([f"{band.name.get('zh-CN', '')} {band.name.get('en', '')}", f"{band.low:.0%} – {band.high:.0%}"])
        readme.cell(row=readme.max_row, column=1).fill = PatternFill("solid", fgColor=_hex6(band.color))
    readme.append([])
    readme.append(["指标 indicator", "说明 description"])
    for node, ind_id in enumerate(tree.ids):
        desc = tree.indicator(node).description
        indent = "  " * (tree.levels[node] - 1)
        readme.append([f"{indent}{ind_id} {_label(tree, node)}",
                       f"{desc.get('zh-CN', '')}\n{desc.get('en', '')}".strip()])
    readme.column_dimensions["A"].width = 40
    readme.column_dimensions["B"].width = 90
    for row in readme.iter_rows():
        for cell in row:
            cell.alignment = wrap
    readme["A1"].font = bold
    with atomic_path(target) as tmp:
        book.save(tmp)
