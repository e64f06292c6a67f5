"""``lessonlens serve`` in its own process for browser tests: started on a free port, killed with
SIGKILL and started again on the same port (a server restart under an open page), stopped at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.net import free_port
from tests.support.web import wait_until_serving

#: the repository root (what the server process imports lessonlens from)
ROOT = Path(__file__).parents[2]


class Serve:
    """``lessonlens serve --db ROOT/db.sqlite --media ROOT/media --no-jobs`` (pages in zh-CN)."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.env = {**os.environ, "LESSONLENS_LANG": "zh-CN", "PYTHONPATH": str(ROOT)}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lessonlens", "serve", "--db", str(self.root / "db.sqlite"), "--media",
             str(self.root / "media"), "--port", str(self.port), "--no-jobs"], env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        wait_until_serving(self.process, self.base)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; whatever was acknowledged must already be stored."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
