"""Worker processes for a sweep's CPU-bound work, started on first use and replaced when one
is stuck.

A pool is a `concurrent.futures.Executor`; each worker runs the initializer it is given (the
sweep's brand rules and tone engine, set once per process) and is tied to the sweep's life by
`die_with_parent`.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

PR_SET_PDEATHSIG = 1  # prctl option, from <linux/prctl.h>


class WorkerPool(Executor):
    """Worker processes for parsing, matching and tone, started on first use.

    The main process keeps the event loop: fetching and writing. A sweep whose sources are
    all unchanged never starts a worker. Workers come from a fork server that has loaded the
    tone models once (`veille.warm`), so they share those pages rather than each holding a
    copy, and so none is forked from the main process once it has threads. Starting them
    takes most of a second, spent in a thread so that fetching goes on meanwhile.
    """

    def __init__(
        self, workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> None:
        self._initializer = initializer
        self._arguments = initargs
        self.workers = workers
        self.generation = 0  # how many times the workers were replaced
        self._started: Future[ProcessPoolExecutor] | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def start(self) -> Future[ProcessPoolExecutor]:
        """Start the workers in the background, once; a source without validators will need
        them, and its fetch then overlaps their start."""
        with self._lock:
            if self._started is None:
                self._started = Future()
                threading.Thread(
                    target=self._start, args=(self._started,), name="veille-workers", daemon=True
                ).start()
            return self._started

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        started = self.start()
        if started.done():
            return started.result().submit(fn, *args, **kwargs)
        task: Future[Any] = Future()

        def forward(started: Future[ProcessPoolExecutor]) -> None:
            try:
                _relay(started.result().submit(fn, *args, **kwargs), task)
            except BaseException as error:  # noqa: BLE001 - delivered to the task's awaiter
                _settle(task, error=error)

        started.add_done_callback(forward)
        return task

    def replace(self, generation: int) -> None:
        """Kill the workers of `generation` (one of them is stuck) and start new ones.

        A worker busy in C code cannot be interrupted, only killed; the executor then
        breaks, failing every task it held, so the whole pool is replaced. Later calls for a
        generation already replaced do nothing."""
        with self._lock:
            if generation != self.generation or self._started is None:
                return
            stuck, self._started = self._started, None
            self.generation += 1
        if stuck.done() and stuck.exception() is None:
            pool = stuck.result()
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
        self.start()

    def _start(self, started: Future[ProcessPoolExecutor]) -> None:
        pool = None
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["veille.warm"])
            pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=self._initializer,
                initargs=self._arguments,
            )
            # One call per worker, all at once: each call spawns a worker while none is idle.
            for ready in [pool.submit(os.getpid) for _ in range(self.workers)]:
                ready.result()
        except BaseException as error:  # noqa: BLE001 - every task submitted will report it
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            started.set_exception(error)
        else:
            started.set_result(pool)
            # The fork server dies with the thread that started it (`die_with_parent`).
            self._closed.wait()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            started = self._started
        if started is None or started.exception() is not None:
            return
        started.result().shutdown(wait=wait, cancel_futures=cancel_futures)
        self._closed.set()


def _relay(inner: Future[Any], outer: Future[Any]) -> None:
    """Settle `outer` as `inner` settles."""

    def copy(done: Future[Any]) -> None:
        if done.cancelled():
            outer.cancel()
        elif done.exception() is not None:
            _settle(outer, error=done.exception())
        else:
            _settle(outer, result=done.result())

    inner.add_done_callback(copy)


def _settle(future: Future[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    """Set a future's outcome unless it was cancelled meanwhile (an interrupted sweep)."""
    if not future.set_running_or_notify_cancel():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, even by `kill -9`: a sweep's
    fork server and workers must never outlive it. Elsewhere the pool's own pipes end them
    when the parent exits normally."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the parent died before the request took effect
            os._exit(1)
