"""The worker pool: a dispatcher thread claims queued documents from the store and runs them in a pool of processes
(or threads), off the event loop. Only this thread writes results, so a result is recorded once per claim; a
document left `processing` by a stopped server is queued again at the next start (`Store.recover_interrupted`)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from service.store import Store
from service.store.processing import Job, Outcome, analyze_original, record_result

log = logging.getLogger("nianbao.worker")


_WARM_UP_TEXT = "某机关2023年政府信息公开工作年度报告\n一、总体情况\n本年共收到政府信息公开申请1件。".encode()


def _exit_with_parent(parent: int) -> None:
    """A worker whose server died without stopping it (SIGKILL, OOM killer) ends too, instead of idling forever."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _start_worker(server_pid: int) -> None:
    """Initializer of each worker process: watch the server (it may be gone already), then warm up."""
    threading.Thread(target=_exit_with_parent, args=(server_pid,), daemon=True, name="parent-watch").start()
    _warm_up()


def _warm_up() -> None:
    """Run the whole pipeline once on a two-line text in each new worker process, so that the imports and models
    it loads lazily are loaded before the first real document arrives."""
    from service.pipeline import analyze_bytes

    try:
        analyze_bytes(_WARM_UP_TEXT, "warm-up.txt")
    except Exception:
        log.warning("worker warm-up failed", exc_info=True)


def _started() -> None:
    """A no-op task: submitting one per worker makes the pool start (and warm up) its processes now."""


class Processor:
    def __init__(self, store: Store, workers: int, mode: str = "process", timeout_s: float = 600, max_attempts: int = 3):
        self.store = store
        self.workers = workers
        self.mode = mode
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._executor: Executor | None = None
        self._inflight: dict[Future, tuple[Job, float, Executor]] = {}

    # --- life cycle ---------------------------------------------------------------------------------------------------

    def start(self) -> None:
        requeued, failed = self.store.recover_interrupted(self.max_attempts)
        if requeued or failed:
            log.warning("recovered interrupted documents: %d queued again, %d failed", requeued, failed)
        self._executor = self._new_executor()
        self._thread = threading.Thread(target=self._run, name="nianbao-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)
        if self._executor:
            _stop_workers(self._executor)

    def wake(self) -> None:
        self._wake.set()

    @property
    def busy(self) -> int:
        return len(self._inflight)

    def _new_executor(self) -> Executor:
        if self.mode == "thread":
            return ThreadPoolExecutor(self.workers, thread_name_prefix="nianbao-worker")
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                       initargs=(os.getpid(),))
        for _ in range(self.workers):
            executor.submit(_started)
        return executor

    # --- dispatching --------------------------------------------------------------------------------------------------

    def _run(self) -> None:
        last_poll = 0.0
        while not self._stop.is_set():
            try:
                if self._wake.is_set() or time.monotonic() - last_poll > 2:
                    self._wake.clear()
                    last_poll = time.monotonic()
                    self._fill()
                if not self._inflight:
                    self._wake.wait(1.0)
                    continue
                done, _ = wait(list(self._inflight), timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    self._complete(future)
                self._enforce_timeout()
            except Exception:
                log.exception("dispatcher error; retrying")
                time.sleep(1)

    def _fill(self) -> None:
        while len(self._inflight) < self.workers and not self._stop.is_set():
            row = self.store.claim_next()
            if row is None:
                return
            job = Job.of(row)
            future = self._executor.submit(analyze_original, self.store.settings, job)
            self._inflight[future] = (job, time.monotonic(), self._executor)

    def _complete(self, future: Future) -> None:
        job, _, executor = self._inflight.pop(future)
        try:
            outcome = future.result()
        except BrokenProcessPool:
            self._worker_died(job, executor, "the worker process stopped while processing this document")
            return
        except Exception as exc:  # noqa: BLE001
            outcome = Outcome(job.doc_id, reason=f"internal error while processing: {type(exc).__name__}: {exc}")
        record_result(self.store, outcome)
        self._wake.set()

    def _worker_died(self, job: Job, executor: Executor, reason: str) -> None:
        """A dead worker breaks the whole pool: every document in it is retried, up to `max_attempts` times."""
        row = self.store.get(job.doc_id)
        if row is not None and row.attempts >= self.max_attempts:
            self.store.fail(job.doc_id, f"{reason} ({row.attempts} attempts); the original is kept")
        else:
            self.store.release(job.doc_id)
        if executor is self._executor:
            self._restart_pool()
        self._wake.set()

    def _enforce_timeout(self) -> None:
        now = time.monotonic()
        late = [(f, job) for f, (job, started, _) in self._inflight.items() if now - started > self.timeout_s]
        if not late or self.mode == "thread":
            return
        for future, job in late:
            self._inflight.pop(future)
            self.store.fail(job.doc_id, f"processing took longer than {self.timeout_s:g} s and was stopped; the original is kept")
        for future, (job, _, _) in list(self._inflight.items()):
            self._inflight.pop(future)
            self.store.release(job.doc_id)
        self._restart_pool(kill=True)

    def _restart_pool(self, kill: bool = False) -> None:
        old = self._executor
        if kill:
            _stop_workers(old)
        else:
            old.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()


def _stop_workers(executor: Executor) -> None:
    """Stop a pool now, with its worker processes: a document they were reading stays `processing` in the store
    and is queued again at the next start. (Left alone, workers outlive a stopped server: each holds its own end
    of the task queue, so it never sees the server go.)"""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)
        if process.is_alive():
            process.kill()
