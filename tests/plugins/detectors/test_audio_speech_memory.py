"""The speech detector's memory does not grow with the lesson: a 20-minute recording adds well under
the ~170 MB the whole-track reading took (16-kHz mono track, working copies; 1.6 GB at 3 hours)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lessonlens.core.errors import PluginError
from lessonlens.media.vad import silero_model_path

pytest.importorskip("onnxruntime")
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed", allow_module_level=True)
try:
    silero_model_path()
except PluginError:
    pytest.skip("silero-vad is not installed (pip install --no-deps silero-vad)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[3]
MINUTES = 20
#: MB the detector may add to the peak on 20 minutes: blocks of a few minutes (~50 MB measured),
#: against 167 MB for the whole-track reading
GROWTH_MB = 100

# the child loads the VAD and runs it on two pieces' worth of silence first (its model, arenas and
# threads are there whatever the lesson's length), then runs the detector: the peak's growth is the
# detector's own (VmHWM: this process's high-water mark, see benchmarks/bench_analyze.py)
CHILD = """
import json, sys
from pathlib import Path
import numpy as np
from lessonlens.core.extensions import DetectRequest
from lessonlens.core.lesson import LessonMeta, MediaSource
from lessonlens.media.vad import SileroVad
from lessonlens.plugins.detectors.speech import SpeechDetector

def hwm():
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

path, seconds = sys.argv[1], float(sys.argv[2])
SileroVad().probabilities(np.zeros(16000 * 130, dtype=np.float32), workers=2)
before = hwm()
request = DetectRequest(lesson=LessonMeta(id="long"), media=(MediaSource(path, "audio"),),
                        instants=tuple(np.arange(0.0, seconds, 6.0)), threads=2)
turns = list(SpeechDetector().detect(request))
print(json.dumps({"before": before, "after": hwm(), "turns": len(turns)}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from Linux's /proc")
def test_a_long_recording_does_not_raise_the_peak(tmp_path: Path) -> None:
    from lessonlens.synth.long_audio import long_audio_lesson

    lesson = long_audio_lesson(tmp_path / "long.ogg", MINUTES)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", CHILD, str(lesson), str(MINUTES * 60)], capture_output=True,
                          text=True, check=False, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["turns"] > 50  # it did find the lesson's speech (10 pattern repeats)
    assert figures["after"] - figures["before"] < GROWTH_MB, figures
