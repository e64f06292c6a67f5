"""A lesson's thread budget on the cluster: the embedded cluster's layout, its workers' environment,
and the budget a worker gives a lesson when the batch sets none."""

from __future__ import annotations

import os

import pytest

from lessonlens.core.cores import available_cores
from lessonlens.jobs.cluster import LESSON_THREADS, WORKER_MALLOC, dask_client, local_layout, local_workers
from lessonlens.jobs.task import worker_threads


def test_the_embedded_cluster_shares_the_cores_among_its_workers() -> None:
    cores = available_cores()
    assert local_layout(2, None) == (2, max(1, cores // 2))
    assert local_layout(3, 4) == (3, 4)
    assert local_layout(None, 1) == (local_workers(1), 1)
    assert local_layout(None, None) == (local_workers(LESSON_THREADS), LESSON_THREADS)
    assert worker_threads() == cores  # not on a Dask worker: the whole process's cores


@pytest.mark.slow
def test_workers_start_with_the_budget_and_give_it_to_each_lesson() -> None:
    pytest.importorskip("distributed")
    with dask_client(workers=1, threads_per_lesson=2) as client:
        names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_")
        env = client.run(lambda: tuple(os.environ.get(v) for v in names))
        assert list(env.values()) == [("2", "2", "2", WORKER_MALLOC["MALLOC_MMAP_THRESHOLD_"])]
        workers = client.scheduler_info()["workers"].values()
        assert [(w["nthreads"], w["resources"]) for w in workers] == [(2, {"lesson": 1})]
        assert client.submit(worker_threads, resources={"lesson": 1}, pure=False).result() == 2
