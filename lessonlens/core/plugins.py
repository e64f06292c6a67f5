"""The plugin manager: built-in plugins first, then entry-point plugins, loaded lazily and once.

``LESSONLENS_PLUGINS`` restricts which third-party plugins load: unset loads all of them, an empty
value loads none, ``a,b`` loads only the entry points (or distributions) named ``a`` and ``b``.
A plugin that fails to import is recorded with its error and the others still load.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, Generic, TypeVar

import attrs
import pluggy

from lessonlens.core import hookspecs
from lessonlens.core.errors import PluginError, UnknownName
from lessonlens.core.extensions import Coder, Detector, Metric, MetricField, Renderer
from lessonlens.core.i18n import Text, current_lang
from lessonlens.core.timeline import CodingScheme

ENTRY_POINT_GROUP = "lessonlens"
ENV_VAR = "LESSONLENS_PLUGINS"

#: The one place core names plugin modules: lessonlens' own plugins, registered like any other.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "lessonlens.plugins.detectors.teacher_pose",
    "lessonlens.plugins.detectors.student_faces",
    "lessonlens.plugins.detectors.student_pose",
    "lessonlens.plugins.detectors.student_states",
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
_UNKNOWN_HOOK = Text(
    zh="{hook} 不是 lessonlens 的钩子，未被调用", en="{hook} is not a lessonlens hook and was never called"
)
_UNKNOWN_HOOK_SIMILAR = Text(
    zh="{hook} 不是 lessonlens 的钩子，未被调用（是否应为 {close}？）",
    en="{hook} is not a lessonlens hook and was never called (did you mean {close}?)",
)
_WHAT = {
    "detectors": Text(zh="检测器", en="detector"),
    "coders": Text(zh="编码器", en="coder"),
    "metrics": Text(zh="指标", en="metric"),
    "schemes": Text(zh="编码方案", en="coding scheme"),
    "renderers": Text(zh="报告渲染器", en="report renderer"),
}

#: (kind, registry field, hook, the class registered objects must be; None: paths of data files)
_HOOKS: tuple[tuple[str, str, str, type[Any] | None], ...] = (
    ("detectors", "detectors", "register_detectors", Detector),
    ("coders", "coders", "register_coders", Coder),
    ("metrics", "metrics", "register_metrics", Metric),
    ("renderers", "renderers", "register_report_renderers", Renderer),
    ("rubric_schemas", "rubric_schema_paths", "register_rubric_schemas", None),
    ("rules", "rule_paths", "register_rules", None),
)
_SPEC_NAMES = [name for name in dir(hookspecs) if name.startswith("register_")]


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


@attrs.frozen
class Collision:
    """Two plugins registered the same name: ``kept`` is used, ``ignored`` is not."""

    kind: str
    name: str
    kept: str
    ignored: str


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
        self._collisions: list[Collision] = []
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
        self._collect(registry)
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
        try:
            self._pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:  # a hook with arguments its spec does not have
            self._failures.append(PluginFailure(name, origin, _one_line(exc)))
            return
        self._infos[name] = PluginInfo(name=name, origin=origin, version=version, builtin=builtin)
        self._check_pending()

    def _check_pending(self) -> None:
        """A plugin implementing a hook lessonlens does not have (``register_metric``) is a typo: it is
        reported as a failure and unregistered, instead of its registrations silently never happening."""
        while True:
            try:
                self._pm.check_pending()
                return
            except pluggy.PluginValidationError as exc:
                name = self._pm.get_name(exc.plugin) or repr(exc.plugin)
                hooks = sorted(h for h in _hook_names(exc.plugin) if not hasattr(hookspecs, h))
                info = self._infos.pop(name, None)
                self._pm.unregister(exc.plugin)
                for hook in hooks:
                    close = difflib.get_close_matches(hook, _SPEC_NAMES, n=1)
                    text = _UNKNOWN_HOOK_SIMILAR if close else _UNKNOWN_HOOK
                    message = text.format(current_lang(), hook=hook, close=close[0] if close else "")
                    self._failures.append(PluginFailure(name, info.origin if info else "", message))

    def register(self, plugin: Any, name: str, origin: str = "python") -> None:
        """Register a plugin object directly (tests, notebooks); it is collected on the next query."""
        self._register(plugin, name, origin, "", builtin=False)
        if self._registry is not None and name in self._infos:
            self._collect(self._registry, only=name)

    def _collect(self, registry: Registry, only: str | None = None) -> None:
        """Call every ``register_*`` hook through pluggy's hook callers, so that ``specname``,
        ``tryfirst`` and ``trylast`` work. Registrations are taken in plugin order (built-ins first),
        ``tryfirst`` implementations before and ``trylast`` ones after the others; the first
        registration of a name wins and each later one is reported as a collision."""
        order = {name: i for i, name in enumerate(self._infos)}
        registered: dict[str, dict[str, list[str]]] = {}
        for kind, field, hook_name, cls in _HOOKS:
            impls = [impl for impl in getattr(self._pm.hook, hook_name).get_hookimpls()
                     if not (impl.hookwrapper or impl.wrapper) and (only is None or impl.plugin_name == only)]
            impls.sort(key=lambda impl: (0 if impl.tryfirst else 2 if impl.trylast else 1,
                                         order.get(impl.plugin_name, len(order))))
            for impl in impls:
                items: list[Any] = []
                try:
                    impl.function(**({"register": items.append} if "register" in impl.argnames else {}))
                    names = [self._store(kind, field, cls, obj, impl.plugin_name, registry) for obj in items]
                except Exception as exc:  # a broken plugin is reported, the others still load
                    origin = self._infos[impl.plugin_name].origin if impl.plugin_name in self._infos else ""
                    self._failures.append(PluginFailure(impl.plugin_name, origin, _one_line(exc)))
                    continue
                if names:
                    registered.setdefault(impl.plugin_name, {}).setdefault(kind, []).extend(names)
        for impl in self._pm.hook.register_commands.get_hookimpls():
            if only is None or impl.plugin_name == only:
                registered.setdefault(impl.plugin_name, {})["commands"] = ["(cli)"]
        for name, kinds in registered.items():
            if name in self._infos:
                info = self._infos[name]
                self._infos[name] = attrs.evolve(info, registered={k: tuple(v) for k, v in kinds.items()})

    def _store(self, kind: str, field: str, cls: type[Any] | None, obj: Any, plugin: str, registry: Registry) -> str:
        if cls is None:  # a path of data files
            paths: list[Registration[Path]] = getattr(registry, field)
            paths.append(Registration(Path(obj), plugin))
            return str(obj)
        if not isinstance(obj, cls) or not getattr(obj, "name", None):
            raise PluginError(_BAD_REGISTRATION, plugin=plugin, obj=obj, what=_WHAT[kind])
        item_name = str(obj.name)
        table: dict[str, Registration[Any]] = getattr(registry, field)
        if item_name in table:
            self._collisions.append(Collision(kind, item_name, table[item_name].plugin, plugin))
        else:
            table[item_name] = Registration(obj, plugin)
        return item_name

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

    def collisions(self) -> list[Collision]:
        """Names registered twice: the first registration is used, the later one is ignored."""
        self._load()
        return list(self._collisions)

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
        raise UnknownName(_UNKNOWN, name=scheme_id, what=_WHAT["schemes"], known=", ".join(known) or "-")

    def metric(self, name: str) -> Metric:
        return _lookup(self.registry.metrics, name, "metrics")

    def metric_fields(self) -> dict[str, MetricField]:
        """Every id the registered metrics declare (:attr:`Metric.fields`), the first declaration winning."""
        fields: dict[str, MetricField] = {}
        for reg in self.registry.metrics.values():
            for field in reg.item.fields:
                fields.setdefault(field.id, field)
        return fields

    def metric_label(self, metric_id: str, unit: bool = True) -> Text:
        """The label of a metric id (with its unit unless ``unit`` is false); an undeclared id is itself."""
        field = self.metric_fields().get(metric_id)
        if field is None:
            return Text(zh=metric_id, en=metric_id)
        return field.title() if unit else field.name()

    def renderer(self, report: str, fmt: str) -> Renderer:
        for reg in self.registry.renderers.values():
            if reg.item.report == report and reg.item.format == fmt:
                return reg.item
        known = sorted(f"{r.item.report}/{r.item.format}" for r in self.registry.renderers.values())
        raise UnknownName(_UNKNOWN, name=f"{report}/{fmt}", what=_WHAT["renderers"], known=", ".join(known))

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
        raise UnknownName(_UNKNOWN, name=name, what=_WHAT[kind], known=", ".join(sorted(table)) or "-")
    return table[name].item


def _selected_entry_points() -> list[metadata.EntryPoint]:
    chosen = os.environ.get(ENV_VAR)
    eps = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    if chosen is None:
        return eps
    wanted = {part.strip() for part in chosen.split(",") if part.strip()}
    return [ep for ep in eps if ep.name in wanted or (ep.dist is not None and ep.dist.name in wanted)]


def _hook_names(plugin: Any) -> list[str]:
    """The names of a plugin's attributes marked as lessonlens hook implementations."""
    return [name for name in dir(plugin) if hasattr(getattr(plugin, name, None), f"{hookspecs.PROJECT}_impl")]


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
