"""Benchmark of ``lessonlens analyze`` on a synthetic 45-minute lesson: three 720p cameras + audio.

    python benchmarks/bench_analyze.py [--minutes 45] [--dir .bench/lesson-45] [--fps 10]

Generates the lesson once (kept in ``--dir``, re-used while its files are there), then in a child
process (so its peak memory is the analysis' alone) runs the default detectors with the cache off
and prints the time per detector, the wall time, the peak RSS, the sampling cost of one camera
(frames decoded per instant with seek + decode) and the agreement with the true coding.
Targets (issue 7): <= 90 s wall on 2 cores, peak memory < 1.5 GB. Sampling real encodings (1080p25,
keyframes every 2 and 10 s) is measured by ``benchmarks/bench_sampling.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

TARGET_WALL_S = 90.0
TARGET_RSS_MB = 1536.0


def generate(directory: Path, minutes: float, fps: int) -> dict[str, float]:
    from lessonlens.synth import generate_lesson

    marker = directory / "plan.json"
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8"))["duration"] == round(minutes * 60, 3):
        return {}
    clock = time.perf_counter()
    lesson = generate_lesson(directory, minutes=minutes, fps=fps)
    return {**lesson.timings, "total": time.perf_counter() - clock}


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB) since it started its program.

    ``VmHWM`` of ``/proc/self/status`` on Linux: ``getrusage``'s ``ru_maxrss`` keeps the high-water
    mark of the address space an ``exec`` replaced, and Python's ``subprocess`` starts the child with
    vfork, whose replaced address space is the parent's: after the parent generated the lesson
    (~1.1 GB for 45 minutes) the child reported that instead of the analysis' own peak.
    ``ru_maxrss`` elsewhere.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def analyse(directory: Path, parallel: int | None) -> dict[str, object]:
    """Runs in the child: the analysis, its timings and its peak memory, as JSON on stdout."""
    import lessonlens
    from lessonlens.media import DecodeStats, frames_at, probe
    from lessonlens.perception import DetectorRun

    runs: list[DetectorRun] = []
    clock = time.perf_counter()
    analysis = lessonlens.analyze(
        teacher=directory / "teacher.mp4", students=directory / "students.mp4", board=directory / "board.mp4",
        audio=directory / "audio.m4a", lesson=directory / "lesson.yaml", out_dir=directory / "out", cache=False,
        report=False, on_detector=runs.append, parallel=parallel,
    )
    wall = time.perf_counter() - clock
    rss_mb = peak_rss_mb()
    truth = lessonlens.read_coded_sheet(directory / "truth.csv")
    evaluation = lessonlens.evaluate(analysis, truth)
    # the sampling cost alone: one camera, exact 6-s instants, seek + decode; the instants fall on
    # keyframes (2-s GOP), so the same again 1.3 s later, mid-GOP, as a camera's clock would be
    sampling = {}
    duration = probe(directory / "students.mp4").duration or 0.0
    for shift in (0.0, 1.3):
        stats = DecodeStats()
        clock = time.perf_counter()
        for _ in frames_at(directory / "students.mp4", [i * 6.0 + shift for i in range(int(duration // 6))],
                           stats=stats):
            pass
        sampling[f"+{shift:g}s"] = {"seconds": round(time.perf_counter() - clock, 2), "decoded": stats.decoded,
                                    "seeks": stats.seeks, "instants": stats.converted}
    return {
        "wall_s": round(wall, 2), "peak_rss_mb": round(rss_mb, 1),
        "detectors": {r.name: {"seconds": round(r.seconds, 2), "observations": r.observations,
                               "skipped": r.skipped} for r in runs},
        "samples": len(analysis.timeline.samples) if analysis.timeline else 0,
        "sampling_one_camera": sampling, "parallel": parallel,
        "agreement": {"teacher_accuracy": evaluation.teacher.accuracy, "teacher_kappa": evaluation.teacher.kappa,
                      "students_accuracy": evaluation.students_dominant.accuracy,
                      "students_kappa": evaluation.students_dominant.kappa,
                      "st_agreement": evaluation.st.accuracy, "st_kappa": evaluation.st.kappa,
                      "share_mae": evaluation.share_mae},
        "unavailable": list(analysis.unavailable),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=45.0)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=Path(".bench/lesson-45"))
    parser.add_argument("--parallel", type=int, default=None, help="detectors at once (default: cores)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(analyse(args.dir, args.parallel)))
        return
    made = generate(args.dir, args.minutes, args.fps)
    if made:
        print("generated lesson:", {k: round(v, 1) for k, v in made.items()}, "s")
    command = [sys.executable, __file__, "--child", "--dir", str(args.dir)]
    if args.parallel:
        command += ["--parallel", str(args.parallel)]
    child = subprocess.run(command, capture_output=True, text=True, check=False)
    if child.returncode != 0:
        sys.stderr.write(child.stderr[-4000:])
        sys.exit(child.returncode)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"lesson: {args.minutes:g} min, 3 cameras 720p @ {args.fps} fps + 2-channel audio, "
          f"{result['samples']} samples, detectors at once: {result['parallel'] or 'cores'}")
    for name, run in result["detectors"].items():
        note = f"  (skipped: {run['skipped']})" if run["skipped"] else ""
        print(f"  {name:<16} {run['seconds']:7.1f} s  {run['observations']:>7} observations{note}")
    wall, rss = result["wall_s"], result["peak_rss_mb"]
    wall_ok = "OK" if wall <= TARGET_WALL_S else "OVER"
    rss_ok = "OK" if rss < TARGET_RSS_MB else "OVER"
    print(f"wall time      {wall:7.1f} s   (target <= {TARGET_WALL_S:.0f} s)  {wall_ok}")
    print(f"peak memory    {rss:7.0f} MB  (target < {TARGET_RSS_MB:.0f} MB) {rss_ok}")
    for shift, s in result["sampling_one_camera"].items():
        print(f"sampling one camera at 6-s instants {shift}: {s['seconds']} s, {s['decoded']} frames decoded "
              f"for {s['instants']} instants, {s['seeks']} seeks")
    print("agreement with the true coding:", json.dumps(result["agreement"]))
    if result["unavailable"]:
        print("unavailable:", result["unavailable"])


if __name__ == "__main__":
    main()
