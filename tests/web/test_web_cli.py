"""``lessonlens users``: add (role scopes and password rules checked), list, disable (ends sessions),
reset a password — on the same store the platform serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lessonlens.cli import app
from lessonlens.core.errors import InputError
from lessonlens.store import Store
from lessonlens.web.accounts import authenticate, open_session, session_account
from tests.support.web import PASSWORD


def test_users_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite")
    runner = CliRunner()

    def users(*args: str) -> object:
        return runner.invoke(app, ["users", *args, "--db", db])

    ok = users("add", "zhang", "--role", "researcher", "--region", "海淀", "--subject", "数学", "--subject", "科学",
               "--display-name", "张老师", "--password", PASSWORD)
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    for bad in (["add", "li", "--role", "researcher", "--password", PASSWORD],      # no region/subjects
                ["add", "li", "--role", "school_lead", "--password", PASSWORD],     # no school
                ["add", "li", "--role", "teacher", "--password", "short"],
                ["add", "li", "--role", "principal", "--password", PASSWORD],
                ["add", "zhang", "--role", "teacher", "--password", PASSWORD],       # taken
                ["add", "a b", "--role", "teacher", "--password", PASSWORD]):
        assert isinstance(users(*bad).exception, InputError), bad  # type: ignore[attr-defined]
    listed = json.loads(users("list", "--json").output)  # type: ignore[attr-defined]
    assert listed == [{"id": 1, "name": "zhang", "display_name": "张老师", "role": "researcher", "region": "海淀",
                       "school": "", "subjects": ["数学", "科学"], "active": True}]
    with Store.open(db) as store:
        account = authenticate(store.engine, "zhang", PASSWORD)
        assert account is not None
        token = open_session(store.engine, account, 1)
        assert users("password", "zhang", "--password", "a new password").exit_code == 0  # type: ignore[attr-defined]
        assert session_account(store.engine, token) is None  # a new password ends the sessions
        assert authenticate(store.engine, "zhang", PASSWORD) is None
        token = open_session(store.engine, account, 1)
        assert users("disable", "zhang").exit_code == 0  # type: ignore[attr-defined]
        assert session_account(store.engine, token) is None
        assert authenticate(store.engine, "zhang", "a new password") is None
        assert users("enable", "zhang").exit_code == 0  # type: ignore[attr-defined]
        assert authenticate(store.engine, "zhang", "a new password") is not None
    with pytest.raises(InputError):
        raise users("password", "nobody", "--password", PASSWORD).exception  # type: ignore[attr-defined,misc]


def test_serve_takes_workers_or_a_scheduler_not_both(tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(app, ["serve", "--db", str(tmp_path / "db.sqlite"), "--scheduler", "tcp://127.0.0.1:9",
                               "--workers", "2"])
    assert both.exit_code == 2 and "--workers" in both.output
    assert not (tmp_path / "db.sqlite").exists()  # refused before anything was made
    helped = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert "--workers" in helped.output and "--min-group" in helped.output
