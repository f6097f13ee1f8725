"""Wall-clock limits for Python-hosted interpreters (js2py), wherever the code runs.

On the main thread (the Lambda handler, the local pump when it runs there) ``setitimer`` and
SIGALRM interrupt the interpreter even inside C code such as ``re``; on any other thread (the
local server's request threads) a watchdog timer raises the timeout in the running thread
with ``PyThreadState_SetAsyncExc``. The timeout derives from ``BaseException`` so that no
``except Exception`` (and no JavaScript ``catch``, which only catches js2py's own exceptions)
can swallow it. Measured in stack-notes.md §6.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class ScriptTimedOut(BaseException):
    """Raised inside the guarded code when its time is up."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise ScriptTimedOut()


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["active"]:
                state["fired"] = True
                _set_async_exc(target, ScriptTimedOut)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["active"] = False
            timer.cancel()
            if state["fired"]:
                # Raised already, or still pending: clear it so it cannot hit unrelated code.
                _set_async_exc(target, ctypes.py_object())


@contextmanager
def limit(seconds: float) -> Iterator[None]:
    """Run the body for at most ``seconds``; raises ScriptTimedOut when they pass."""
    if seconds <= 0:
        raise ScriptTimedOut()
    on_main = threading.current_thread() is threading.main_thread()
    guard = _alarm if on_main and hasattr(signal, "setitimer") else _watchdog
    with guard(seconds):
        yield
