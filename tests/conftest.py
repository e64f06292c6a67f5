"""Shared test set-up: tests never load whatever plugins happen to be installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lessonlens.core.plugins import reset_manager

#: fixtures every folder may use: ``store`` (an empty store on SQLite and on PostgreSQL)
pytest_plugins = ("tests.support.store",)


@pytest.fixture(autouse=True)
def _isolated_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only built-in plugins load unless a test opts in by setting LESSONLENS_PLUGINS itself."""
    monkeypatch.setenv("LESSONLENS_PLUGINS", "")
    monkeypatch.delenv("LESSONLENS_LANG", raising=False)
    reset_manager()
    yield
    reset_manager()
