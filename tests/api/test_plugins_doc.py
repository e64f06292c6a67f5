"""docs/plugins.md: every hook has a section with a complete example, and the examples work."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
import typer

from lessonlens.core import hookspecs
from lessonlens.core import plugins as plugin_module
from lessonlens.core.plugins import PluginManager
from lessonlens.diagnosis import check_rules
from lessonlens.pipeline.measure import read_coded_sheet

DOC = Path(__file__).parents[2] / "docs" / "plugins.md"
SAMPLE = Path(__file__).parents[2] / "lessonlens" / "samples" / "wang-li-01.csv"
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("register_"))


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_every_hook_has_a_section_with_an_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    undocumented = [h for h in HOOKS if f"## {h}" not in text or not any(f"def {h}(" in b for b in blocks("python"))]
    assert HOOKS and undocumented == []


@pytest.fixture
def manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PluginManager:
    """The built-ins plus each example of the doc, registered as a plugin module of its own."""
    manager = PluginManager(entry_points=False)
    for i, code in enumerate(blocks("python")):
        module = types.ModuleType(f"doc_example_{i}")
        module.__file__ = str(tmp_path / f"doc_example_{i}.py")
        exec(compile(code, module.__file__, "exec"), module.__dict__)
        manager.register(module, f"doc-example-{i}")
    monkeypatch.setattr(plugin_module, "_manager", manager)  # the rule checker asks the process manager
    return manager


def test_the_examples_register_and_run(manager: PluginManager, tmp_path: Path) -> None:
    assert manager.failures() == [] and manager.collisions() == []
    assert manager.detector("clicker").name == "clicker"
    assert manager.renderer("lesson", "md").name == "lesson-markdown"
    timeline = read_coded_sheet(SAMPLE, manager=manager)
    share = manager.metric("lecture-share").compute(timeline, manager.coder_scheme("platform-9")).scalars
    assert 0 < share["lecture_share"] < 1
    assert manager.metric_label("lecture_share").en == "Lecture share"

    sheet = tmp_path / "talk.csv"
    sheet.write_text("t,code,talk\n0,teacher_talk,1\n5,quiet,0\n10,student_talk,1\n", encoding="utf-8")
    assert read_coded_sheet(sheet, manager=manager).scheme == "talk"  # matches_sheet: the talk column

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(blocks("yaml")[0], encoding="utf-8")
    assert check_rules([rules]) == []

    app = typer.Typer()
    manager.add_commands(app)
    assert [c.name for c in app.registered_commands] == ["acme-hello"]
