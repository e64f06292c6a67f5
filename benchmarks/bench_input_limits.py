"""What the input limits cost on good input, and how fast bad input is refused.

    python benchmarks/bench_input_limits.py [--lessons 50]

Prints: loading an analysis document (gate + JSON depth check + interval check) against a plain
``json.loads``; reading every shipped rubric schema and rule pack with the limited YAML loader
against ``yaml.safe_load``; neutralising a lesson table for CSV; and the time to refuse an alias
bomb, a 100,000-deep JSON document, a deep rule expression and a zip bomb (each should be
milliseconds: before the limits they ran out of memory, recursion or time).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import yaml


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def refused(fn: Callable[[], object]) -> float:
    from lessonlens.core.errors import InputError

    start = time.perf_counter()
    try:
        fn()
    except InputError:
        return time.perf_counter() - start
    raise SystemExit("bad input was accepted")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=50, help="rows of the table neutralised (x 1000 cells)")
    args = parser.parse_args()

    import lessonlens.rubric_schemas
    import lessonlens.rules
    from lessonlens import samples
    from lessonlens.diagnosis.pack import load_rules
    from lessonlens.files.documents import load, save
    from lessonlens.files.json_gate import json_depth_ok
    from lessonlens.rubric.catalog import find_rubric_schema
    from lessonlens.rubric.sheet_io import read_score_sheets
    from lessonlens.rubric.tree import rubric_tree
    from lessonlens.tables.safety import neutralise_row
    from lessonlens.tables.yaml_files import load_yaml, read_yaml_file

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        analysis = folder / "analysis.json"
        save(samples.load_sample(), analysis)
        text = analysis.read_text(encoding="utf-8")
        gated = timed(lambda: load(analysis))
        plain = timed(lambda: json.loads(text))
        data = json.loads(text)
        depth = timed(lambda: json_depth_ok(data))
        print(f"analysis document {len(text) / 1024:.0f} KB: load {gated * 1000:.1f} ms in all (json.loads "
              f"{plain * 1000:.1f} ms); of it the depth check {depth * 1000:.2f} ms")

        yamls = [*Path(lessonlens.rubric_schemas.__file__).parent.glob("*.yaml"),
                 *Path(lessonlens.rules.__file__).parent.glob("*.yaml")]
        limited = timed(lambda: [read_yaml_file(p) for p in yamls])
        safe = timed(lambda: [yaml.safe_load(p.read_text(encoding="utf-8")) for p in yamls])
        print(f"{len(yamls)} shipped YAML files: limited loader {limited * 1000:.1f} ms, "
              f"yaml.safe_load {safe * 1000:.1f} ms")

        rows = [(f"lesson-{i}", "=x" if i % 7 == 0 else "teacher", -0.5, 0.25, i) * 200 for i in range(args.lessons)]
        cells = sum(len(r) for r in rows)
        spent = timed(lambda: [neutralise_row(r) for r in rows])
        print(f"neutralise {cells:,} cells: {spent * 1000:.1f} ms ({spent / cells * 1e9:.0f} ns a cell)")

        levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
        bomb = "\n".join(levels)
        print(f"alias bomb (10^9 nodes) refused in {refused(lambda: load_yaml(bomb, 'bomb.yaml')) * 1000:.1f} ms")
        deep = folder / "deep.json"
        deep.write_text('{"schema": "lessonlens.analysis/1", "lesson": ' + "[" * 100_000 + "]" * 100_000 + "}")
        print(f"100,000-deep JSON refused in {refused(lambda: load(deep)) * 1000:.1f} ms")
        pack = folder / "deep.yaml"
        pack.write_text("rules:\n  - id: x\n    severity: info\n    when: \"" + "(" * 500 + "rt" + ")" * 500 + "\"\n"
                        "    title: {zh-CN: t, en: t}\n    explanation: {zh-CN: e, en: e}\n")
        print(f"500-deep rule expression refused in {refused(lambda: load_rules([pack])) * 1000:.1f} ms")
        xlsx = folder / "bomb.xlsx"
        with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as archive, \
                archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(b" " * (1 << 20))
        tree = rubric_tree(find_rubric_schema("classroom-teaching"))
        print(f"XLSX zip bomb ({xlsx.stat().st_size / 1024:.0f} KB -> 300 MB) refused in "
              f"{refused(lambda: read_score_sheets([xlsx], tree)) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
