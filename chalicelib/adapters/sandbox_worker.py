"""The sandbox's child side: a zygote that holds a warm engine and forks one worker process per
(app, version), and the worker's loop (ARCHITECTURE.md, "A sandbox worker process per app").

The zygote is started once per server process (``python -m chalicelib.adapters.sandbox_worker
FD``). Its first frame names the engine and carries the prelude: it imports and hardens the
engine and runs the prelude into a base realm, then waits on its control socket: each request
carries one end of a fresh socket pair; the zygote forks, and the child — a worker — receives
the server-code file on that socket, adds it to its copy of the base realm and serves calls
until the socket is closed. Forking from the zygote makes a
new worker cost milliseconds instead of seconds (importing js2py and translating the prelude),
and every worker starts from the same pristine, hardened state.

A worker serves one execution at a time. Its parent kills it when an execution's time is up (and
lowers its CPU priority once a call has run long); each request also carries the seconds it has
left, and the worker arms a real-time timer (``ITIMER_REAL``, ``SIGALRM`` left at its default
action) a moment past them, so the kernel ends a worker whose parent is late — a server thread
kept from the GIL by busy neighbours (stack-notes) — whatever the engine is doing. It caps
its own address space (``RLIMIT_AS``), dies with the zygote (``PR_SET_PDEATHSIG``), and after each
finished execution prepares fresh top-level state for the next one (``reset``) before it reads
the next request, so the reset is off the latency path.

Frames on every socket: a 4-byte big-endian length, then UTF-8 JSON (lone surrogates pass as
``surrogatepass``: JavaScript strings may hold them).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import socket
import struct
import sys
from collections.abc import Iterator
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 256 * 1024 * 1024
PR_SET_PDEATHSIG = 1
CANARY = (
    "function __kii_canary() { return JSON.stringify([[1, 2].length, JSON.parse('[2,4]'), -7 % 3, 2 + 2]); }"
)
CANARY_ANSWER = "[2,[2,4],-1,4]"
CANARY_EVERY = 16  # the canary costs about half a trivial execution on js2py
OVERTIME = 0.5  # seconds past a request's own before the kernel ends the worker


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")
    sock.sendall(HEADER.pack(len(data)) + data)


def receive(sock: socket.socket) -> dict[str, Any] | None:
    """The next frame, or None when the other side has closed the socket."""
    header = _exactly(sock, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes")
    data = _exactly(sock, size)
    if data is None:
        return None
    message: dict[str, Any] = json.loads(data.decode("utf-8", "surrogatepass"))
    return message


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# --- the zygote -----------------------------------------------------------------------------------
def _engine(name: str) -> Any:
    if name == "quickjs":
        from chalicelib.adapters.quickjs_engine import QuickJsEngine

        return QuickJsEngine()
    from chalicelib.adapters.js2py_engine import Js2PyEngine

    return Js2PyEngine()


def zygote(control: socket.socket) -> None:
    setup = receive(control)
    if setup is None:
        return
    engine = _engine(setup["engine"])
    base = engine.realm((setup["prelude"], CANARY), None)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    send(control, {"ready": True, "pid": os.getpid()})
    while True:
        message, fds, _, _ = socket.recv_fds(control, 16, 1)
        if not message or not fds:
            return  # the server closed its end (or died): stop, and the workers with us
        pid = os.fork()
        if pid == 0:
            control.close()
            code = 0
            try:
                _worker(base, socket.socket(fileno=fds[0]))
            except BaseException:
                code = 1
            os._exit(code)
        for fd in fds:
            os.close(fd)
        control.sendall(HEADER.pack(pid))


# --- a worker -------------------------------------------------------------------------------------
def _confine(memory_bytes: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(1)  # the zygote is already gone
    with open(f"/proc/{os.getpid()}/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = mapped + memory_bytes
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _worker(base: Any, sock: socket.socket) -> None:
    from chalicelib.domain.scripts import ScriptFailure, ScriptMemoryExceeded

    spec = receive(sock)
    if spec is None:
        return
    _confine(int(spec["memory"]))
    try:
        with _timer(spec):
            program = base.add(spec["source"], None)
    except MemoryError:
        send(sock, {"memory": "The server code ran out of memory while loading"})
        return
    except ScriptFailure as failure:
        send(sock, {"fail": str(failure)})
        return
    send(sock, {"ok": "loaded"})
    finished = 0
    while (request := receive(sock)) is not None:
        try:
            with _timer(request):
                text = program.call(request["fn"], request["arg"], None)
        except (MemoryError, ScriptMemoryExceeded):
            send(sock, {"memory": "The server code passed its memory limit"})
            return
        except ScriptFailure as failure:
            send(sock, {"fail": str(failure)})
            text = '{"finished":true}'
        else:
            send(sock, {"ok": text})
        if text.startswith('{"finished":true'):
            finished += 1
            if not _prepare(program, canary=finished % CANARY_EVERY == 1):
                return  # unhealthy: the parent sees the socket close and starts another


@contextlib.contextmanager
def _timer(request: dict[str, Any]) -> Iterator[None]:
    """The kernel ends this worker ``OVERTIME`` seconds after the request's time is up."""
    seconds = request.get("seconds")
    if isinstance(seconds, (int, float)) and seconds > 0:
        signal.setitimer(signal.ITIMER_REAL, seconds + OVERTIME)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _prepare(program: Any, canary: bool) -> bool:
    """Fresh top-level state for the next execution, and (every ``CANARY_EVERY`` executions,
    and after the first) the health canary."""
    try:
        program.reset(None)
        return not canary or program.call("__kii_canary", "", None) == CANARY_ANSWER
    except Exception:
        return False


def main(argv: list[str]) -> None:
    zygote(socket.socket(fileno=int(argv[0])))


if __name__ == "__main__":
    main(sys.argv[1:])
