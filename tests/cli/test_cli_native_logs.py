"""Native libraries' log lines stay off the terminal; lessonlens' own lines still get through."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r"""
import os, sys
from lessonlens.cli.native_logs import native_logs_filtered
with native_logs_filtered():
    os.write(2, b"W0000 00:00:1795531475.314360   21139 inference_feedback_manager.cc:114] Feedback manager\n")
    os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
    print("lessonlens: teacher.mp4: the camera ends at 12:00", file=sys.stderr, flush=True)
    os.write(2, b"I0000 00:00:1795531475.3 99 gl_context.cc:357] GL version\n")
    os.write(2, b"a line without its newline")
print(" / after", file=sys.stderr)
"""


def run(env_extra: dict[str, str]) -> str:
    env = {**{k: v for k, v in os.environ.items() if k != "LESSONLENS_NATIVE_LOGS"}, **env_extra}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True)
    return done.stderr


def test_native_log_lines_are_dropped_and_the_rest_kept_in_order() -> None:
    stderr = run({})
    assert stderr == "lessonlens: teacher.mp4: the camera ends at 12:00\na line without its newline / after\n"


def test_native_logs_can_be_shown_for_debugging() -> None:
    stderr = run({"LESSONLENS_NATIVE_LOGS": "1"})
    assert "inference_feedback_manager.cc:114] Feedback manager" in stderr and "XNNPACK" in stderr
    assert "the camera ends at 12:00" in stderr
