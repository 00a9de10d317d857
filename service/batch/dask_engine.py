"""The Dask distributed engine: the same tasks and outcomes as the local pool, on a `LocalCluster` or a real cluster.

On a cluster every worker needs nianbao installed (same version, same models/ folder): the client sends bytes and
receives result JSON, so workers need no shared file system. A worker whose pipeline version differs from the
client's returns outcomes the run records as errors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from itertools import islice

from dask.distributed import Client, LocalCluster, WorkerPlugin, as_completed

from service.batch.engines import IN_FLIGHT_PER_WORKER, EngineError, crashed
from service.batch.work import DEFAULT_SPEC, Outcome, PipelineSpec, Task, analyze_task, warm_up


class DaskEngine:
    """Dask distributed: a `LocalCluster` of worker processes, or the cluster behind `scheduler` (tcp://HOST:PORT)."""

    name = "dask"

    def __init__(self, workers: int, spec: PipelineSpec = DEFAULT_SPEC, scheduler: str | None = None):
        self.workers = max(1, workers)
        self.spec = spec
        self.scheduler = scheduler
        self._cluster = None
        self._client = None

    def __enter__(self) -> DaskEngine:
        try:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="15s")
            else:
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as error:
            self.__exit__()
            raise EngineError(f"cannot reach the Dask scheduler {self.scheduler}: {error}") from None
        try:
            self._client.register_plugin(PipelineWarmUp(self.spec), name="nianbao-warm-up")
        except Exception as error:  # raised on a worker: e.g. nianbao or a model missing there
            self.__exit__()
            raise EngineError(f"the pipeline does not load on the Dask workers: {error}".splitlines()[0]) from None
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def _window(self) -> int:
        workers = len(self._client.scheduler_info().get("workers", {})) or self.workers
        return workers * IN_FLIGHT_PER_WORKER

    def map(self, tasks: Iterator[Task]) -> Iterator[Outcome]:
        by_key: dict[str, Task] = {}

        def submit(task: Task):
            future = self._client.submit(analyze_task, task, self.spec, pure=False)
            by_key[future.key] = task
            return future

        window = self._window()
        pending = as_completed([submit(task) for task in islice(tasks, window)])
        for future in pending:
            task = by_key.pop(future.key)
            try:
                yield future.result()
            except Exception as error:  # a worker that died (KilledWorker) or a task that could not be sent
                yield crashed(task, self.spec, f"dask: {type(error).__name__}: {error}".splitlines()[0])
            future.release()
            for task in islice(tasks, window - len(by_key)):
                pending.add(submit(task))


class PipelineWarmUp(WorkerPlugin):
    """Loads the pipeline once on every Dask worker, including workers that join later."""

    def __init__(self, spec: PipelineSpec):
        self.spec = spec

    def setup(self, worker) -> None:
        warm_up(self.spec)
