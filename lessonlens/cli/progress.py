"""A rich progress bar fed by pipeline progress events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from lessonlens.pipeline.stages import ProgressCallback, ProgressEvent


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """Yield a callback that draws one bar per pipeline stage (to stderr; nothing if disabled)."""
    if not enabled:
        yield lambda event: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(event: ProgressEvent) -> None:
            if event.stage not in tasks:
                tasks[event.stage] = bar.add_task(event.stage, total=event.total or None)
            bar.update(tasks[event.stage], completed=event.done, total=event.total or None)

        yield update
