"""Keep native libraries' log lines (mediapipe, TFLite, absl) off the user's terminal.

mediapipe's C++ runtime writes INFO/WARNING lines such as ``W0000 00:00:... calculator.cc:186] ...``
straight to file descriptor 2, where no Python setting reaches (absl ignores GLOG_minloglevel).
While a command runs, fd 2 goes through a pipe and a reader thread forwards every line but those,
as it is written: lessonlens' own warnings and any traceback still reach the user.
``LESSONLENS_NATIVE_LOGS=1`` shows everything.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NATIVE_LOG_LINE = re.compile(
    rb"^(?:[IWEF]\d{4} \d\d:\d\d:\d\d[.\d]* +\d+ [\w.\-]+:\d+\] "  # absl / glog prefix
    rb"|INFO: Created TensorFlow Lite"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)"
)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


@contextmanager
def native_logs_filtered() -> Iterator[None]:
    """Route fd 2 through a filter that drops native log lines for the duration of the block."""
    if os.environ.get("LESSONLENS_NATIVE_LOGS") == "1":
        yield
        return
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    terminal = os.dup(2)
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not NATIVE_LOG_LINE.match(line):
                    _write_all(terminal, line)

    reader = threading.Thread(target=forward, name="lessonlens-stderr-filter", daemon=True)
    reader.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(terminal, 2)  # drops the pipe's last write end: the reader sees EOF and ends
        reader.join(timeout=5)
        os.close(terminal)
