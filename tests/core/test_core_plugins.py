"""The plugin manager: built-ins, failures that do not spread, registration checks, lookups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lessonlens import CodedTimeline, CodingScheme, Metric, MetricValues, hookimpl
from lessonlens.core.errors import PluginError
from lessonlens.core.plugins import DEFAULT_PLUGINS, PluginManager, get_manager, reset_manager


def test_builtins_load_and_register_through_the_hooks() -> None:
    manager = PluginManager()
    names = [p.name for p in manager.plugins()]
    assert names[: len(DEFAULT_PLUGINS)] == list(DEFAULT_PLUGINS)
    assert all(p.builtin for p in manager.plugins())
    assert manager.failures() == []
    assert manager.coder("platform-9").scheme.id == "platform-9"
    assert manager.renderer("lesson", "json").name == "lesson-json"
    assert any(reg.item.name == "rules" for reg in manager.registry.rule_paths)
    info = {p.name: p for p in manager.plugins()}
    assert info["lessonlens.plugins.coders.platform9"].registered == {"coders": ("platform-9",)}


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_load() -> None:
    manager = PluginManager(builtins=("lessonlens.plugins.coders.platform9", "lessonlens.no_such_plugin"))
    (failure,) = manager.failures()
    assert failure.name == "lessonlens.no_such_plugin"
    assert "ModuleNotFoundError" in failure.error and "no_such_plugin" in failure.error
    assert manager.coder("platform-9")


class NotAMetric:
    name = "fake"


class Broken:
    @hookimpl
    def register_metrics(self, register: Callable[[object], None]) -> None:
        register(NotAMetric())


class Fine(Metric):
    name = "fine"

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return MetricValues(scalars={"fine": 1})


class Good:
    @hookimpl
    def register_metrics(self, register: Callable[[Metric], None]) -> None:
        register(Fine())


def test_registering_the_wrong_kind_of_object_is_reported_by_plugin_name() -> None:
    manager = PluginManager(builtins=())
    manager.register(Broken(), "broken-school-plugin")
    manager.register(Good(), "good-school-plugin")
    (failure,) = manager.failures()
    assert failure.name == "broken-school-plugin"
    assert "is not a metric" in failure.error
    assert manager.metric("fine").name == "fine"


def test_unknown_names_list_what_is_available() -> None:
    manager = PluginManager()
    with pytest.raises(PluginError) as err:
        manager.coder("flanders-99")
    assert "no coder named flanders-99; available: copus, fias, itias, platform-9, st" in err.value.message("en")
    assert "没有名为 flanders-99 的编码器" in err.value.message("zh-CN")
    with pytest.raises(PluginError, match="lesson/json"):
        manager.renderer("lesson", "docx")


def test_the_process_manager_is_created_once_and_can_be_reset() -> None:
    first = get_manager()
    assert get_manager() is first
    reset_manager()
    assert get_manager() is not first


class BadCommands:
    @hookimpl
    def register_commands(self, cli: object) -> None:
        raise RuntimeError("typo in the school's command module")


def test_a_plugin_whose_commands_fail_is_reported_and_the_cli_still_builds() -> None:
    import typer

    app = typer.Typer()
    manager = PluginManager(builtins=())
    manager.register(BadCommands(), "bad-commands")
    manager.register(Good(), "good-school-plugin")
    manager.add_commands(app)
    (failure,) = manager.failures()
    assert failure.name == "bad-commands" and "typo in the school's command module" in failure.error
    assert manager.metric("fine")


class Typo:
    @hookimpl
    def register_metric(self, register: Callable[[Metric], None]) -> None:  # misspelled: register_metrics
        register(Fine())


def test_a_misspelled_hook_is_a_plugin_error_naming_the_hook() -> None:
    manager = PluginManager(builtins=())
    manager.register(Typo(), "typo-plugin")
    manager.register(Good(), "good-school-plugin")
    (failure,) = manager.failures()
    assert failure.name == "typo-plugin"
    assert "register_metric" in failure.error and "register_metrics" in failure.error
    assert [p.name for p in manager.plugins()] == ["good-school-plugin"]


class Shadow(Metric):
    name = "fine"

    def compute(self, timeline: CodedTimeline, scheme: CodingScheme) -> MetricValues:
        return MetricValues(scalars={"fine": 2})


class ShadowPlugin:
    @hookimpl
    def register_metrics(self, register: Callable[[Metric], None]) -> None:
        register(Shadow())


class FirstShadowPlugin:
    @hookimpl(tryfirst=True)
    def register_metrics(self, register: Callable[[Metric], None]) -> None:
        register(Shadow())


class RenamedHook:
    @hookimpl(specname="register_metrics")
    def metrics_of_the_district(self, register: Callable[[Metric], None]) -> None:
        register(Fine())


def test_a_name_registered_twice_is_a_collision_and_the_first_registration_is_used() -> None:
    manager = PluginManager(builtins=())
    manager.register(Good(), "good-school-plugin")
    manager.register(ShadowPlugin(), "shadow-plugin")
    assert isinstance(manager.metric("fine"), Fine)
    (collision,) = manager.collisions()
    assert (collision.kind, collision.name, collision.kept, collision.ignored) == (
        "metrics", "fine", "good-school-plugin", "shadow-plugin")


def test_tryfirst_puts_a_plugins_registrations_first_and_specname_is_honoured() -> None:
    manager = PluginManager(builtins=())
    manager.register(RenamedHook(), "renamed")
    manager.register(FirstShadowPlugin(), "first-shadow")
    assert isinstance(manager.metric("fine"), Shadow)
    assert [(c.kept, c.ignored) for c in manager.collisions()] == [("first-shadow", "renamed")]
    assert {p.name: p.registered for p in manager.plugins()}["renamed"] == {"metrics": ("fine",)}


def test_builtins_register_no_name_twice() -> None:
    assert PluginManager().collisions() == []
