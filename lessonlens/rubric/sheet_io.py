"""Reading raters' score sheets: CSV and XLSX in two layouts, and JSON.

- *long* layout, one row per indicator: columns ``indicator`` and ``score`` (and ``rater`` when a
  file holds several raters), optionally ``comment``, ``time`` (a row with a time is a time-stamped
  note), ``lesson``, ``mode`` (live / recording), ``made_at``.
- *wide* layout, one row per rater: ``rater`` and one column per observation point (its id, maybe
  followed by its name), optionally ``<id> comment`` columns, ``comment``, ``notes``, ``lesson``,
  ``mode``, ``made_at``.

Headers may be Chinese or English or both (``得分 score``); the template writes both. A file with
no rater column holds one rater, named after the file. JSON holds ``lessonlens.score_sheet/1``
documents (one, or a list). Every problem is one line naming file, sheet, row and indicator.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from lessonlens.core.documents import from_dict
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.rubric import ScoreSheet, TimedNote
from lessonlens.files.gates import read_input_bytes
from lessonlens.files.json_gate import load_json
from lessonlens.rubric.sheet_checks import UNKNOWN_INDICATOR, score_problems, sheet_problems
from lessonlens.rubric.tree import OVERALL, RubricTree
from lessonlens.tables.problems import Problem, RubricProblems, raise_errors
from lessonlens.tables.read import Table, read_tables
from lessonlens.tables.safety import MAX_SHEET_BYTES
from lessonlens.tables.times import parse_datetime, parse_seconds

#: field -> header words that name it (compared lower-case)
ALIASES: dict[str, tuple[str, ...]] = {
    "rater": ("rater", "observer", "评分者", "评分人", "评委", "观察者", "评价者", "观课教师"),
    "indicator": ("indicator", "indicator_id", "id", "指标", "指标编号", "观察点", "编号"),
    "score": ("score", "得分", "分数", "评分"),
    "comment": ("comment", "comments", "评语", "意见", "建议", "备注"),
    "time": ("time", "t", "时间", "时间点", "时刻", "视频时间"),
    "notes": ("notes", "笔记", "观察笔记"),
    "lesson": ("lesson", "lesson_id", "课例", "课例编号", "课堂"),
    "mode": ("mode", "观察方式", "方式"),
    "made_at": ("made_at", "date", "when", "日期", "评分日期", "观察日期"),
    "ignored": ("name", "max_score", "max", "level", "description", "total", "名称", "指标名称", "满分",
                "级别", "层级", "说明", "描述", "总分", "合计"),
}
_FIELD_OF = {word: field for field, words in ALIASES.items() for word in words}
#: notes in one cell: one per line, or separated by ; where the next one starts with a time
_NOTE_SPLIT = re.compile(r"\n|[;；]\s*(?=\d+(?:[:：]\d+)*\s)")
_SPLIT = re.compile(r"[\s/|()（）:：,，]+")
_MODES = {"live": "live", "现场": "live", "同步": "live", "recording": "recording", "录像": "recording",
          "异步": "recording", "视频": "recording", "video": "recording"}

NO_COLUMNS = Text(zh="认不出表头：需要 indicator 与 score 列（每行一个指标），或 rater 与各观察点列（每行一位评分者）",
                  en="cannot read the header: need indicator and score columns (one row per indicator) or rater "
                  "and one column per observation point (one row per rater)")
UNKNOWN_COLUMN = Text(zh="未知的列 {title!r}：既不是本量规的指标，也不是已知字段",
                      en="unknown column {title!r}: neither an indicator of this rubric nor a known field")
NOT_A_NUMBER = Text(zh="得分 {value!r} 不是数字", en="score {value!r} is not a number")
BAD_TIME = Text(zh="时间 {value!r} 无效：写秒数或 分:秒（如 12:30）",
                en="time {value!r} is not valid: write seconds or min:sec (e.g. 12:30)")
BAD_DATE = Text(zh="日期 {value!r} 无效：写成 2024-05-17 或 2024-05-17 10:30",
                en="date {value!r} is not valid: write 2024-05-17 or 2024-05-17 10:30")
BAD_MODE = Text(zh="观察方式 {value!r} 无效：应为 live（现场）或 recording（录像）",
                en="observation mode {value!r} is not valid: use live or recording")
DUPLICATE_SCORE = Text(zh="评分者 {rater} 对该指标打了两次分（另见第 {other} 行）",
                       en="rater {rater} scored this indicator twice (see also row {other})")
DUPLICATE_RATER_ROW = Text(zh="评分者 {rater} 出现了两行（另见第 {other} 行）",
                           en="rater {rater} has two rows (see also row {other})")
SCORE_WITHOUT_INDICATOR = Text(zh="有得分但没有指标编号", en="a score without an indicator id")
NO_RATER_COLUMN = Text(zh="有多行评分却没有评分者（rater）列", en="several rows of scores but no rater column")
NO_TABLE = Text(zh="文件中没有评分表", en="the file holds no score table")
NOT_SHEETS = Text(zh="JSON 中应是评分表文档（lessonlens.score_sheet/1）或其列表",
                  en="the JSON must hold a score sheet document (lessonlens.score_sheet/1) or a list of them")
NOT_JSON = Text(zh="不是有效的 JSON：{error}", en="not valid JSON: {error}")


@attrs.frozen
class SheetsRead:
    """Sheets read from files, the file each came from, and the warnings (blank leaves)."""

    sheets: tuple[ScoreSheet, ...]
    sources: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()


def read_score_sheets(paths: Iterable[str | Path], tree: RubricTree) -> SheetsRead:
    """Read and check every file; raise one :class:`RubricProblems` listing every error of all files."""
    sheets: list[ScoreSheet] = []
    sources: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            found, file_problems = read_score_file(path, tree)
        except RubricProblems as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(file_problems)
        sheets.extend(found)
        sources.extend(str(path) for _ in found)
    raise_errors(problems)
    return SheetsRead(tuple(sheets), tuple(sources), tuple(p for p in problems if p.warning))


def read_score_file(path: str | Path, tree: RubricTree) -> tuple[list[ScoreSheet], list[Problem]]:
    """The sheets of one file and its problems (errors and warnings)."""
    file = Path(path)
    if file.suffix.lower() == ".json":
        sheets = _json_sheets(file)
        problems = [p for s in sheets for p in sheet_problems(tree, s, str(file))]
        return sheets, problems
    reader = _SheetBuilder(tree, file)
    tables = read_tables(file)
    used = 0
    for table in tables:
        used += reader.add_table(table, quiet=len(tables) > 1)
    if not used and not any(not p.warning for p in reader.problems):  # one line per file, not two
        first = tables[0] if tables else None
        reader.problems.append(Problem(NO_COLUMNS if first and first.header else NO_TABLE, str(file),
                                       sheet=first.sheet if first else None))
    return reader.finish()


def _json_sheets(file: Path) -> list[ScoreSheet]:
    try:
        data = load_json(read_input_bytes(file, MAX_SHEET_BYTES), file)
    except InputError as exc:
        raise RubricProblems([Problem(exc.text, str(file), params=exc.params)]) from None
    items = data.get("sheets", data) if isinstance(data, dict) and "schema" not in data else data
    items = items if isinstance(items, list) else [items]
    sheets = []
    for item in items:
        try:
            sheets.append(from_dict(item, ScoreSheet, file))
        except InputError as exc:
            raise RubricProblems([Problem(exc.text, exc.path, params=exc.params)]) from None
    if not sheets:
        raise RubricProblems([Problem(NOT_SHEETS, str(file))])
    return sheets


# -- cells -----------------------------------------------------------------------------------
def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def parse_score(cell: Any) -> float | None:
    """A score cell: ``None`` when blank; raises ``ValueError`` when not a number."""
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int | float):
        return _finite(float(cell))
    text = _text(cell).removesuffix("分").strip()
    if not text:
        return None
    return _finite(float(text))


def _finite(value: float, limit: float = 1e9) -> float:
    """``value`` when it is a number a sheet can mean (NaN, infinities and 1e300 are typing errors)."""
    if not (math.isfinite(value) and abs(value) <= limit):
        raise ValueError(value)
    return value


#: the latest time a note may point at (a school day)
MAX_SECONDS = 24 * 3600.0


def parse_time(cell: Any) -> float | None:
    """Seconds into the lesson from ``75``, ``1:15``, ``0:01:15`` or a spreadsheet time (the tables' one
    reader of times, :func:`~lessonlens.tables.times.parse_seconds`)."""
    seconds = parse_seconds(_text(cell) if isinstance(cell, str) else cell)
    return None if seconds is None else _finite(seconds, MAX_SECONDS)


def parse_made_at(cell: Any) -> dt.datetime | None:
    """When a sheet was filled in: a date cell, ``2026-11-03``, Excel's ``2026/11/3 9:05`` ... (the
    tables' one reader of dates, :func:`~lessonlens.tables.times.parse_datetime`)."""
    return parse_datetime(_text(cell) if isinstance(cell, str) else cell)


# -- building sheets from tables ------------------------------------------------------------
@attrs.define
class _Draft:
    rater: str
    scores: dict[str, float] = attrs.field(factory=dict)
    score_rows: dict[str, int] = attrs.field(factory=dict)
    comments: dict[str, list[str]] = attrs.field(factory=dict)
    notes: list[TimedNote] = attrs.field(factory=list)
    lesson: str = ""
    mode: str = ""
    made_at: dt.datetime | None = None


@attrs.define
class _Columns:
    fields: dict[str, int]
    leaves: dict[str, int]
    comment_of: dict[str, int]
    unknown: list[tuple[int, str]]


class _SheetBuilder:
    def __init__(self, tree: RubricTree, file: Path) -> None:
        self.tree = tree
        self.file = file
        self.source = str(file)
        self.drafts: dict[str, _Draft] = {}
        self.problems: list[Problem] = []

    def problem(self, text: Text, table: Table, row: int | None = None, indicator: str | None = None,
                column: str | None = None, **params: Any) -> None:
        self.problems.append(Problem(text, self.source, row=row, column=column, indicator=indicator,
                                     sheet=table.sheet, params=params))

    def draft(self, rater: str) -> _Draft:
        if rater not in self.drafts:
            self.drafts[rater] = _Draft(rater)
        return self.drafts[rater]

    # -- header ------------------------------------------------------------------------------
    def columns(self, header: Sequence[str]) -> _Columns:
        cols = _Columns({}, {}, {}, [])
        for i, title in enumerate(header):
            if not title:
                continue
            words = [w for w in _SPLIT.split(title) if w]
            ids = [w for w in words if w in self.tree.index]
            fields = [_FIELD_OF[w.lower()] for w in words if w.lower() in _FIELD_OF]
            if ids:
                if "comment" in fields:
                    cols.comment_of.setdefault(ids[0], i)
                else:
                    cols.leaves.setdefault(ids[0], i)
            elif fields:
                cols.fields.setdefault(fields[0], i)
            elif title.lower() in _FIELD_OF:
                cols.fields.setdefault(_FIELD_OF[title.lower()], i)
            else:
                cols.unknown.append((i, title))
        return cols

    def add_table(self, table: Table, quiet: bool) -> int:
        """Read one table; returns 1 if it was a score or notes table, 0 if not recognised."""
        cols = self.columns(table.header)
        long_layout = "indicator" in cols.fields or ("time" in cols.fields and not cols.leaves)
        wide_layout = bool(cols.leaves)
        if not (long_layout or wide_layout):
            if not quiet and any(cell.strip() for cell in table.header):  # an empty file: "no score table"
                self.problem(NO_COLUMNS, table, row=table.header_row)
            return 0
        for _, title in cols.unknown:
            self.problem(UNKNOWN_COLUMN, table, row=table.header_row, column=title, title=title)
        if long_layout:
            self._long(table, cols)
        else:
            self._wide(table, cols)
        return 1

    # -- one row per indicator ---------------------------------------------------------------
    def _long(self, table: Table, cols: _Columns) -> None:
        f = cols.fields
        default = self.file.stem
        previous = ""
        for number, cells in table.rows:
            def cell(field: str, cells: tuple[Any, ...] = cells) -> Any:
                i = f.get(field)
                return cells[i] if i is not None and i < len(cells) else None

            rater = _text(cell("rater")) or previous or default
            previous = rater if "rater" in f else previous
            ind_id = _text(cell("indicator")) or None
            if ind_id is not None and ind_id != OVERALL and ind_id not in self.tree.index:
                self.problem(UNKNOWN_INDICATOR, table, row=number, indicator=ind_id, rubric=self.tree.schema.id)
                continue
            draft = self.draft(rater)
            self._meta(draft, table, number, cell("lesson"), cell("mode"), cell("made_at"))
            text = _text(cell("comment")) or _text(cell("notes"))
            t = self._time(table, number, ind_id, cell("time"))
            score = self._score(table, number, ind_id, cell("score"))
            if score is not None:
                if ind_id is None:
                    self.problem(SCORE_WITHOUT_INDICATOR, table, row=number)
                elif ind_id in draft.scores:
                    self.problem(DUPLICATE_SCORE, table, row=number, indicator=ind_id, rater=rater,
                                 other=draft.score_rows[ind_id])
                elif self._score_ok(table, number, ind_id, score):
                    draft.scores[ind_id] = score
                    draft.score_rows[ind_id] = number
            if text and t is not None:
                draft.notes.append(TimedNote(t=t, text=text, indicator=ind_id, rater=rater))
            elif text:
                draft.comments.setdefault(ind_id or OVERALL, []).append(text)

    # -- one row per rater -------------------------------------------------------------------
    def _wide(self, table: Table, cols: _Columns) -> None:
        f = cols.fields
        if "rater" not in f and len(table.rows) > 1:
            self.problem(NO_RATER_COLUMN, table, row=table.header_row)
            return
        rows_of: dict[str, int] = {}
        for number, cells in table.rows:
            def cell(i: int | None, cells: tuple[Any, ...] = cells) -> Any:
                return cells[i] if i is not None and i < len(cells) else None

            rater = _text(cell(f.get("rater"))) or self.file.stem
            if rater in rows_of:
                self.problem(DUPLICATE_RATER_ROW, table, row=number, rater=rater, other=rows_of[rater])
                continue
            rows_of[rater] = number
            draft = self.draft(rater)
            self._meta(draft, table, number, cell(f.get("lesson")), cell(f.get("mode")), cell(f.get("made_at")))
            for ind_id, i in cols.leaves.items():
                score = self._score(table, number, ind_id, cell(i))
                if score is not None and self._score_ok(table, number, ind_id, score):
                    draft.scores[ind_id] = score
                    draft.score_rows[ind_id] = number
            for ind_id, i in cols.comment_of.items():
                if _text(cell(i)):
                    draft.comments.setdefault(ind_id, []).append(_text(cell(i)))
            if _text(cell(f.get("comment"))):
                draft.comments.setdefault(OVERALL, []).append(_text(cell(f.get("comment"))))
            for note in self._notes_cell(table, number, rater, _text(cell(f.get("notes")))):
                draft.notes.append(note)

    def _notes_cell(self, table: Table, number: int, rater: str, text: str) -> Iterable[TimedNote]:
        """Notes written in one cell: ``12:30 text`` or ``12:30 [indicator] text``, one per line or ``;``."""
        for line in _NOTE_SPLIT.split(text):
            line = line.strip()
            if not line:
                continue
            match = re.match(r"^(\S+)\s+(?:\[([^\]]+)\]\s*)?(.*)$", line)
            t = None
            if match:
                try:
                    t = parse_time(match.group(1))
                except ValueError:
                    t = None
            if match is None or t is None:
                self.problem(BAD_TIME, table, row=number, value=line)
                continue
            ind_id = match.group(2)
            if ind_id and ind_id not in self.tree.index:
                self.problem(UNKNOWN_INDICATOR, table, row=number, indicator=ind_id, rubric=self.tree.schema.id)
                continue
            yield TimedNote(t=t, text=match.group(3).strip(), indicator=ind_id, rater=rater)

    # -- cells -------------------------------------------------------------------------------
    def _score(self, table: Table, number: int, ind_id: str | None, value: Any) -> float | None:
        try:
            score = parse_score(value)
        except ValueError:
            self.problem(NOT_A_NUMBER, table, row=number, indicator=ind_id, value=_text(value))
            return None
        if score is not None and not math.isfinite(score):
            self.problem(NOT_A_NUMBER, table, row=number, indicator=ind_id, value=_text(value))
            return None
        return score

    def _score_ok(self, table: Table, number: int, ind_id: str, score: float) -> bool:
        found = list(score_problems(self.tree, ind_id, score, self.source, row=number, sheet=table.sheet))
        self.problems.extend(found)
        return not found

    def _time(self, table: Table, number: int, ind_id: str | None, value: Any) -> float | None:
        try:
            t = parse_time(value)
        except ValueError:
            self.problem(BAD_TIME, table, row=number, indicator=ind_id, value=_text(value))
            return None
        if t is not None and not (math.isfinite(t) and t >= 0):
            self.problem(BAD_TIME, table, row=number, indicator=ind_id, value=_text(value))
            return None
        return t

    def _meta(self, draft: _Draft, table: Table, number: int, lesson: Any, mode: Any, made_at: Any) -> None:
        if _text(lesson) and not draft.lesson:
            draft.lesson = _text(lesson)
        # every row's mode and date are checked (docs/rubrics.md), the first good one is the sheet's
        if _text(mode):
            found = _MODES.get(_text(mode).lower())
            if found is None:
                self.problem(BAD_MODE, table, row=number, value=_text(mode))
            elif not draft.mode:
                draft.mode = found
        if not _blank_cell(made_at):
            try:
                when = parse_made_at(made_at)
            except (ValueError, TypeError, OverflowError):
                self.problem(BAD_DATE, table, row=number, value=_text(made_at))
            else:
                draft.made_at = draft.made_at or when

    def finish(self) -> tuple[list[ScoreSheet], list[Problem]]:
        sheets = []
        for draft in self.drafts.values():
            sheet = ScoreSheet(
                rubric=self.tree.schema.id, rater=draft.rater, scores=draft.scores, lesson=draft.lesson,
                mode=draft.mode or "recording", made_at=draft.made_at,
                comments={k: "；".join(v) for k, v in draft.comments.items()},
                notes=tuple(sorted(draft.notes, key=lambda n: n.t)),
            )
            sheets.append(sheet)
            self.problems.extend(p for p in sheet_problems(self.tree, sheet, self.source) if p.warning)
        return sheets, self.problems


def _blank_cell(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
