"""Runs one endpoint of one server-code version: the host loop of ARCHITECTURE.md.

The code runs in a sandbox worker process of its app (the ``Sandbox`` port); this side is the
host. An execution calls ``__kii_begin``; while the script has queued host requests and has
not finished, the executor performs them and calls ``__kii_resume`` with the answers. Only
JSON strings cross. The deadline covers the whole execution: each call into the worker gets
what is left of it (the worker is killed when it passes), and host I/O counts too.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.events import Caller, Causation, CausationSource
from chalicelib.domain.ports import Sandbox
from chalicelib.domain.scripts import ScriptFailure, ScriptMemoryExceeded, ScriptTimeout
from chalicelib.runtime.host import Host, Session
from chalicelib.services.auth import AuthService
from chalicelib.services.servercode import ServerCodeService

_RUNTIME = resources.files("chalicelib.runtime")
# The SDK, then the libraries taken from npm at build time (`make vendor`; without them
# require('underscore') fails as an unknown module would).
PRELUDE = "\n".join(
    part.read_text(encoding="utf-8")
    for part in (_RUNTIME.joinpath("prelude.js"), _RUNTIME.joinpath("vendor", "underscore.js"))
    if part.is_file()
)
# Globals of the prelude and of JavaScript itself: never endpoints.
JS_GLOBALS = """Object Function Array String Number Boolean Date RegExp Math JSON Error TypeError
RangeError SyntaxError ReferenceError EvalError URIError parseInt parseFloat isNaN isFinite encodeURI
decodeURI encodeURIComponent decodeURIComponent escape unescape Symbol Map Set WeakMap WeakSet Proxy
Reflect ArrayBuffer DataView Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array
Uint32Array Float32Array Float64Array BigInt globalThis"""
PRELUDE_NAMES = frozenset(re.findall(r"^(?:function|var)\s+([A-Za-z_$][\w$]*)", PRELUDE, re.M)) | frozenset(
    JS_GLOBALS.split()
)
PROBE_SECONDS = 5.0
HTTP_OP = "http.request"
MAX_RESULT_BYTES = 1024 * 1024
MAX_TURNS = 10_000

RUNTIME_ERROR = "RUNTIME_ERROR"
EXECUTION_TIMEOUT = "EXECUTION_TIMEOUT"


@dataclass(frozen=True)
class Invocation:
    app_id: str
    app_key: str
    base_url: str
    version_id: str
    source: str
    endpoint: str
    params: Any
    caller: Caller
    environment: str = "6"
    execution_id: str = field(default_factory=lambda: ids.new_execution_id())


@dataclass
class Outcome:
    execution_id: str
    body: dict[str, Any] | None = None  # {} or {"returnedValue": ...}
    error_code: str | None = None  # RUNTIME_ERROR or EXECUTION_TIMEOUT
    error_message: str | None = None
    turns: int = 0
    requests: int = 0
    logs: list[dict[str, str]] = field(default_factory=list)
    dropped_logs: int = 0
    environment: str = "0"
    duration_ms: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.error_code is None

    @property
    def steps(self) -> int:
        """X-Step-count: the statements Kii counted are not observable in our engines; we
        report the script's turns plus its SDK requests (docs/server-code.md)."""
        return self.turns + self.requests


class Executor:
    def __init__(self, sandbox: Sandbox, host: Host, timeout_seconds: float) -> None:
        self.sandbox = sandbox
        self.host = host
        self.timeout_seconds = timeout_seconds

    def run(self, invocation: Invocation) -> Outcome:
        self.sandbox.ready()
        started = time.monotonic()
        deadline = started + self.timeout_seconds
        outcome = Outcome(invocation.execution_id, environment=invocation.environment)
        principal = invocation.caller.principal
        causation = invocation.caller.causation
        session = Session(
            invocation.app_id, Causation(causation.source, invocation.execution_id, causation.depth)
        )
        session.secrets.add(invocation.app_key)
        if principal.token:
            session.principals[principal.token] = principal
            session.secrets.add(principal.token)
        start = {
            "endpoint": invocation.endpoint,
            "params": invocation.params,
            "context": {
                "appID": invocation.app_id,
                "appKey": invocation.app_key,
                "baseURL": invocation.base_url,
                "token": principal.token,
                "adminToken": session.admin_token,
                "userID": principal.id if principal.kind == "user" else None,
            },
        }
        session.deadline = deadline
        left: Callable[[], float] = lambda: deadline - time.monotonic()  # noqa: E731
        turn: dict[str, Any] = {}
        try:
            with self.sandbox.program(
                invocation.app_id, invocation.version_id, invocation.source, left()
            ) as program:
                turn = self._turn(outcome, program.call("__kii_begin", json.dumps(start), left()))
                while not turn.get("finished") and turn.get("requests"):
                    if outcome.turns >= MAX_TURNS:
                        raise ScriptFailure(f"More than {MAX_TURNS} turns")
                    answers = self._perform(session, turn["requests"])
                    outcome.requests += len(answers)
                    if left() <= 0:
                        raise ScriptTimeout()
                    turn = self._turn(
                        outcome, program.call("__kii_resume", json.dumps(answers, default=str), left())
                    )
        except ScriptTimeout:
            if turn.get("returned") and "error" not in turn:
                # A synchronous endpoint returned; the work it left running met the deadline.
                outcome.logs.append(
                    {"level": "WARN", "message": "Work left running was stopped at the deadline"}
                )
                self._finish(outcome, {**turn, "finished": True})
            else:
                self._fail(
                    outcome,
                    EXECUTION_TIMEOUT,
                    f"The execution did not finish within {self.timeout_seconds:g} seconds",
                )
        except ScriptMemoryExceeded as failure:
            self._fail(outcome, RUNTIME_ERROR, f"{failure} ({self.memory_note})")
        except ScriptFailure as failure:
            self._fail(outcome, RUNTIME_ERROR, str(failure))
        else:
            self._finish(outcome, turn)
        _redact(outcome, session.secrets)
        outcome.duration_ms = (time.monotonic() - started) * 1000
        return outcome

    def global_functions(self, app_id: str, source: str, names: frozenset[str]) -> frozenset[str]:
        """Which of ``names`` are functions in the global scope once the file's top level has
        run (in a sandbox worker of the app, used once); none when the top level fails."""
        candidates = sorted(names - PRELUDE_NAMES)
        if not candidates:
            return frozenset()
        seconds = min(PROBE_SECONDS, self.timeout_seconds)
        deadline = time.monotonic() + seconds
        probe = "deploy-" + hashlib.sha256(source.encode()).hexdigest()[:16]
        try:
            self.sandbox.ready()
            with self.sandbox.program(app_id, probe, source, seconds) as program:
                text = program.call("__kii_functions", json.dumps(candidates), deadline - time.monotonic())
            found = json.loads(text)
        except (ScriptFailure, ScriptTimeout, ValueError):
            return frozenset()
        return frozenset(n for n in found if isinstance(n, str)) & frozenset(candidates)

    def _perform(self, session: Session, requests: list[Any]) -> list[Any]:
        """One turn's requests: SDK operations in order, outbound HTTP requests at the same
        time (``$.when(ajax1, ajax2)`` waits for the slower, not for the sum), each on a thread
        of its own that ends with the turn."""
        http = [i for i, r in enumerate(requests) if isinstance(r, dict) and r.get("op") == HTTP_OP]
        answers: list[Any] = [None] * len(requests)
        concurrent = http if len(http) > 1 else []

        def perform(i: int) -> None:
            answers[i] = self.host.perform(session, requests[i])

        threads = [threading.Thread(target=perform, args=(i,), name="karakuri-ajax") for i in concurrent]
        for thread in threads:
            thread.start()
        for i in range(len(requests)):
            if i not in concurrent:
                perform(i)
        for thread in threads:
            thread.join()
        return answers

    @property
    def memory_note(self) -> str:
        return f"limit {self.sandbox.memory_bytes // (1024 * 1024)} MB"

    @staticmethod
    def _turn(outcome: Outcome, text: str) -> dict[str, Any]:
        outcome.turns += 1
        try:
            turn = json.loads(text)
        except ValueError:
            turn = None
        if not isinstance(turn, dict):  # e.g. the script replaced what the prelude relies on
            raise ScriptFailure("The server code broke the runtime: its turn is not a JSON object")
        outcome.logs.extend(turn.get("logs") or [])
        outcome.dropped_logs += int(turn.get("logsDropped") or 0)
        return turn

    @staticmethod
    def _fail(outcome: Outcome, code: str, message: str) -> None:
        outcome.body, outcome.error_code, outcome.error_message = None, code, message

    def _finish(self, outcome: Outcome, turn: dict[str, Any]) -> None:
        if "error" in turn:
            self._fail(outcome, RUNTIME_ERROR, str(turn["error"]))
        elif not turn.get("finished"):
            # An async endpoint that has nothing left to wait for and never called done():
            # Kii would wait for its 20 s limit; we answer now with the same error.
            self._fail(outcome, EXECUTION_TIMEOUT, "The endpoint finished without calling done()")
        elif len(json.dumps(turn.get("result"))) > MAX_RESULT_BYTES:
            self._fail(outcome, RUNTIME_ERROR, "The returned value is larger than 1 MB")
        else:
            outcome.body = turn.get("result") or {}


REDACTED = "<redacted>"


def _redact(outcome: Outcome, secrets: set[str]) -> None:
    """No record, log line or result holds a token or the app key (a script that returns
    ``context``, or prints a token, gets them replaced)."""
    found = [s for s in secrets if s]
    if not found:
        return

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            for secret in found:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    outcome.body = clean(outcome.body)
    outcome.logs = clean(outcome.logs)
    outcome.error_message = clean(outcome.error_message)


@dataclass
class Runner:
    """Executes an endpoint of an app's current (or a named) version and logs the execution."""

    servercode: ServerCodeService
    auth: AuthService
    executor: Executor
    _app_keys: dict[str, str] = field(default_factory=dict, repr=False)

    def _app_key(self, app_id: str) -> str:
        """Apps never change their key: read once per process."""
        key = self._app_keys.get(app_id)
        if key is None:
            key = self._app_keys[app_id] = self.auth.app(app_id).app_key
        return key

    def execute(
        self,
        caller: Caller,
        ref: str,
        endpoint: str,
        params: Any,
        base_url: str,
        source: CausationSource = "server_code",
        execution_id: str | None = None,
        quiet: bool = False,
        **record: Any,
    ) -> Outcome:
        """Runs ``endpoint`` of version ``ref`` (or ``current``) for ``caller``; writes made by
        it carry causation ``source``, this execution and one more level of depth. ``quiet``
        executions (hooks, which keep their own records) reach the developer log only when
        they printed something or failed."""
        app_key = self._app_key(caller.app_id)
        version, code = self.servercode.runnable(caller.app_id, ref, endpoint)
        execution_id = execution_id or ids.new_execution_id(self.servercode.clock.now_ms())
        causation = Causation(source, execution_id, caller.causation.depth + 1)
        outcome = self.executor.run(
            Invocation(
                app_id=caller.app_id,
                app_key=app_key,
                base_url=base_url,
                version_id=version.version_id,
                source=code,
                endpoint=endpoint,
                params=params,
                caller=Caller(caller.principal, causation),
                environment=version.environment_version,
                execution_id=execution_id,
            )
        )
        if quiet and outcome.succeeded and not outcome.logs:
            return outcome
        status = "succeeded" if outcome.succeeded else f"failed: {outcome.error_code}"
        self.servercode.record(
            caller.app_id,
            "servercode.invoke",
            "INFO" if outcome.succeeded else "ERROR",
            f"{endpoint} {status}" + (f": {outcome.error_message}" if outcome.error_message else ""),
            entryName=endpoint,
            executionID=outcome.execution_id,
            versionID=version.version_id,
            trigger=source,
            principal=f"{caller.principal.kind}:{caller.principal.id or '-'}",
            durationMs=round(outcome.duration_ms, 1),
            lines=outcome.logs,
            droppedLines=outcome.dropped_logs,
            **record,
        )
        return outcome
