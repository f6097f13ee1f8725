"""The sandbox's worker pool (adapters/sandbox.py) on its own: per-app limits that never hold
another app back, a zygote that comes back when it dies, and workers that end with the pool."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from collections.abc import Iterator

import pytest

from chalicelib.adapters import sandbox as sandbox_module
from chalicelib.adapters.sandbox import Sandbox
from chalicelib.domain.scripts import ScriptTimeout
from chalicelib.runtime.executor import PRELUDE

CODE = (
    "function quick(params, context) { return 'done'; }\nfunction slow(params, context) { while (true) {} }"
)
CEILING = 60.0  # seconds: room for a busy machine, not a speed expectation


def _start(endpoint: str) -> str:
    context = {"appID": "a", "appKey": "k", "baseURL": "u", "token": None, "adminToken": "t", "userID": None}
    return json.dumps({"endpoint": endpoint, "params": {}, "context": context})


@pytest.fixture(params=["js2py", "quickjs"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    pool = Sandbox(request.param, PRELUDE, 128 * 1024 * 1024, per_app=1)
    pool.ready()
    yield pool
    pool.close()


def _call(pool: Sandbox, app_id: str, endpoint: str, seconds: float) -> str:
    with pool.program(app_id, "v1", CODE, seconds) as program:
        return program.call("__kii_begin", _start(endpoint), seconds)


def test_an_app_at_its_worker_limit_waits_and_another_app_does_not(sandbox: Sandbox) -> None:
    acquired, timed_out = threading.Event(), threading.Event()

    def spin() -> None:
        with sandbox.program("a", "v1", CODE, 3.0) as program:
            acquired.set()
            try:
                program.call("__kii_begin", _start("slow"), 3.0)
            except ScriptTimeout:
                timed_out.set()

    busy = threading.Thread(target=spin)
    busy.start()
    assert acquired.wait(CEILING)
    with pytest.raises(ScriptTimeout):  # app a's one worker is taken: the call waits out its time
        _call(sandbox, "a", "quick", 0.5)
    assert '"returnedValue":"done"' in _call(sandbox, "b", "quick", CEILING)
    busy.join(CEILING)
    assert timed_out.is_set()
    assert '"returnedValue":"done"' in _call(sandbox, "a", "quick", CEILING)  # a's place came back


def test_a_worker_whose_server_comes_late_ends_at_its_own_deadline(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server thread that should kill a runaway worker may be kept from the GIL for seconds
    by busy request threads: the worker's own timer ends it, and the late thread reads the
    end as a timeout (not as a memory failure)."""
    waited, ended = sandbox_module._readable, []

    def late(sock: socket.socket, seconds: float) -> bool:  # waits for the worker's end, not its time
        ended.append(waited(sock, CEILING))
        return ended[-1]

    with sandbox.program("a", "v1", CODE, CEILING) as program:
        monkeypatch.setattr(sandbox_module, "_readable", late)
        with pytest.raises(ScriptTimeout):
            program.call("__kii_begin", _start("slow"), 0.5)
    assert ended == [True]  # the worker closed its socket by itself: its timer ended it


def test_a_dead_zygote_is_replaced_by_the_next_execution(sandbox: Sandbox) -> None:
    assert '"returnedValue":"done"' in _call(sandbox, "a", "quick", CEILING)
    zygote = sandbox._zygote
    assert zygote is not None
    os.kill(zygote.process.pid, signal.SIGKILL)
    zygote.process.wait(CEILING)
    assert '"returnedValue":"done"' in _call(sandbox, "c", "quick", CEILING)


def test_closing_the_pool_ends_the_zygote_and_its_workers(sandbox: Sandbox) -> None:
    _call(sandbox, "a", "quick", CEILING)
    zygote = sandbox._zygote
    assert zygote is not None
    sandbox.close()
    assert zygote.process.wait(CEILING) is not None
