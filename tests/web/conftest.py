"""Fixtures of the web platform's tests (helpers they share with other folders: tests.support.web)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One platform per test module: accounts of every role, the sample lessons, shares (make_world)."""
    from tests.support.web import make_world  # imported here: it skips its module when the web extra is missing

    return make_world(tmp_path_factory.mktemp("web"))
