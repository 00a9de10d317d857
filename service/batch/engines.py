"""Where documents are analyzed: a local process pool here, or a Dask distributed cluster (`dask_engine`).

Both take an iterator of `Task`s and yield an `Outcome` per task, in completion order, with at most a few tasks per
worker in flight (a run over thousands of files never holds them all in memory). Each worker process loads the
pipeline once, before its first document. Leaving the `with` block (also on Ctrl-C) cancels what has not started.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from service.batch.work import DEFAULT_SPEC, Outcome, PipelineSpec, Task, analyze_task, pipeline_version, warm_up

IN_FLIGHT_PER_WORKER = 2


class EngineError(Exception):
    """The engine cannot start (e.g. the scheduler cannot be reached). One line for the user."""


def crashed(task: Task, spec: PipelineSpec, why: str) -> Outcome:
    return Outcome(task.sha256, "error", pipeline_version(spec), 0.0, reason=why)


_warm_up_error: str | None = None


def _init_local_worker(spec: PipelineSpec) -> None:
    """Runs in each worker process. A pipeline that does not load is reported by `_warm_up_status`, not raised:
    an initializer that raises breaks the whole pool."""
    global _warm_up_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the run cleanly
    try:
        warm_up(spec)
    except Exception as error:
        _warm_up_error = f"{type(error).__name__}: {error}".splitlines()[0]


def _warm_up_status() -> str | None:
    return _warm_up_error


class LocalEngine:
    """A process pool on this machine (spawned processes: no state inherited from the parent)."""

    name = "local"

    def __init__(self, workers: int, spec: PipelineSpec = DEFAULT_SPEC):
        self.workers = max(1, workers)
        self.spec = spec
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        self._pool = self._new_pool()
        error = self._pool.submit(_warm_up_status).result()
        if error is not None:
            self.__exit__()
            raise EngineError(f"the pipeline does not load in the worker processes: {error}")
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_local_worker, initargs=(self.spec,))

    def map(self, tasks: Iterator[Task]) -> Iterator[Outcome]:
        window = self.workers * IN_FLIGHT_PER_WORKER
        in_flight: dict[Future, Task] = {}
        for task in islice(tasks, window):
            in_flight[self._pool.submit(analyze_task, task, self.spec)] = task
        while in_flight:
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = in_flight.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken = True
                    yield crashed(task, self.spec, "worker process died while analyzing this document")
            if broken:  # every task in flight was lost with the pool; restart it and go on with the rest
                for task in in_flight.values():
                    yield crashed(task, self.spec, "worker process died while analyzing another document")
                in_flight.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            for task in islice(tasks, window - len(in_flight)):
                in_flight[self._pool.submit(analyze_task, task, self.spec)] = task


def make_engine(name: str, workers: int, spec: PipelineSpec = DEFAULT_SPEC, scheduler: str | None = None):
    if name == "dask":
        from service.batch.dask_engine import DaskEngine

        return DaskEngine(workers, spec, scheduler)
    if scheduler:
        raise EngineError("--scheduler needs --engine dask")
    return LocalEngine(workers, spec)
