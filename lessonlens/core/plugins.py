"""The plugin manager: built-in plugins first, then entry-point plugins, loaded lazily and once.

``LESSONLENS_PLUGINS`` restricts which third-party plugins load: unset loads all of them, an empty
value loads none, ``a,b`` loads only the entry points (or distributions) named ``a`` and ``b``.
A plugin that fails to import is recorded with its error and the others still load.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, Generic, TypeVar

import attrs
import pluggy

from lessonlens.core import hookspecs
from lessonlens.core.errors import PluginError
from lessonlens.core.extensions import Coder, Detector, Metric, Renderer
from lessonlens.core.i18n import Text
from lessonlens.core.timeline import CodingScheme

ENTRY_POINT_GROUP = "lessonlens"
ENV_VAR = "LESSONLENS_PLUGINS"

#: The one place core names plugin modules: lessonlens' own plugins, registered like any other.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "lessonlens.plugins.detectors.teacher_pose",
    "lessonlens.plugins.detectors.student_faces",
    "lessonlens.plugins.detectors.board_ocr",
    "lessonlens.plugins.detectors.speech",
    "lessonlens.plugins.detectors.asr",
    "lessonlens.plugins.coders.platform9",
    "lessonlens.plugins.coders.st",
    "lessonlens.plugins.coders.fias",
    "lessonlens.plugins.coders.verbal_activity",
    "lessonlens.plugins.coders.copus",
    "lessonlens.plugins.coders.itias",
    "lessonlens.plugins.metrics.st_analysis",
    "lessonlens.plugins.metrics.shares",
    "lessonlens.plugins.metrics.curves",
    "lessonlens.plugins.metrics.episodes",
    "lessonlens.plugins.metrics.timeline_bins",
    "lessonlens.plugins.metrics.fias",
    "lessonlens.plugins.metrics.verbal_activity",
    "lessonlens.plugins.metrics.copus",
    "lessonlens.plugins.metrics.itias",
    "lessonlens.plugins.reports.json_export",
    "lessonlens.plugins.reports.csv_export",
    "lessonlens.plugins.reports.html",
    "lessonlens.plugins.reports.pdf",
    "lessonlens.rules",
    "lessonlens.rubric_schemas",
)

T = TypeVar("T")

_UNKNOWN = Text(zh="没有名为 {name} 的{what}；可用：{known}", en="no {what} named {name}; available: {known}")
_BAD_REGISTRATION = Text(
    zh="插件 {plugin} 注册的 {obj!r} 不是{what}", en="plugin {plugin} registered {obj!r}, which is not a {what}"
)
_WHAT = {
    "detectors": Text(zh="检测器", en="detector"),
    "coders": Text(zh="编码器", en="coder"),
    "metrics": Text(zh="指标", en="metric"),
    "schemes": Text(zh="编码方案", en="coding scheme"),
    "renderers": Text(zh="报告渲染器", en="report renderer"),
}


@attrs.frozen
class PluginInfo:
    """A loaded plugin: its name, where it comes from, and what it registered (kind -> names)."""

    name: str
    origin: str
    version: str = ""
    builtin: bool = False
    registered: dict[str, tuple[str, ...]] = attrs.field(factory=dict)


@attrs.frozen
class PluginFailure:
    name: str
    origin: str
    error: str


@attrs.define
class Registration(Generic[T]):
    """Something registered, and the plugin that registered it."""

    item: T
    plugin: str


@attrs.define
class Registry:
    """Everything the loaded plugins registered, by kind and name."""

    detectors: dict[str, Registration[Detector]] = attrs.field(factory=dict)
    coders: dict[str, Registration[Coder]] = attrs.field(factory=dict)
    metrics: dict[str, Registration[Metric]] = attrs.field(factory=dict)
    renderers: dict[str, Registration[Renderer]] = attrs.field(factory=dict)
    rubric_schema_paths: list[Registration[Path]] = attrs.field(factory=list)
    rule_paths: list[Registration[Path]] = attrs.field(factory=list)


class PluginManager:
    """Loads plugins once and answers what they registered."""

    def __init__(self, builtins: Iterable[str] = DEFAULT_PLUGINS, entry_points: bool = True) -> None:
        self._builtins = tuple(builtins)
        self._entry_points = entry_points
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._failures: list[PluginFailure] = []
        self._registry: Registry | None = None

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> Registry:
        if self._registry is not None:
            return self._registry
        registry = Registry()
        for module_name in self._builtins:
            self._add_module(module_name, module_name, "lessonlens", builtin=True)
        if self._entry_points:
            for ep in _selected_entry_points():
                dist = ep.dist.name if ep.dist is not None else ""
                version = ep.dist.version if ep.dist is not None else ""
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken plugin must not take the others down
                    self._failures.append(PluginFailure(ep.name, dist or ep.value, _one_line(exc)))
                    continue
                self._register(plugin, ep.name, dist or ep.value, version, builtin=False)
        for name in list(self._infos):
            self._collect(name, registry)
        self._registry = registry
        return registry

    def _add_module(self, module_name: str, name: str, origin: str, builtin: bool) -> None:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            self._failures.append(PluginFailure(name, origin, _one_line(exc)))
            return
        self._register(module, name, origin, "", builtin)

    def _register(self, plugin: Any, name: str, origin: str, version: str, builtin: bool) -> None:
        if self._pm.is_registered(plugin) or self._pm.has_plugin(name):
            return
        self._pm.register(plugin, name=name)
        self._infos[name] = PluginInfo(name=name, origin=origin, version=version, builtin=builtin)

    def register(self, plugin: Any, name: str, origin: str = "python") -> None:
        """Register a plugin object directly (tests, notebooks); it is collected on the next query."""
        self._register(plugin, name, origin, "", builtin=False)
        if self._registry is not None:
            self._collect(name, self._registry)

    def _collect(self, name: str, registry: Registry) -> None:
        plugin = self._pm.get_plugin(name)
        registered: dict[str, list[str]] = {}

        def call(hook: str, store: Callable[[Any], str], kind: str) -> None:
            impl = getattr(plugin, hook, None)
            if impl is None or not hasattr(impl, f"{hookspecs.PROJECT}_impl"):
                return

            def register(obj: Any) -> None:
                registered.setdefault(kind, []).append(store(obj))

            try:
                impl(register=register)
            except Exception as exc:  # a broken plugin is reported, the others still load
                self._failures.append(PluginFailure(name, self._infos[name].origin, _one_line(exc)))

        def named(kind: str, cls: type[Any], table: dict[str, Any]) -> Callable[[Any], str]:
            def store(obj: Any) -> str:
                if not isinstance(obj, cls) or not getattr(obj, "name", None):
                    raise PluginError(_BAD_REGISTRATION, plugin=name, obj=obj, what=_WHAT[kind])
                item_name = str(obj.name)
                table[item_name] = Registration(obj, name)
                return item_name
            return store

        def path_store(table: list[Registration[Path]]) -> Callable[[Any], str]:
            def store(obj: Any) -> str:
                table.append(Registration(Path(obj), name))
                return str(obj)
            return store

        call("register_detectors", named("detectors", Detector, registry.detectors), "detectors")
        call("register_coders", named("coders", Coder, registry.coders), "coders")
        call("register_metrics", named("metrics", Metric, registry.metrics), "metrics")
        call("register_report_renderers", named("renderers", Renderer, registry.renderers), "renderers")
        call("register_rubric_schemas", path_store(registry.rubric_schema_paths), "rubric_schemas")
        call("register_rules", path_store(registry.rule_paths), "rules")
        if hasattr(getattr(plugin, "register_commands", None), f"{hookspecs.PROJECT}_impl"):
            registered["commands"] = ["(cli)"]
        info = self._infos[name]
        self._infos[name] = attrs.evolve(info, registered={k: tuple(v) for k, v in registered.items()})

    # -- queries -----------------------------------------------------------------------------
    @property
    def registry(self) -> Registry:
        return self._load()

    def plugins(self) -> list[PluginInfo]:
        self._load()
        return list(self._infos.values())

    def failures(self) -> list[PluginFailure]:
        self._load()
        return list(self._failures)

    def detector(self, name: str) -> Detector:
        return _lookup(self.registry.detectors, name, "detectors")

    def coder(self, name: str) -> Coder:
        return _lookup(self.registry.coders, name, "coders")

    def coder_scheme(self, scheme_id: str) -> CodingScheme:
        """The coding scheme with this id, from whichever coder declares it."""
        for reg in self.registry.coders.values():
            if reg.item.scheme.id == scheme_id:
                return reg.item.scheme
        known = sorted({r.item.scheme.id for r in self.registry.coders.values()})
        raise PluginError(_UNKNOWN, name=scheme_id, what=_WHAT["schemes"], known=", ".join(known) or "-")

    def metric(self, name: str) -> Metric:
        return _lookup(self.registry.metrics, name, "metrics")

    def renderer(self, report: str, fmt: str) -> Renderer:
        for reg in self.registry.renderers.values():
            if reg.item.report == report and reg.item.format == fmt:
                return reg.item
        known = sorted(f"{r.item.report}/{r.item.format}" for r in self.registry.renderers.values())
        raise PluginError(_UNKNOWN, name=f"{report}/{fmt}", what=_WHAT["renderers"], known=", ".join(known))

    def add_commands(self, cli: Any) -> None:
        """Let every plugin add its sub-commands to the CLI app."""
        self._load()
        for impl in self._pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except Exception as exc:  # one plugin's broken command must not take the CLI down
                origin = self._infos[impl.plugin_name].origin if impl.plugin_name in self._infos else ""
                self._failures.append(PluginFailure(impl.plugin_name, origin, _one_line(exc)))


def _lookup(table: dict[str, Registration[T]], name: str, kind: str) -> T:
    if name not in table:
        raise PluginError(_UNKNOWN, name=name, what=_WHAT[kind], known=", ".join(sorted(table)) or "-")
    return table[name].item


def _selected_entry_points() -> list[metadata.EntryPoint]:
    chosen = os.environ.get(ENV_VAR)
    eps = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    if chosen is None:
        return eps
    wanted = {part.strip() for part in chosen.split(",") if part.strip()}
    return [ep for ep in eps if ep.name in wanted or (ep.dist is not None and ep.dist.name in wanted)]


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


_manager: PluginManager | None = None


def get_manager() -> PluginManager:
    """The process-wide plugin manager, created on first use."""
    global _manager
    if _manager is None:
        _manager = PluginManager()
    return _manager


def reset_manager() -> None:
    """Forget the loaded plugins, so the next :func:`get_manager` reloads them (tests, notebooks)."""
    global _manager
    _manager = None
