"""Bundled sample lessons: hand-coded platform-9 sheets with their lesson metadata.

Six 40-minute primary-school lessons: Wang Li's mathematics lessons over the autumn term
(``wang-li-01`` .. ``-04``, growing from lecture with choral answers towards group exploration),
Li Qiang's lecture-heavy lesson on the same topic, and Chen Jing's dialogue-rich English lesson at
another school. ``lessonlens.samples.load_sample()`` gives the showcase lesson as an analysis::

    from lessonlens import samples
    analysis = samples.load_sample()          # wang-li-03, with timeline and metrics
    [m.id for m in samples.list_samples()]    # all six
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from lessonlens.core.analysis import Analysis, Provenance
from lessonlens.core.documents import converter
from lessonlens.core.errors import InputError
from lessonlens.core.i18n import Text
from lessonlens.core.lesson import LessonMeta
from lessonlens.core.plugins import PluginManager, get_manager
from lessonlens.core.version import __version__
from lessonlens.pipeline.measure import read_coded_sheet
from lessonlens.pipeline.stages import compute_metrics

HERE = Path(__file__).parent
_UNKNOWN = Text(zh="没有名为 {name} 的示例课；可用：{known}", en="no sample lesson named {name}; available: {known}")


@cache
def _index() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / "lessons.json").read_text(encoding="utf-8"))
    return data


def default_sample() -> str:
    """The id of the showcase lesson."""
    return str(_index()["default"])


def _entry(sample_id: str) -> dict[str, Any]:
    for entry in _index()["lessons"]:
        if entry["lesson"]["id"] == sample_id:
            return dict(entry)
    known = ", ".join(e["lesson"]["id"] for e in _index()["lessons"])
    raise InputError(_UNKNOWN, name=sample_id, known=known)


def list_samples() -> list[LessonMeta]:
    """The metadata of every bundled lesson (teacher, school, region, subject, grade, date ...)."""
    return [converter.structure(e["lesson"], LessonMeta) for e in _index()["lessons"]]


def sample_path(sample_id: str | None = None) -> Path:
    """The CSV sheet of a sample lesson (the showcase one by default)."""
    return HERE / str(_entry(sample_id or default_sample())["file"])


def load_sample(sample_id: str | None = None, manager: PluginManager | None = None) -> Analysis:
    """A sample lesson as an analysis: metadata, coded timeline and all metrics."""
    manager = manager or get_manager()
    entry = _entry(sample_id or default_sample())
    lesson = converter.structure(entry["lesson"], LessonMeta)
    timeline = read_coded_sheet(HERE / entry["file"], entry["scheme"], manager=manager)
    metrics = compute_metrics(timeline, manager=manager)
    provenance = Provenance(lessonlens=__version__, coder=timeline.coder,
                            metrics=tuple(sorted(manager.registry.metrics)), options={"source": entry["file"]})
    return Analysis(lesson=lesson, timeline=timeline, metrics=metrics, provenance=provenance)


def load_samples(teacher: str | None = None, manager: PluginManager | None = None) -> list[Analysis]:
    """All sample lessons (or one teacher's, by name or id), in date order."""
    chosen = [m for m in list_samples()
              if teacher is None or teacher in (m.teacher, m.extra.get("teacher_id"), m.extra.get("teacher_en"))]
    chosen.sort(key=lambda m: (m.date is None, m.date, m.id))
    return [load_sample(m.id, manager) for m in chosen]
