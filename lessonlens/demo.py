"""The README's main job: the whole product on bundled and synthetic lessons, in one call.

1. the bundled 40-minute hand-coded lesson: metrics, diagnosis, two rubrics scored by several
   raters, and the lesson and rubric reports (HTML, and PDF where Chromium is installed);
2. the comparison of three teachers and one teacher's term, from the bundled lessons;
3. a synthetic multi-camera lesson (real photos and faces, a board, Mandarin voices): analysed from
   the video and audio files, reported, and checked against its true coding.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from lessonlens.core.analysis import Analysis
from lessonlens.core.errors import LessonlensError
from lessonlens.core.rubric import RubricResult
from lessonlens.diagnosis import attach_findings, diagnose
from lessonlens.files.atomic import write_text_atomic
from lessonlens.files.documents import save
from lessonlens.pipeline.measure import read_coded_sheet
from lessonlens.pipeline.reporting import report, with_all_metrics
from lessonlens.pipeline.stages import ProgressCallback, ProgressEvent, ignore_progress
from lessonlens.rubric.scoring import attach_rubric_result, score
from lessonlens.samples import default_sample, load_sample, load_samples

RUBRIC_SHEETS = Path(__file__).parent / "samples" / "rubric"

Say = Callable[[str], None]



@attrs.frozen
class DemoOutput:
    """What the demo wrote, and what it could not (e.g. PDFs without a browser)."""

    files: tuple[Path, ...]
    skipped: tuple[str, ...]
    agreement: dict[str, float | None]


def _report(kind: str, path: Path, analyses: Sequence[Analysis], lang: str, files: list[Path], skipped: list[str],
            results: Sequence[RubricResult] = ()) -> None:
    """Write one report; a format that cannot be made here (a PDF without Chromium) is noted, not fatal."""
    try:
        files.append(report(kind, path, analyses, results, lang=lang))
    except LessonlensError as exc:
        skipped.append(f"{path.name}: {exc.message()}")


def bundled_lesson(out: Path, lang: str, files: list[Path], skipped: list[str]) -> Analysis:
    """The bundled lesson measured, diagnosed, scored on two rubrics, and reported."""
    sample_id = default_sample()
    analysis = with_all_metrics(load_sample(sample_id))
    for rubric, sheet in (("classroom-teaching", f"classroom-teaching-{sample_id}.csv"),
                          ("teaching-design", f"teaching-design-{sample_id}.csv")):
        analysis = attach_rubric_result(analysis, score(rubric, [RUBRIC_SHEETS / sheet], lesson=analysis))
    analysis = attach_findings(analysis, diagnose(analysis))
    folder = out / "bundled-lesson"
    files.append(save(analysis, folder / "analysis.json"))
    for suffix in ("html", "pdf"):
        _report("lesson", folder / f"report.{suffix}", [analysis], lang, files, skipped)
        for result in analysis.rubric_results:
            _report("rubric", folder / f"rubric-{result.rubric}.{suffix}", [analysis], lang, files, skipped, [result])
    return analysis


def group_reports(out: Path, lang: str, files: list[Path], skipped: list[str]) -> None:
    """The teachers side by side (each one's latest lesson), and the term of the most observed one."""
    lessons = load_samples()
    by_date = sorted(lessons, key=lambda a: a.lesson.date.isoformat() if a.lesson.date else "")
    latest = {a.lesson.teacher: a for a in by_date}  # each teacher's latest lesson
    counts = Counter(a.lesson.teacher for a in lessons)
    followed = max(counts, key=counts.__getitem__)
    term = [a for a in by_date if a.lesson.teacher == followed]
    for suffix in ("html", "pdf"):
        _report("compare", out / f"compare.{suffix}", list(latest.values()), lang, files, skipped)
        _report("period", out / f"period.{suffix}", term, lang, files, skipped)


def video_lesson(out: Path, minutes: float, lang: str, files: list[Path], progress: ProgressCallback,
                 say: Say) -> dict[str, float | None]:
    """A synthetic multi-camera lesson analysed from its media and checked against its true coding."""
    from lessonlens.perception import analyze, evaluate
    from lessonlens.synth import generate_lesson

    folder = out / "video-lesson"
    progress(ProgressEvent("sample-lesson", 0, 1))
    lesson = generate_lesson(folder / "media", minutes=minutes)
    progress(ProgressEvent("sample-lesson", 1, 1, finished=True))
    media = lesson.directory
    analysis = analyze(teacher=media / "teacher.mp4", students=media / "students.mp4", board=media / "board.mp4",
                       audio=media / "audio.m4a", lesson=media / "lesson.yaml", out_dir=folder,
                       progress=progress, warn=say)
    files += [folder / "analysis.json", folder / "report.html"]
    result = evaluate(analysis, read_coded_sheet(media / "truth.csv"))
    agreement = {
        "teacher_accuracy": result.teacher.accuracy, "teacher_kappa": result.teacher.kappa,
        "students_accuracy": result.students_dominant.accuracy, "st_accuracy": result.st.accuracy,
    }
    path = folder / "agreement.json"
    write_text_atomic(path, json.dumps(attrs.asdict(result), ensure_ascii=False, indent=2) + "\n")
    files.append(path)
    return agreement


def run_demo(out: str | Path, minutes: float = 5.0, lang: str = "zh-CN", video: bool = True,
             progress: ProgressCallback = ignore_progress, say: Say = print) -> DemoOutput:
    """Run the whole product once into ``out``; ``video=False`` skips the synthetic video lesson."""
    folder = Path(out)
    files: list[Path] = []
    skipped: list[str] = []
    progress(ProgressEvent("bundled-lesson", 0, 2))
    bundled_lesson(folder, lang, files, skipped)
    progress(ProgressEvent("bundled-lesson", 1, 2))
    group_reports(folder, lang, files, skipped)
    progress(ProgressEvent("bundled-lesson", 2, 2, finished=True))
    agreement = video_lesson(folder, minutes, lang, files, progress, say) if video else {}
    return DemoOutput(files=tuple(files), skipped=tuple(skipped), agreement=agreement)
