"""Fixtures of the detector tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty models folder of this test's own (``LESSONLENS_MODELS``), downloads off."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv("LESSONLENS_MODELS", str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("LESSONLENS_ALLOW_DOWNLOAD", raising=False)
    return folder
