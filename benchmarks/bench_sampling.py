"""Benchmark of frame sampling on camera-like recordings: 1080p at 25 fps, keyframes every 2 s and 10 s.

    python benchmarks/bench_sampling.py [--minutes 3] [--dir .bench/sampling] [--bframes 0]
                                        [--compare OLD_FRAMES.py]

Classroom recorders write 1080p25 H.264 with a keyframe every 2–10 s (I and P frames, mostly). The
files are generated once (kept in ``--dir``): a textured still room, a figure walking across it and
each frame's number stamped in the picture. For each GOP the benchmark prints the cost of decoding
every frame, then of sampling one camera at the 6-s instants of the analysis — on the keyframes
(+0 s) and off them (+1.3 s, as a camera's clock usually is) — exactly (the default) and at the
nearest keyframe (``--sampling keyframe``): CPU seconds per instant (all decoder threads; on a
shared machine wall time follows the load, CPU time does not), wall seconds, frames decoded per
instant, and the CPU time for a 45-minute camera (450 instants). ``--compare`` also times another version of
``lessonlens/media/frames.py`` (e.g. ``git show <rev>:lessonlens/media/frames.py > old.py``), for
before/after figures on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import av

INTERVAL = 6.0
LESSON_INSTANTS = 450  # a 45-minute lesson at 6-s instants
GOPS = (2.0, 10.0)


def generate(directory: Path, minutes: float, gop: float, bframes: int, width: int, height: int) -> Path:
    from lessonlens.media.encode import write_video
    from lessonlens.media.stamp import camera_frames

    path = directory / f"camera-{height}p25-gop{gop:g}s-b{bframes}-{minutes:g}min.mp4"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        clock = time.perf_counter()
        write_video(path, camera_frames(round(minutes * 60 * 25), width, height), 25, gop_seconds=gop,
                    preset="veryfast", bframes=bframes, crf=23)
        print(f"generated {path.name} in {time.perf_counter() - clock:.0f} s ({path.stat().st_size / 1e6:.0f} MB)")
    return path


def decode_all(path: Path) -> tuple[int, float, float]:
    """Frames in the file and the CPU and wall seconds to decode every one of them."""
    cpu, wall = time.process_time(), time.perf_counter()
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            count += 1
    return count, time.process_time() - cpu, time.perf_counter() - wall


def sample(module: ModuleType, path: Path, instants: list[float], **options: Any) -> dict[str, float]:
    stats = module.DecodeStats()
    cpu, wall = time.process_time(), time.perf_counter()
    count = sum(1 for _ in module.frames_at(path, instants, stats=stats, **options))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"instants": count, "cpu": cpu / max(1, count), "wall": wall / max(1, count),
            "decoded": stats.decoded / max(1, count), "seeks": stats.seeks}


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("compared_frames", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="length of each generated file")
    parser.add_argument("--dir", type=Path, default=Path(".bench/sampling"))
    parser.add_argument("--bframes", type=int, default=0, help="B-frames between P-frames (cameras: mostly 0)")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--gops", type=float, nargs="+", default=list(GOPS), help="keyframe distances (s)")
    parser.add_argument("--compare", type=Path, help="another frames.py to time as well (the 'before')")
    args = parser.parse_args()
    from lessonlens.media import frames as current

    versions = [("now", current)] + ([("compared", load(args.compare))] if args.compare else [])
    print(f"{args.height}p25 H.264 (veryfast, crf 23, {args.bframes} B-frames), {args.minutes:g} min per file; "
          f"per 45-min camera = {LESSON_INSTANTS} instants x s/instant")
    for gop in args.gops:
        path = generate(args.dir, args.minutes, gop, args.bframes, args.width, args.height)
        frames, cpu, wall = decode_all(path)
        print(f"\nGOP {gop:g} s: decoding every frame: {cpu / frames * 1000:.1f} ms CPU a frame "
              f"({frames / wall:.0f} frames/s wall; {cpu / frames * INTERVAL * 25:.3f} s CPU per 6 s of video, "
              f"{cpu / frames * 45 * 60 * 25:.0f} s CPU per 45-min camera)")
        duration = frames / 25
        for shift in (0.0, 1.3):
            instants = [i * INTERVAL + shift for i in range(int((duration - shift) // INTERVAL) + 1)
                        if i * INTERVAL + shift < duration]
            runs: list[tuple[str, dict[str, float]]] = []
            for name, module in versions:
                runs.append((f"{name} exact", sample(module, path, instants)))
            runs.append(("now keyframe", sample(current, path, instants, sampling="keyframe")))
            for name, r in runs:
                print(f"  +{shift:<3g} s  {name:<15} {r['cpu']:.3f} s CPU/instant ({r['wall']:.3f} wall)  "
                      f"{r['decoded']:6.1f} frames decoded/instant  {r['seeks']:3.0f} seeks  "
                      f"-> {r['cpu'] * LESSON_INSTANTS:5.1f} s CPU per 45-min camera")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
