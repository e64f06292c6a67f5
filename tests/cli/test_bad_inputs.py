"""Bad input never crashes, hangs or leaks: every command, fed what a careless or hostile user gives it.

Each case runs the real command line in this process (``lessonlens.cli.main``, as the console script
does) under an alarm, and must exit 2 with exactly one line under 300 characters on stderr, no
traceback, no output file left behind, and the lesson store unchanged. Cases whose point is the
process boundary (a FIFO that would block, a lying media header) run as real subprocesses with a
timeout, so a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonlens import samples
from lessonlens.files.documents import save

LESSONLENS = Path(sys.executable).with_name("lessonlens")
ALARM_S = 20


@attrs.frozen
class Run:
    code: int | None
    out: str
    err: str
    crash: str = ""  # the traceback of an exception main() let through


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"no answer within {ALARM_S} s")


def cli(*args: str | Path, lang: str = "en") -> Run:
    """``lessonlens ARGS`` in this process, as the console script runs it; a hang raises :class:`Hang`."""
    from lessonlens.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_argv, old_lang = sys.argv, os.environ.get("LESSONLENS_LANG")
    sys.argv = ["lessonlens", *map(str, args)]
    os.environ["LESSONLENS_LANG"] = lang
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(ALARM_S)
    code: int | None = 0
    crash = ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) or exc.code is None else 1
    except Hang:
        raise
    except BaseException:
        code, crash = 1, traceback.format_exc()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        sys.argv = old_argv
        if old_lang is None:
            os.environ.pop("LESSONLENS_LANG", None)
        else:
            os.environ["LESSONLENS_LANG"] = old_lang
    return Run(code, out.getvalue(), err.getvalue(), crash)


def subprocess_cli(*args: str | Path, timeout: float = 60) -> Run:
    env = {**os.environ, "LESSONLENS_PLUGINS": "", "LESSONLENS_LANG": "en"}
    try:
        done = subprocess.run([str(LESSONLENS), *map(str, args)], capture_output=True, text=True, env=env,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise Hang(f"lessonlens {' '.join(map(str, args))} ran past {timeout} s") from None
    return Run(done.returncode, done.stdout, done.stderr)


def assert_refused(run: Run, expect: str = "", code: int = 2, most: int = 1) -> None:
    """Exit 2, one line under 300 characters on stderr naming what is wrong (one of ``a|b``), no traceback."""
    assert not run.crash, run.crash
    lines = run.err.strip().splitlines()
    assert run.code == code, f"exit {run.code}: {run.err[-2000:]}"
    assert 1 <= len(lines) <= most, run.err[-2000:]
    assert all(len(line) < 300 for line in lines), run.err[:600]
    assert "Traceback" not in run.err
    if expect:
        assert any(word.lower() in run.err.lower() for word in expect.split("|")), run.err


# -- the bad inputs ---------------------------------------------------------------------------------
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


@attrs.define
class World:
    """Good inputs to start from and bad ones to feed; outputs go under ``out``."""

    root: Path
    sheet: Path
    analysis: Path
    result: Path
    scores: Path
    db: Path
    out: Path

    def bad(self, name: str, text: str | bytes) -> Path:
        path = self.root / "bad" / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def analysis_with(self, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
        doc = json.loads(self.analysis.read_text(encoding="utf-8"))
        edit(doc)
        return self.bad(name, json.dumps(doc, ensure_ascii=False, allow_nan=True))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("bad-inputs")
    analysis = samples.load_sample()
    save(analysis, root / "analysis.json")
    shipped = Path(samples.__file__).parent / "rubric" / "classroom-teaching-wang-li-03.csv"
    run = cli("rubric", "score", "classroom-teaching", shipped, "-o", root / "result.json")
    assert run.code == 0, run.err + run.crash
    db = root / "store.sqlite"
    run = cli("store", "add", root / "analysis.json", "--db", db)
    assert run.code == 0, run.err + run.crash
    out = root / "out"
    out.mkdir()
    return World(root, samples.sample_path(), root / "analysis.json", root / "result.json", shipped, db, out)


def special_files(w: World) -> dict[str, Path]:
    """A folder, a FIFO, a symlink loop, a device, a file the OS refuses to read, a huge sparse file."""
    base = w.root / "special"
    if not base.exists():
        base.mkdir()
        for suffix in (".csv", ".xlsx"):
            (base / f"folder{suffix}").mkdir()
            os.mkfifo(base / f"fifo{suffix}")
            (base / f"loop{suffix}").symlink_to(base / f"loop2{suffix}")
            (base / f"loop2{suffix}").symlink_to(base / f"loop{suffix}")
        with open(base / "huge.json", "wb") as handle:  # sparse: no disk used
            handle.truncate(600 * 1024 * 1024)
    return {
        "folder": base / "folder.csv",
        "fifo": base / "fifo.csv",
        "loop": base / "loop.csv",
        "device": Path("/dev/zero"),
        "unreadable": Path("/proc/self/mem"),  # a regular file whose read fails (EIO), even for root
        "missing": base / "missing.csv",
        "huge": base / "huge.json",
    }


@attrs.frozen
class Case:
    cls: str  # the class of bad input
    name: str
    argv: Callable[[World], list[Any]]
    expect: str = ""  # a fragment the error line must hold
    outputs: tuple[str, ...] = ()  # names under World.out that must not exist afterwards
    code: int = 2
    lines: int = 1  # a checker prints its verdict and the problem


# every command that reads a file the user names, and where that name goes
READERS: dict[str, Callable[[World, Path], list[Any]]] = {
    "metrics": lambda w, p: ["metrics", p],
    "metrics-many": lambda w, p: ["metrics", w.sheet, p, "--table", w.out / "m.csv"],
    "diagnose": lambda w, p: ["diagnose", p],
    "diagnose-rules": lambda w, p: ["diagnose", w.sheet, "--rules", p],
    "diagnose-norms": lambda w, p: ["diagnose", w.analysis, "--norms", p],
    "report-lesson": lambda w, p: ["report", "lesson", p, "-o", w.out / "r.html"],
    "report-compare": lambda w, p: ["report", "compare", w.analysis, p, "-o", w.out / "r.html"],
    "report-rubric": lambda w, p: ["report", "rubric", p, "-o", w.out / "r.html"],
    "report-rubric-schema": lambda w, p: ["report", "rubric", w.result, "--schema", p, "-o", w.out / "r.html"],
    "report-rubric-analysis": lambda w, p: ["report", "rubric", w.result, "--analysis", p, "-o", w.out / "r.html"],
    "rubric-validate": lambda w, p: ["rubric", "validate", p],
    "rubric-score-sheet": lambda w, p: ["rubric", "score", "classroom-teaching", p, "-o", w.out / "r.json"],
    "rubric-score-schema": lambda w, p: ["rubric", "score", p, w.scores, "-o", w.out / "r.json"],
    "rubric-score-lesson": lambda w, p: ["rubric", "score", "classroom-teaching", w.scores, "--lesson", p],
    "rules-check": lambda w, p: ["rules", "check", p],
    "rules-list": lambda w, p: ["rules", "list", p],
    "analyze-video": lambda w, p: ["analyze", p, "-o", w.out / "a", "--no-report", "-q"],
    "analyze-meta": lambda w, p: ["analyze", w.sheet, "--meta", p, "-o", w.out / "a", "-q"],
    "analyze-layout": lambda w, p: ["analyze", w.sheet, "--layout", p, "-o", w.out / "a", "-q"],
    "evaluate-analysis": lambda w, p: ["evaluate", p, w.sheet],
    "evaluate-sheet": lambda w, p: ["evaluate", w.analysis, p],
    "store-add": lambda w, p: ["store", "add", p, "--db", w.db],
    "batch-manifest": lambda w, p: ["batch", p, "--db", w.db],
    "evaluate-frames-classes": lambda w, p: ["evaluate-frames", w.root, "--classes", p],
    "copus-agree": lambda w, p: ["copus", "agree", p, p],
    "metrics-xlsx": lambda w, p: ["metrics", p.with_suffix(".xlsx") if p.suffix == ".csv" else p, "--scheme", "copus"],
}
#: readers for which a folder is a good input (a folder of rule packs or rubric schemas)
TAKE_FOLDERS = ("diagnose-rules", "rules-check", "rules-list", "batch-manifest")
KIND_WORDS = {"folder": "folder", "fifo": "named pipe", "loop": "link", "device": "regular",
              "unreadable": "cannot read|empty|must be", "missing": "not found|no such",
              "huge": "too large|audio/video"}
#: the kinds every reader is fed (a FIFO would hang a reader that bypassed the gate); the readers fed every kind
EVERY_READER = ("folder", "fifo", "missing")
EVERY_KIND = ("metrics", "diagnose-rules", "rubric-score-sheet", "metrics-xlsx", "analyze-video", "analyze-meta",
              "store-add", "report-rubric-schema", "batch-manifest")
#: checkers that report a problem of the file they check as their result: a heading and the problem
CHECKERS = {"rules-check": 1, "rubric-validate": 2}


def _file_kind_cases() -> list[Case]:
    return [Case("file kind", f"{reader}-{kind}", lambda w, r=reader, k=kind: READERS[r](w, special_files(w)[k]),
                 KIND_WORDS[kind], ("m.csv", "r.html", "r.json", "a"), code=CHECKERS.get(reader, 2),
                 lines=2 if reader in CHECKERS else 1)
            for reader in READERS for kind in KIND_WORDS
            if not (kind == "folder" and reader in TAKE_FOLDERS) and (kind in EVERY_READER or reader in EVERY_KIND)]


def _videos(w: World) -> dict[str, Path]:
    """A good 64x64 clip, a 1x1 one, and the good clip with a header claiming 10 hours."""
    import av
    import numpy as np

    from lessonlens.media.encode import write_video

    base = w.root / "media"
    if base.exists():
        return {p.stem: p for p in base.iterdir()}
    base.mkdir()
    write_video(base / "good.mp4", [np.full((64, 64, 3), i * 10, np.uint8) for i in range(20)], fps=10)
    with av.open(str(base / "tiny.mp4"), "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 1, 1, "yuv420p"
        for _ in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((1, 1, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    (base / "liar.mp4").write_bytes(lying_mp4((base / "good.mp4").read_bytes(), 18000))
    return {p.stem: p for p in base.iterdir()}


def lying_mp4(data: bytes, factor: int) -> bytes:
    """An MP4 whose headers and sample durations claim ``factor`` times its length (2 s -> 10 h)."""
    import struct

    out = bytearray(data)

    def scale(offset: int) -> None:
        out[offset:offset + 4] = struct.pack(">I", struct.unpack(">I", out[offset:offset + 4])[0] * factor)

    stts = out.find(b"stts")
    for k in range(struct.unpack(">I", out[stts + 8:stts + 12])[0]):
        scale(stts + 12 + 8 * k + 4)
    for box, offset in ((b"mvhd", 20), (b"mdhd", 20), (b"tkhd", 24), (b"elst", 12)):
        where = out.find(box)
        if where >= 0:
            scale(where + offset)
    return bytes(out)


def _rule_pack(w: World, name: str, when: str = "rt > 0", title: str = "t", extra: str = "") -> Path:
    texts = json.dumps({"zh-CN": title, "en": title})
    return w.bad(name, f"pack: bad\nrules:\n  - id: bad.rule\n    severity: info\n    when: {json.dumps(when)}\n"
                       f"    title: {texts}\n    explanation: {{zh-CN: e, en: e}}\n{extra}")


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def _deep_yaml(n: int = 5000) -> str:
    return "x: " + "[" * n + "]" * n + "\n"


def _deep_json(n: int = 100_000) -> str:
    return '{"schema": "lessonlens.analysis/1", "lesson": ' + "[" * n + "]" * n + "}"


def _score_rows(w: World, edit: Callable[[list[list[str]]], None]) -> str:
    import csv as csv_module

    rows = list(csv_module.reader(io.StringIO(w.scores.read_text(encoding="utf-8-sig"))))
    edit(rows)
    buffer = io.StringIO()
    csv_module.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _set(rows: list[list[str]], row: int, column: str, value: str) -> None:
    rows[row][rows[0].index(column)] = value


def _zip_bomb(w: World) -> Path:
    import zipfile

    path = w.root / "bad" / "bomb.xlsx"
    path.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 20)
            for _ in range(20):  # 20 MB of spaces in 20 KB: refused by its ratio before openpyxl inflates it
                member.write(block)
    return path


def _sheet_with(w: World, name: str, row: int, column: int, value: str) -> Path:
    lines = w.sheet.read_text(encoding="utf-8").splitlines()
    cells = lines[row].split(",")
    cells[column] = value
    lines[row] = ",".join(cells)
    return w.bad(name, "\n".join(lines) + "\n")


def _timeline(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["timeline"]  # type: ignore[no-any-return]


def _store_cases() -> list[Case]:
    def db_file(w: World, name: str, data: bytes) -> Path:
        return w.bad(name, data)

    bad_dbs: dict[str, Callable[[World], str]] = {
        "not-a-database": lambda w: str(db_file(w, "notdb.sqlite", b"this is not a database" * 100)),
        "directory": lambda w: str(special_files(w)["folder"]),
        "truncated": lambda w: str(db_file(w, "truncated.sqlite", w.db.read_bytes()[:3000])),
        "refused-host": lambda w: "postgresql://nobody@127.0.0.1:1/none",
        "unknown-host": lambda w: "postgresql://nobody@no-such-host.invalid/none",
        "unknown-scheme": lambda w: "mysql://nobody@localhost/none",
        "missing-folder": lambda w: str(w.root / "no" / "such" / "folder" / "s.sqlite"),
    }
    commands: dict[str, Callable[[World, str], list[Any]]] = {
        "list": lambda w, db: ["store", "list", "--db", db],
        "add": lambda w, db: ["store", "add", w.analysis, "--db", db],
        "export": lambda w, db: ["store", "export", w.out / "e.csv", "--db", db],
        "norms": lambda w, db: ["store", "norms", "-o", w.out / "n.json", "--db", db],
        "report": lambda w, db: ["report", "period", "--db", db, "--teacher", "x", "-o", w.out / "r.html"],
        "diagnose": lambda w, db: ["diagnose", w.analysis, "--db", db],
    }
    cases = []
    for cmd, argv in commands.items():
        for name, url in bad_dbs.items():
            if name == "missing-folder" and cmd == "add":
                continue  # adding to a new store makes it, folders included
            cases.append(Case("store connection", f"{cmd}-{name}", lambda w, a=argv, u=url: a(w, u(w)), "",
                              ("e.csv", "n.json", "r.html")))
    return cases


CONTENT: list[Case] = [
    # files whose content is too big, too deep or not what it claims
    Case("csv", "metrics-long-cell", lambda w: ["metrics", _sheet_with(w, "long.csv", 3, 1, "x" * 200_000)],
         "longer than"),
    Case("csv", "metrics-time-1e300", lambda w: ["metrics", _sheet_with(w, "t1e300.csv", 3, 0, "1e300")], "hours"),
    Case("csv", "metrics-time-nan", lambda w: ["metrics", _sheet_with(w, "tnan.csv", 3, 0, "nan")], "time"),
    Case("csv", "metrics-interval-inf", lambda w: ["metrics", w.sheet, "--interval", "inf"], "interval"),
    Case("csv", "metrics-unknown-scheme", lambda w: ["metrics", w.sheet, "--scheme", "telepathy"], "telepathy"),
    Case("csv", "diagnose-unknown-scheme", lambda w: ["diagnose", w.sheet, "--scheme", "telepathy"], "telepathy"),
    Case("csv", "metrics-table-long-cell", lambda w: ["metrics", w.sheet, _sheet_with(w, "long2.csv", 2, 1,
                                                                                      "y" * 200_000),
                                                      "--table", w.out / "m.csv"], "longer than", ("m.csv",)),
    Case("json", "metrics-deep", lambda w: ["metrics", w.bad("deep.json", _deep_json())], "deeper"),
    Case("json", "diagnose-deep", lambda w: ["diagnose", w.bad("deep.json", _deep_json())], "deeper"),
    Case("json", "store-add-deep", lambda w: ["store", "add", w.bad("deep.json", _deep_json()), "--db", w.db],
         "deeper"),
    Case("json", "report-deep", lambda w: ["report", "lesson", w.bad("deep.json", _deep_json()), "-o",
                                           w.out / "r.html"], "deeper", ("r.html",)),
    Case("json", "rubric-score-lesson-deep", lambda w: ["rubric", "score", "classroom-teaching", w.scores, "--lesson",
                                                        w.bad("deep.json", _deep_json()), "--attach"], "deeper"),
    Case("json", "norms-deep", lambda w: ["diagnose", w.analysis, "--norms", w.bad("deep.json", _deep_json())],
         "deeper"),
    Case("json", "analysis-nan-save", lambda w: ["diagnose", w.analysis_with(
        "nan.json", lambda d: _timeline(d).__setitem__("interval", float("nan"))), "--save", w.out / "s.json"],
         "json", ("s.json",)),
    Case("json", "analysis-inf-metric", lambda w: ["diagnose", w.analysis_with(
        "inf.json", lambda d: d["metrics"]["scalars"].__setitem__("rt", float("inf"))), "--save", w.out / "s.json"],
         "json", ("s.json",)),
    Case("json", "analysis-interval-0", lambda w: ["metrics", w.analysis_with(
        "i0.json", lambda d: (_timeline(d).__setitem__("interval", 0), d.pop("metrics")))], "interval"),
    Case("json", "analysis-interval-negative", lambda w: ["diagnose", w.analysis_with(
        "i6.json", lambda d: d["metrics"].__setitem__("interval", -6))], "interval"),
    Case("json", "store-add-interval-0", lambda w: ["store", "add", w.analysis_with(
        "i0s.json", lambda d: _timeline(d).__setitem__("interval", 0)), "--db", w.db], "interval"),
    Case("json", "report-huge-time", lambda w: ["report", "lesson", w.analysis_with(
        "t.json", lambda d: _timeline(d).__setitem__("interval", 1e300)), "-o", w.out / "r.html"], "interval",
         ("r.html",)),
    # YAML: alias bombs, depth, size, for every YAML reader
    Case("yaml", "rules-check-bomb", lambda w: ["diagnose", w.sheet, "--rules", w.bad("bomb.yaml", _bomb())],
         "alias"),
    Case("yaml", "rules-list-bomb", lambda w: ["rules", "list", w.bad("bomb.yaml", _bomb())], "alias"),
    Case("yaml", "rules-deep", lambda w: ["diagnose", w.sheet, "--rules", w.bad("deep.yaml", _deep_yaml())],
         "deeper"),
    Case("yaml", "rubric-validate-bomb", lambda w: ["rubric", "validate", w.bad("bomb-rubric.yaml", _bomb())],
         "alias", lines=2),
    Case("yaml", "rubric-score-bomb", lambda w: ["rubric", "score", w.bad("bomb-rubric.yaml", _bomb()), w.scores],
         "alias"),
    Case("yaml", "rubric-score-deep", lambda w: ["rubric", "score", w.bad("deep-rubric.yaml", _deep_yaml()),
                                                 w.scores], "deeper"),
    Case("yaml", "report-rubric-schema-bomb", lambda w: ["report", "rubric", w.result, "--schema",
                                                         w.bad("bomb-rubric.yaml", _bomb()), "-o", w.out / "r.html"],
         "alias", ("r.html",)),
    Case("yaml", "analyze-meta-bomb", lambda w: ["analyze", _videos(w)["good"], "--meta", w.bad("m.yaml", _bomb()),
                                                 "-o", w.out / "a", "-q"], "alias", ("a",)),
    Case("yaml", "analyze-layout-deep", lambda w: ["analyze", _videos(w)["good"], "--layout",
                                                   w.bad("l.yaml", _deep_yaml()), "-o", w.out / "a", "-q"],
         "deeper", ("a",)),
    Case("yaml", "rubric-json-deep", lambda w: ["rubric", "validate", w.bad("deep-rubric.json", _deep_json())],
         "deeper", lines=2),
    # the rule language
    Case("rules", "deep-expression", lambda w: ["diagnose", w.sheet, "--rules",
                                                _rule_pack(w, "deep-expr.yaml", "(" * 100 + "rt" + ")" * 100)],
         "deeper"),
    Case("rules", "long-sum", lambda w: ["diagnose", w.sheet, "--rules",
                                         _rule_pack(w, "long-sum.yaml", "+".join(["rt"] * 100) + " > 0")], "deeper"),
    Case("rules", "long-expression", lambda w: ["diagnose", w.sheet, "--rules",
                                                _rule_pack(w, "long-expr.yaml", "rt > 0 and " * 20_000 + "true")],
         "characters"),
    Case("rules", "not-not-not", lambda w: ["diagnose", w.sheet, "--rules",
                                            _rule_pack(w, "nots.yaml", "not " * 100 + "rt > 0")], "deeper"),
    Case("rules", "huge-width", lambda w: ["diagnose", w.sheet, "--rules",
                                           _rule_pack(w, "width.yaml", title="{rt:200000000}")], "width at most"),
    Case("rules", "huge-precision", lambda w: ["diagnose", w.sheet, "--rules",
                                               _rule_pack(w, "prec.yaml", title="{rt:.99999f}")], "precision at most"),
    Case("rules", "python-import", lambda w: ["diagnose", w.sheet, "--rules",
                                              _rule_pack(w, "imp.yaml", "__import__('os').system('true')")], ""),
    Case("rules", "python-tag", lambda w: ["diagnose", w.sheet, "--rules", w.bad(
        "tag.yaml", "pack: x\nrules: !!python/object/apply:os.system [true]\n")], ""),
    Case("rules", "check-huge-width", lambda w: ["rules", "check", "--alone",
                                                 _rule_pack(w, "width2.yaml", title="{rt:200000000}")],
         "width at most", code=1, lines=3),
    Case("rules", "check-deep-expression", lambda w: ["rules", "check", "--alone", _rule_pack(
        w, "deep2.yaml", "(" * 100 + "rt" + ")" * 100)], "deeper", code=1, lines=2),
    Case("json", "analysis-sample-time-1e300", lambda w: ["diagnose", w.analysis_with(
        "t1e300.json", lambda d: (_timeline(d)["samples"][3].__setitem__("t", 1e300), d.pop("metrics")))], "time"),
    Case("param", "param-not-a-number", lambda w: ["diagnose", w.sheet, "--param", "lecture_rt=abc"], "number"),
    Case("param", "param-nan", lambda w: ["diagnose", w.sheet, "--param", "lecture_rt=nan"], "number"),
    Case("param", "param-unknown", lambda w: ["diagnose", w.sheet, "--param", "lecture_rtt=0.5"], "lecture_rt"),
    Case("param", "param-no-equals", lambda w: ["diagnose", w.sheet, "--param", "lecture_rt"], "name=value"),
    Case("param", "engine-unknown", lambda w: ["diagnose", w.sheet, "--engine", "telepathy"], "telepathy"),
    # score sheets, checked on every row
    Case("sheet", "mode-on-later-row", lambda w: ["rubric", "score", "classroom-teaching", w.bad(
        "mode.csv", _score_rows(w, lambda r: _set(r, 5, "mode", "telepathy")))], "telepathy"),
    Case("sheet", "date-on-later-row", lambda w: ["rubric", "score", "classroom-teaching", w.bad(
        "date.csv", _score_rows(w, lambda r: _set(r, 6, "made_at", "2026-13-45")))], "2026-13-45"),
    Case("sheet", "score-nan", lambda w: ["rubric", "score", "classroom-teaching", w.bad(
        "nan.csv", _score_rows(w, lambda r: _set(r, 2, "score", "nan")))], "nan"),
    Case("sheet", "time-1e300", lambda w: ["rubric", "score", "classroom-teaching", w.bad(
        "t.csv", _score_rows(w, lambda r: _set(r, 2, "time", "1e300")))], "1e300"),
    Case("sheet", "long-cell", lambda w: ["rubric", "score", "classroom-teaching", w.bad(
        "long.csv", _score_rows(w, lambda r: _set(r, 2, "comment", "z" * 200_000)))], "longer than"),
    Case("sheet", "xlsx-zip-bomb", lambda w: ["rubric", "score", "classroom-teaching", _zip_bomb(w)], "zip bomb"),
    Case("sheet", "copus-xlsx-zip-bomb", lambda w: ["metrics", _zip_bomb(w), "--scheme", "copus"], "zip bomb"),
    Case("sheet", "xlsx-not-a-zip", lambda w: ["rubric", "score", "classroom-teaching",
                                               w.bad("fake.xlsx", b"PK not really")], "xlsx"),
    Case("sheet", "sheet-json-deep", lambda w: ["rubric", "score", "classroom-teaching",
                                                w.bad("deep-sheet.json", _deep_json())], "deeper"),
    # media and analyze options
    Case("media", "video-1x1", lambda w: ["analyze", _videos(w)["tiny"], "-o", w.out / "a", "-q", "--no-report"],
         "1×1", ("a",)),
    Case("media", "lying-header", lambda w: ["analyze", _videos(w)["liar"], "-o", w.out / "a", "-q", "--no-report"],
         "header", ("a",)),
    Case("media", "interval-inf", lambda w: ["analyze", _videos(w)["good"], "--interval", "inf", "-o",
                                             w.out / "a", "-q"], "interval", ("a",)),
    Case("csv", "metrics-bins-tiny", lambda w: ["metrics", w.sheet, "--bins", "1e-9"], "at least"),
    Case("media", "offset-nan", lambda w: ["analyze", _videos(w)["good"], "--offset", "mixed=nan", "-o",
                                           w.out / "a", "-q"], "offset", ("a",)),
    Case("media", "offset-1e300", lambda w: ["analyze", _videos(w)["good"], "--offset", "mixed=1e300", "-o",
                                             w.out / "a", "-q"], "offset", ("a",)),
    Case("media", "unknown-detector", lambda w: ["analyze", _videos(w)["good"], "--detectors", "telepathy", "-o",
                                                 w.out / "a", "-q"], "telepathy", ("a",)),
    Case("media", "unknown-coder", lambda w: ["analyze", _videos(w)["good"], "--coder", "telepathy", "-o",
                                              w.out / "a", "-q"], "telepathy", ("a",)),
    Case("media", "not-media", lambda w: ["analyze", w.sheet, "-o", w.out / "a", "-q"], "audio/video", ("a",)),
    # error lines stay short whatever is quoted
    Case("line", "long-unknown-scheme", lambda w: ["metrics", w.sheet, "--scheme", "x" * 200_000], ""),
    Case("line", "long-param", lambda w: ["diagnose", w.sheet, "--param", "y" * 200_000 + "=1"], ""),
    Case("line", "long-bad-time", lambda w: ["metrics", _sheet_with(w, "longtime.csv", 3, 0, "9" * 100_000 + "x")],
         "time"),
]

# every command that writes a file, and the destinations it must refuse before doing any work
WRITERS: dict[str, Callable[[World, Path], list[Any]]] = {
    "metrics-table": lambda w, p: ["metrics", w.sheet, w.analysis, "--table", p],
    "diagnose-save": lambda w, p: ["diagnose", w.analysis, "--save", p],
    "report-lesson": lambda w, p: ["report", "lesson", w.analysis, "-o", p],
    "report-compare": lambda w, p: ["report", "compare", w.analysis, w.sheet, "-o", p],
    "report-rubric": lambda w, p: ["report", "rubric", w.result, "-o", p],
    "rubric-template": lambda w, p: ["rubric", "template", "classroom-teaching", "-o", p],
    "rubric-score": lambda w, p: ["rubric", "score", "classroom-teaching", w.scores, "-o", p],
    "store-export": lambda w, p: ["store", "export", p, "--db", w.db],
    "store-norms": lambda w, p: ["store", "norms", "-o", p, "--db", w.db],
    "copus-sheet": lambda w, p: ["copus", "sheet", w.analysis, "-o", p],
    "evaluate-frames-out": lambda w, p: ["evaluate-frames", w.root, "-o", p],
}
SUFFIX = {"metrics-table": ".csv", "diagnose-save": ".json", "report-lesson": ".html", "report-compare": ".html",
          "report-rubric": ".zip", "rubric-template": ".xlsx", "rubric-score": ".json", "store-export": ".csv",
          "store-norms": ".json", "copus-sheet": ".csv", "evaluate-frames-out": ".json"}


def _destinations(w: World, suffix: str) -> dict[str, Path]:
    base = w.root / "dest"
    if not base.exists():
        base.mkdir()
        (base / f"folder{suffix}").mkdir()
        (base / "plain-file").write_text("x", encoding="utf-8")
        os.mkfifo(base / f"fifo{suffix}")
    folder = base / f"folder{suffix}"
    if not folder.exists():
        folder.mkdir()
    fifo = base / f"fifo{suffix}"
    if not fifo.exists():
        os.mkfifo(fifo)
    return {
        "existing-folder": folder,
        "under-a-file": base / "plain-file" / f"out{suffix}",
        "read-only-place": Path("/proc/lessonlens") / f"out{suffix}",
        "a-fifo": fifo,
    }


OUT_WORDS = {"existing-folder": "folder", "under-a-file": "is a file", "read-only-place": "not writable",
             "a-fifo": "regular"}


def _output_cases() -> list[Case]:
    cases = [Case("output", f"{writer}-{dest}", lambda w, wr=writer, d=dest: WRITERS[wr](w, _destinations(
        w, SUFFIX[wr])[d]), OUT_WORDS[dest]) for writer in WRITERS for dest in OUT_WORDS]
    folders: dict[str, Callable[[World, Path], list[Any]]] = {
        "analyze": lambda w, p: ["analyze", _videos(w)["good"], "-o", p, "-q"],
        "batch": lambda w, p: ["batch", w.bad("manifest.csv", f"video\n{_videos(w)['good']}\n"), "-o", p,
                               "--db", w.db],
        "sample-lesson": lambda w, p: ["sample-lesson", "-o", p],
        "demo": lambda w, p: ["demo", "-o", p, "--no-video"],
    }
    for name, argv in folders.items():
        cases.append(Case("output", f"{name}-out-is-a-file", lambda w, a=argv: a(
            w, _destinations(w, ".csv")["under-a-file"].parent), "is an existing file"))
        cases.append(Case("output", f"{name}-out-read-only", lambda w, a=argv: a(
            w, _destinations(w, ".csv")["read-only-place"].parent / "x"), "not writable"))
    return cases


CASES: list[Case] = [*_file_kind_cases(), *CONTENT, *_store_cases(), *_output_cases()]


def check_case(case: Case, w: World) -> None:
    before = _digest(w.db)
    run = cli(*case.argv(w))
    assert_refused(run, case.expect, case.code, case.lines)
    left = [name for name in case.outputs if (w.out / name).exists()]
    assert not left, f"left behind: {left}"
    assert not any(p.name.endswith(".tmp") for p in w.out.rglob("*")), "a temporary file was left behind"
    assert _digest(w.db) == before, "the store changed"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.cls}:{c.name}")
def test_bad_input_is_one_line_exit_2(case: Case, world: World) -> None:
    check_case(case, world)


def test_a_fifo_never_hangs_a_real_process(world: World) -> None:
    """Across the process boundary: a FIFO nobody writes to is refused at once, not read forever."""
    fifo = special_files(world)["fifo"]
    assert_refused(subprocess_cli("metrics", world.sheet, fifo, timeout=60), "named pipe")


# -- formula injection: every table lessonlens writes ---------------------------------------------------------
FORMULA = "=cmd|' calc'!A0"
HYPERLINK = '=HYPERLINK("http://example.invalid","x")'


def _cells(text: str) -> list[str]:
    import csv as csv_module

    return [cell for row in csv_module.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _assert_neutral(cells: list[Any], *texts: str) -> None:
    for text in texts:
        assert "'" + text in cells, f"{text!r} not neutralised in {cells[:40]}"
        assert text not in cells


def test_metrics_table_neutralises_a_lesson_named_like_a_formula(world: World) -> None:
    sheet = world.root / "inject" / f"{FORMULA}.csv"
    sheet.parent.mkdir(exist_ok=True)
    sheet.write_bytes(world.sheet.read_bytes())
    out = world.out / "inject.csv"
    run = cli("metrics", sheet, world.sheet, "--table", out)
    assert run.code == 0, run.err + run.crash
    cells = _cells(out.read_text(encoding="utf-8-sig"))
    _assert_neutral(cells, FORMULA)
    numbers = [c for c in cells if c.startswith("-")]
    assert all(float(c) < 0 for c in numbers)  # negative numbers stay numbers


def _injected_analysis(w: World) -> Path:
    return w.analysis_with("inject.json", lambda d: d["lesson"].update(
        {"title": HYPERLINK, "teacher": FORMULA, "school": "@SUM(1+1)", "region": "+1+1", "subject": "-2+3"}))


def test_report_zip_neutralises_text_cells(world: World) -> None:
    import zipfile

    out = world.out / "inject.zip"
    run = cli("report", "lesson", _injected_analysis(world), "-o", out)
    assert run.code == 0, run.err + run.crash
    with zipfile.ZipFile(out) as archive:
        cells = [c for name in archive.namelist() for c in _cells(archive.read(name).decode("utf-8"))]
    assert not [c for c in cells if c.startswith(("=", "@", "\t", "\r")) or
                (c.startswith(("+", "-")) and not _number(c))], cells


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_store_export_neutralises_names(world: World, tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    assert cli("store", "add", _injected_analysis(world), "--db", db).code == 0
    out = tmp_path / "lessons.csv"
    run = cli("store", "export", out, "--db", db)
    assert run.code == 0, run.err + run.crash
    cells = _cells(out.read_text(encoding="utf-8-sig"))
    _assert_neutral(cells, FORMULA, HYPERLINK, "@SUM(1+1)", "+1+1", "-2+3")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_score_sheet_template_neutralises_rater_names_and_reads_them_back(world: World, tmp_path: Path,
                                                                          suffix: str) -> None:
    out = tmp_path / f"template{suffix}"
    run = cli("rubric", "template", "classroom-teaching", "-o", out, "--rater", FORMULA)
    assert run.code == 0, run.err + run.crash
    if suffix == ".csv":
        cells = _cells(out.read_text(encoding="utf-8-sig"))
    else:
        import openpyxl

        book = openpyxl.load_workbook(out)
        cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    _assert_neutral(cells, FORMULA)
    from lessonlens.tables.read import read_tables

    read = [cell for table in read_tables(out) for _, row in table.rows for cell in row]
    assert FORMULA in read  # what lessonlens neutralised reads back as the rater wrote it


def test_rubric_report_zip_neutralises_rater_comments(world: World, tmp_path: Path) -> None:
    import zipfile

    sheet = world.bad("comment.csv", _score_rows(world, lambda r: _set(r, 2, "comment", HYPERLINK)))
    out = tmp_path / "rubric.zip"
    run = cli("rubric", "score", "classroom-teaching", sheet, "-o", out)
    assert run.code == 0, run.err + run.crash
    with zipfile.ZipFile(out) as archive:
        cells = [c for name in archive.namelist() for c in _cells(archive.read(name).decode("utf-8"))]
    assert HYPERLINK not in cells


def test_neutralise_leaves_numbers_alone() -> None:
    from lessonlens.tables.safety import neutralise, restore

    assert neutralise(-0.5) == -0.5 and neutralise("-0.5") == "-0.5" and neutralise("+3") == "+3"
    assert neutralise("=1+1") == "'=1+1" and neutralise("-1+cmd") == "'-1+cmd" and neutralise("\tx") == "'\tx"
    assert neutralise("a=b") == "a=b" and neutralise("") == "" and neutralise(None) is None
    assert restore(neutralise("@x")) == "@x" and restore("'plain") == "'plain"


# -- fuzzing: readers and the rule language only ever raise InputError ------------------------------------------
CELLS = st.lists(st.sampled_from([*"0123456789.:-e,\n\" ;\tSTst", "teacher", "code", "nan", "inf", "1e300",
                                   "lecturing", "\x00"]), max_size=80).map("".join)


@settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=CELLS, header=st.sampled_from(["t,code\n", "code\n", "t,teacher,listening,st\n", ""]),
                  scheme=st.sampled_from([None, "st", "fias", "platform-9"]))
def test_fuzz_coded_sheet_reader(tmp_path_factory: pytest.TempPathFactory, body: str, header: str,
                                 scheme: str | None) -> None:
    from lessonlens.core.errors import InputError
    from lessonlens.pipeline.measure import read_coded_sheet

    path = tmp_path_factory.mktemp("fuzz") / "sheet.csv"
    path.write_text(header + body, encoding="utf-8")
    with contextlib.suppress(InputError):
        read_coded_sheet(path, scheme)


@pytest.fixture(scope="module")
def rubric_tree() -> Any:
    from lessonlens.rubric.catalog import find_rubric_schema
    from lessonlens.rubric.tree import rubric_tree

    return rubric_tree(find_rubric_schema("classroom-teaching"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=CELLS, xlsx=st.binary(max_size=400))
def test_fuzz_score_sheet_readers(tmp_path_factory: pytest.TempPathFactory, rubric_tree: Any, body: str,
                                  xlsx: bytes) -> None:
    from lessonlens.core.errors import InputError
    from lessonlens.rubric.scoring import read_score_sheets

    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "s.csv").write_text("rater,indicator,score,comment,time,mode,made_at\n" + body, encoding="utf-8")
    (folder / "s.xlsx").write_bytes(b"PK\x03\x04" + xlsx)
    for name in ("s.csv", "s.xlsx"):
        with contextlib.suppress(InputError):
            read_score_sheets(rubric_tree, [folder / name])


EXPRESSIONS = st.lists(st.sampled_from([*"()+-*/<>=!,.'\" 0123456789%", " and ", " or ", "not ", "rt", "ch",
                                         "share('lecturing')", "episodes(", "lecture_rt", "true", "null", "e9"]),
                       max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(source=EXPRESSIONS, spec=st.text(alphabet="<>^=+- #0123456789,_.%fFeEgGdxs", max_size=12))
def test_fuzz_rule_expressions(source: str, spec: str) -> None:
    from lessonlens.diagnosis.compile import CompileError, Scope, compile_expr, compile_template

    scope = Scope(params={"lecture_rt": "num"})
    with contextlib.suppress(CompileError):
        compile_expr(source, scope)
    with contextlib.suppress(CompileError):
        compile_template("{rt:" + spec + "}", scope)


def test_fuzzed_rule_file_problems_are_input_errors(world: World) -> None:
    """What the parser refuses reaches users as an InputError naming the file and line."""
    from lessonlens.core.errors import InputError
    from lessonlens.diagnosis.pack import load_rules

    for expr in ("((rt", "rt >>> 1", "'" * 3, "rt " + "+ rt " * 60 + "> 1", "share(" * 50):
        with pytest.raises(InputError):
            load_rules([_rule_pack(world, "fz.yaml", expr)])


def test_xlsx_total_size_is_checked_on_the_declared_sizes(tmp_path: Path) -> None:
    """An archive whose members declare more than the limit in all is refused without inflating anything."""
    import zipfile

    from lessonlens.core.errors import InputError
    from lessonlens.tables.safety import MAX_XLSX_UNCOMPRESSED, check_xlsx

    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/a.xml", b"x" * 1000)
    data = bytearray(path.read_bytes())
    declared = (MAX_XLSX_UNCOMPRESSED + 1).to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = declared  # the central directory's uncompressed size
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="expands to"):
        check_xlsx(path)
