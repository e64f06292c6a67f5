"""District batches and analysis jobs on Dask distributed; the jobs table (see ``docs/batch.md``).

    import lessonlens
    summary = lessonlens.batch("term.csv", db="postgresql://...")      # an embedded LocalCluster
    summary = lessonlens.batch("term.csv", client=client)               # an existing distributed.Client

The jobs table is the contract with the web application: :func:`submit_job` queues a lesson,
:func:`list_jobs` / :func:`get_job` follow it, :func:`retry` queues failed ones again, and
:func:`run_jobs` analyses what is queued. Dask, SQLAlchemy and the pipeline load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lessonlens.jobs.spec import DEFAULT_RUBRIC, LessonSpec, RubricSheets, spec_from_json, spec_to_json

if TYPE_CHECKING:
    from lessonlens.jobs.manifest import read_manifest
    from lessonlens.jobs.runner import BatchOptions, BatchProgress, BatchSummary, Failure, batch, run_jobs
    from lessonlens.jobs.table import (
        Fingerprints,
        Job,
        JobState,
        claim_jobs,
        get_job,
        job_counts,
        list_jobs,
        mark_done,
        mark_failed,
        mark_running,
        retry,
        submit_job,
        submit_jobs,
    )
    from lessonlens.jobs.task import LessonOutcome, TaskOptions, run_lesson

_LAZY = {
    **dict.fromkeys(("Fingerprints", "Job", "JobState", "claim_jobs", "get_job", "job_counts", "list_jobs", "mark_done",
                     "mark_failed", "mark_running", "retry", "submit_job", "submit_jobs"), "table"),
    "read_manifest": "manifest",
    **dict.fromkeys(("BatchOptions", "BatchProgress", "BatchSummary", "Failure", "batch", "run_jobs"), "runner"),
    **dict.fromkeys(("LessonOutcome", "TaskOptions", "run_lesson"), "task"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"lessonlens.jobs.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_RUBRIC", "BatchOptions", "BatchProgress", "BatchSummary", "Failure", "Fingerprints", "Job", "JobState",
    "LessonOutcome", "LessonSpec", "RubricSheets", "TaskOptions", "batch", "claim_jobs", "get_job", "job_counts",
    "list_jobs", "mark_done", "mark_failed", "mark_running", "read_manifest", "retry", "run_jobs", "run_lesson",
    "spec_from_json", "spec_to_json", "submit_job", "submit_jobs",
]
