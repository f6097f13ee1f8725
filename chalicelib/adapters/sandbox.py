"""Server code in sandbox worker processes: the parent's side (ARCHITECTURE.md, "A sandbox
worker process per app"; the child's side is ``sandbox_worker``).

Server code never runs in the server's interpreter. Each (app, version) gets worker processes
of its own, forked by one zygote per server process, so no app's code shares a process with
another app's. A worker serves one execution at a time; the pool keeps idle workers for reuse
(LRU, bounded), at most ``per_app`` live workers per app (further executions of that app wait
for one, within their deadline), and retires a worker after ``max_executions`` executions, when
its canary fails, or when an execution leaves it mid-way. When an execution's time is up the
worker is **killed** (SIGKILL): no regular expression, ``finally`` loop or engine bug outlives
its deadline. Should this thread come late (it needs the GIL, which busy request threads can
keep from it for seconds), the worker's own real-time timer ends it anyway. A worker that dies
without answering before its time is up passed its memory cap (``RLIMIT_AS``) or crashed: the
execution fails with ``ScriptMemoryExceeded``; one that dies after it timed out.

Only sockets and processes are used (no ``/dev/shm``, no multiprocessing semaphores), so the
same code runs inside AWS Lambda and in the local stack.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chalicelib.adapters.sandbox_worker import HEADER, receive, send
from chalicelib.domain.scripts import ScriptFailure, ScriptMemoryExceeded, ScriptTimeout

log = logging.getLogger("karakuri.sandbox")

ROOT = Path(__file__).resolve().parents[2]  # the directory that holds chalicelib/
ZYGOTE_START_SECONDS = 300.0  # a ceiling: importing an engine on a cold, busy machine
FINISHED = '{"finished":true'
PATIENCE = 1.0  # seconds of one call before its worker yields the CPU to the server
FRAME_SECONDS = 30.0  # to read an answer that has started to arrive


def _readable(sock: socket.socket, seconds: float) -> bool:
    """Waits for data (or EOF) on ``sock``; poll's timeout is relative, unlike a sleep's."""
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(max(0, int(seconds * 1000))))


class _WorkerDied(Exception):
    """The worker closed its socket without answering."""


class _Zygote:
    """The process that forks workers: started once, restarted if it has died."""

    def __init__(self, engine: str, prelude: str) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chalicelib.adapters.sandbox_worker", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        theirs.close()
        self.control = ours
        self._lock = threading.Lock()
        send(ours, {"engine": engine, "prelude": prelude})
        ours.settimeout(ZYGOTE_START_SECONDS)
        try:
            ready = receive(ours)
        except TimeoutError:
            ready = None
        if not ready:
            self.close()
            raise ScriptFailure("The server-code sandbox did not start")
        ours.settimeout(None)

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self) -> tuple[socket.socket, int]:
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                socket.send_fds(self.control, [b"spawn"], [theirs.fileno()])
                answer = _exactly(self.control, HEADER.size)
        finally:
            theirs.close()
        if answer is None:
            ours.close()
            raise _WorkerDied("the zygote has stopped")
        return ours, int(HEADER.unpack(answer)[0])

    def close(self) -> None:
        self.control.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class _Worker:
    def __init__(self, key: tuple[str, str], sock: socket.socket, pid: int) -> None:
        self.key, self.sock, self.pid = key, sock, pid
        self.executions = 0
        self._closed = False
        try:  # a pidfd names this very process: no risk of signalling a recycled pid
            self._pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self._pidfd = None

    def request(self, message: dict[str, Any], seconds: float) -> dict[str, Any]:
        """Sends ``message`` and waits at most ``seconds`` for the answer. A worker still busy
        after ``PATIENCE`` seconds is runaway-looking: it drops to the lowest CPU priority, so
        the server's own threads come first (executions start at the server's priority, which
        keeps a worker's wake-up quick on a busy machine)."""
        if seconds <= 0:
            raise TimeoutError()
        ends = time.monotonic() + seconds
        try:
            send(self.sock, {**message, "seconds": seconds})
            ready = _readable(self.sock, min(seconds, PATIENCE))
            if not ready and seconds > PATIENCE:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, self.pid, 19)
                ready = _readable(self.sock, seconds - PATIENCE)
            if not ready:
                raise TimeoutError()
            self.sock.settimeout(FRAME_SECONDS)  # the answer is on its way: read all of it
            answer = receive(self.sock)
        except (BrokenPipeError, ConnectionResetError):
            answer = None
        if answer is None:
            if time.monotonic() >= ends:
                raise TimeoutError()  # its own timer ended it: this thread came late
            raise _WorkerDied()
        return answer

    def kill(self) -> None:
        if self._closed:
            return  # its pid may already name another process
        with contextlib.suppress(OSError):
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        """Closing the socket ends an idle worker (it reads EOF and exits)."""
        self._closed = True
        self.sock.close()
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)
            self._pidfd = None


class WorkerProgram:
    """One execution's view of its worker."""

    def __init__(self, worker: _Worker) -> None:
        self._worker = worker
        self.reusable = False  # true once the last answer finished the execution

    def call(self, function: str, argument: str, seconds: float) -> str:
        self.reusable = False
        if function == "__kii_begin":
            self._worker.executions += 1
        answer = _answer(self._worker, {"fn": function, "arg": argument}, seconds)
        text = str(answer["ok"])
        self.reusable = text.startswith(FINISHED)
        return text


def _answer(worker: _Worker, message: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The worker's answer as the port's outcome: its text, or the exception it stands for."""
    try:
        answer = worker.request(message, seconds)
    except TimeoutError:
        worker.kill()
        raise ScriptTimeout() from None
    except _WorkerDied:
        worker.close()
        raise ScriptMemoryExceeded(
            "The server code was stopped: it passed its memory limit or crashed its process"
        ) from None
    if "memory" in answer:
        worker.close()
        raise ScriptMemoryExceeded(str(answer["memory"]))
    if "fail" in answer:
        raise ScriptFailure(str(answer["fail"]))
    return answer


class Sandbox:
    def __init__(
        self,
        engine: str,
        prelude: str,
        memory_bytes: int,
        per_app: int = 4,
        max_idle: int = 32,
        max_executions: int = 1000,
    ) -> None:
        self.engine, self._prelude = engine, prelude
        self.memory_bytes = memory_bytes
        self.per_app, self.max_idle, self.max_executions = per_app, max_idle, max_executions
        self._zygote: _Zygote | None = None
        self._zygote_lock = threading.Lock()
        self._pool = threading.Condition()
        self._idle: OrderedDict[tuple[str, str], list[_Worker]] = OrderedDict()
        self._live: dict[str, int] = {}

    @contextlib.contextmanager
    def program(self, app_id: str, version_id: str, source: str, seconds: float) -> Iterator[WorkerProgram]:
        deadline = time.monotonic() + seconds
        worker = self._acquire((app_id, version_id), source, deadline)
        program = WorkerProgram(worker)
        try:
            yield program
        finally:
            self._release(worker, program.reusable)

    def ready(self) -> None:
        """Starts the zygote if it is not running (seconds, once per process)."""
        self._running_zygote()

    def close(self) -> None:
        """Ends every idle worker and the zygote (busy workers end with it)."""
        with self._pool:
            for workers in self._idle.values():
                for worker in workers:
                    worker.close()
            self._idle.clear()
            self._live.clear()
        with self._zygote_lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None

    # --- the pool -------------------------------------------------------------------------------
    def _acquire(self, key: tuple[str, str], source: str, deadline: float) -> _Worker:
        app_id = key[0]
        with self._pool:
            while True:
                idle = self._idle.get(key)
                if idle:
                    worker = idle.pop()
                    if not idle:
                        del self._idle[key]
                    return worker
                if self._live.get(app_id, 0) < self.per_app:
                    self._live[app_id] = self._live.get(app_id, 0) + 1
                    break
                other = next((k for k in self._idle if k[0] == app_id), None)
                if other is not None:  # the app's cap is held by idle workers of another version
                    self._retire(self._idle[other].pop())
                    if not self._idle[other]:
                        del self._idle[other]
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ScriptTimeout()
                self._pool.wait(left)
        try:
            return self._spawn(key, source, deadline)
        except BaseException:
            with self._pool:
                self._live[app_id] = max(0, self._live.get(app_id, 1) - 1)
                self._pool.notify_all()
            raise

    def _release(self, worker: _Worker, reusable: bool) -> None:
        with self._pool:
            if reusable and worker.executions < self.max_executions:
                self._idle.setdefault(worker.key, []).append(worker)
                self._idle.move_to_end(worker.key)
                while sum(len(w) for w in self._idle.values()) > self.max_idle:
                    oldest = next(iter(self._idle))
                    self._retire(self._idle[oldest].pop(0))
                    if not self._idle[oldest]:
                        del self._idle[oldest]
            else:
                self._retire(worker)
            self._pool.notify_all()

    def _retire(self, worker: _Worker) -> None:
        """Ends a worker (killed: it may be mid-way) and frees its place; the pool lock is held."""
        worker.kill()
        app_id = worker.key[0]
        self._live[app_id] = max(0, self._live.get(app_id, 1) - 1)

    def _spawn(self, key: tuple[str, str], source: str, deadline: float) -> _Worker:
        zygote = self._running_zygote()
        try:
            sock, pid = zygote.spawn()
        except (_WorkerDied, OSError):
            zygote = self._running_zygote(restart=True)
            sock, pid = zygote.spawn()
        worker = _Worker(key, sock, pid)
        try:
            _answer(
                worker,
                {"source": source, "memory": self.memory_bytes},
                deadline - time.monotonic(),
            )
        except BaseException:
            worker.kill()
            raise
        return worker

    def _running_zygote(self, restart: bool = False) -> _Zygote:
        with self._zygote_lock:
            if self._zygote is not None and (restart or not self._zygote.alive()):
                log.warning("the server-code sandbox's zygote had stopped; starting another")
                self._zygote.close()
                self._zygote = None
            if self._zygote is None:
                self._zygote = _Zygote(self.engine, self._prelude)
            return self._zygote
