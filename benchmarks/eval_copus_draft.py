"""How close the COPUS draft from video comes to the draft of the true coding of a synthetic lesson.

    lessonlens sample-lesson -o sl --minutes 20 --fps 5
    lessonlens analyze --teacher sl/teacher.mp4 --students sl/students.mp4 --board sl/board.mp4 \\
        --audio sl/audio.m4a --meta sl/lesson.yaml -o sl/out --coder copus
    .venv/bin/python benchmarks/eval_copus_draft.py sl/truth.csv sl/out/analysis.json

The reference applies the same 2-minute condensation to the lesson's true platform-9 coding
(``truth.csv``, no speech), so the figures measure what the detectors get wrong once condensed,
not whether the mapping is what a COPUS observer would tick (that needs hand-coded COPUS sheets).
Prints Cohen's κ per code the draft takes from platform-9 behaviours, and overall.
"""

from __future__ import annotations

import sys

from lessonlens.core.analysis import Analysis
from lessonlens.core.timeline import CodedSample, CodedTimeline
from lessonlens.files.documents import load
from lessonlens.pipeline.measure import read_coded_sheet
from lessonlens.pipeline.tick_agreement import tick_agreement
from lessonlens.plugins.coders.copus import INTERVAL, window_ticks

CODES = ("I.Lec", "I.RtW", "I.MG", "S.L", "S.Ind", "S.GW", "S.AnQ")


def main(truth_csv: str, analysis_json: str) -> int:
    truth = read_coded_sheet(truth_csv, "platform-9")
    analysis: Analysis = load(analysis_json, Analysis)
    draft = analysis.timeline
    assert draft is not None and draft.scheme == "copus", "analyse the lesson with --coder copus"
    samples = []
    for k in range(len(draft.samples)):
        inside = [s for s in truth.samples if k * INTERVAL <= s.t < (k + 1) * INTERVAL]
        samples.append(CodedSample(t=k * INTERVAL, ticks=window_ticks(inside, [], False, 0.25, 2)[0]))
    reference = CodedTimeline("copus", INTERVAL, tuple(samples))
    result = tick_agreement(draft, reference, CODES)
    print(f"{len(draft.samples)} intervals; draft (video) vs. draft of the true coding")
    for c in result.codes:
        kappa = "undefined" if c.kappa is None else f"{c.kappa:.2f}"
        print(f"{c.code:6} video {c.ticks_a:3d}  truth {c.ticks_b:3d}  agreement {c.agreement:.2f}  kappa {kappa}")
    kappa = "undefined" if result.overall_kappa is None else f"{result.overall_kappa:.2f}"
    print(f"overall agreement {result.overall_agreement:.2f}, kappa {kappa}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
