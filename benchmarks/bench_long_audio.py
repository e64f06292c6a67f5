"""Time and peak memory of the speech detector and of ``lessonlens analyze`` on long audio-only lessons.

    python benchmarks/bench_long_audio.py [--hours 1 3] [--dir .bench/long-audio] [--analyze]
                                          [--threads 2] [--pythonpath OTHER_CHECKOUT]

Each lesson is a two-minute espeak-ng pattern (teacher, student, chorus, pauses, room noise; lapel
and room microphones) repeated as 24 kbit/s Ogg Opus (:mod:`lessonlens.synth.long_audio`, a few
seconds to make). Each measurement runs in a fresh child process, so its peak memory (``VmHWM``) is
its own: the child's baseline after imports, the speech detector (``SpeechDetector.detect``), and,
with ``--analyze``, the whole ``lessonlens analyze LESSON.ogg`` (default detectors, no cache, no
report). ``--pythonpath`` runs the children on another checkout (e.g. an export of an older ``main``)
to compare, on the same generated files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB), ``VmHWM`` (see ``bench_analyze.peak_rss_mb``)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def speech(path: Path, threads: int) -> dict[str, object]:
    """Runs in the child: the speech detector alone on ``path``."""
    import numpy as np

    from lessonlens.core.extensions import DetectRequest
    from lessonlens.core.lesson import LessonMeta, MediaSource
    from lessonlens.media import probe
    from lessonlens.plugins.detectors.speech import SpeechDetector

    duration = probe(path).duration or 0.0
    detector = SpeechDetector()
    request = DetectRequest(lesson=LessonMeta(id="long"), media=(MediaSource(str(path), "audio"),),
                            instants=tuple(np.arange(0.0, duration, 6.0)), threads=threads)
    base = current_rss_mb()
    clock = time.perf_counter()
    turns = list(detector.detect(request))
    wall = time.perf_counter() - clock
    speakers: dict[str, float] = {}
    for o in turns:
        speaker = str(getattr(o, "speaker", ""))
        speakers[speaker] = speakers.get(speaker, 0.0) + float(getattr(o, "end", 0.0) or 0.0) - o.t
    return {"wall_s": round(wall, 1), "peak_mb": round(peak_rss_mb(), 1), "before_mb": round(base, 1),
            "turns": len(turns), "speaking_s": {k: round(v) for k, v in sorted(speakers.items())}}


def analyze(path: Path, out: Path, threads: int) -> dict[str, object]:
    """Runs in the child: ``lessonlens analyze`` on ``path`` as the CLI would (in this process)."""
    from lessonlens.cli import main as cli

    argv = sys.argv
    sys.argv = ["lessonlens", "analyze", str(path), "--out", str(out), "--no-cache", "--no-report",
                "--threads", str(threads)]
    clock = time.perf_counter()
    try:
        cli()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        sys.argv = argv
    return {"wall_s": round(time.perf_counter() - clock, 1), "peak_mb": round(peak_rss_mb(), 1)}


def child(args: argparse.Namespace, task: str, path: Path) -> dict[str, object]:
    env = dict(os.environ)
    if args.pythonpath:
        env["PYTHONPATH"] = str(args.pythonpath)
    command = [sys.executable, __file__, "--child", task, "--lesson", str(path), "--threads", str(args.threads),
               "--dir", str(args.dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        sys.exit(done.returncode)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 3.0])
    parser.add_argument("--dir", type=Path, default=Path(".bench/long-audio"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--analyze", action="store_true", help="also time the whole analyze")
    parser.add_argument("--pythonpath", type=Path, default=None, help="run the children on this checkout")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--lesson", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "baseline":
            import lessonlens.plugins.detectors.speech  # noqa: F401  (the imports the detector needs)

            print(json.dumps({"peak_mb": round(peak_rss_mb(), 1)}))
        elif args.child == "speech":
            print(json.dumps(speech(args.lesson, args.threads)))
        else:
            print(json.dumps(analyze(args.lesson, args.dir / f"out-{args.lesson.stem}", args.threads)))
        return
    from lessonlens.synth.long_audio import long_audio_lesson

    args.dir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    base = child(args, "baseline", Path("-"))["peak_mb"]
    print(f"code: {args.pythonpath or 'this checkout'}; threads {args.threads}; load {load:.1f} "
          f"on {os.cpu_count()} cores; child after imports {base} MB")
    for hours in args.hours:
        path = args.dir / f"lesson-{hours:g}h.ogg"
        if not path.exists():
            clock = time.perf_counter()
            long_audio_lesson(path, hours * 60)
            print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - clock:.1f} s")
        result = child(args, "speech", path)
        print(f"{hours:g} h  speech detector  {result['wall_s']:7.1f} s  peak {result['peak_mb']:7.0f} MB  "
              f"turns {result['turns']}  {result['speaking_s']}")
        if args.analyze:
            result = child(args, "analyze", path)
            print(f"{hours:g} h  analyze          {result['wall_s']:7.1f} s  peak {result['peak_mb']:7.0f} MB")


if __name__ == "__main__":
    main()
