"""The QuickJS script engine (``KARAKURI_SCRIPT_ENGINE=quickjs``): a real ES2020 engine.

Each program is its own ``quickjs.Context``, so apps are isolated without freezing anything.
The time limit is QuickJS's own interrupt (``set_time_limit``), set for each call; this is
allowed because JavaScript never calls back into Python (the prelude queues host requests
and Python serves them between calls). Memory is capped per context.
"""

from __future__ import annotations

from typing import Any

import quickjs

from chalicelib.domain.scripts import ScriptFailure, ScriptTimeout

MEMORY_LIMIT = 64 * 1024 * 1024


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or ["error"])[0]


class QuickJsProgram:
    def __init__(self, sources: tuple[str, ...], seconds: float) -> None:
        self._context = quickjs.Context()
        self._context.set_memory_limit(MEMORY_LIMIT)
        self._functions: dict[str, Any] = {}
        for source in sources:
            self._run(lambda source=source: self._context.eval(source), seconds)

    def _run(self, thunk: Any, seconds: float) -> Any:
        if seconds <= 0:
            raise ScriptTimeout()
        self._context.set_time_limit(seconds)
        try:
            return thunk()
        except quickjs.JSException as error:
            if "interrupted" in _first_line(error):
                raise ScriptTimeout() from None
            raise ScriptFailure(_first_line(error)) from None
        finally:
            self._context.set_time_limit(-1)

    def call(self, function: str, argument: str, seconds: float) -> str:
        fn = self._functions.get(function)
        if fn is None:
            fn = self._functions[function] = self._context.get(function)
        return str(self._run(lambda: fn(argument), seconds))


class QuickJsEngine:
    name = "quickjs"

    def load(self, sources: tuple[str, ...], seconds: float) -> QuickJsProgram:
        return QuickJsProgram(sources, seconds)
