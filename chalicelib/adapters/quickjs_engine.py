"""The QuickJS script engine (``KARAKURI_SCRIPT_ENGINE=quickjs``): a real ES2020 engine.

Each program is its own ``quickjs.Context``, a realm of its own, so apps are isolated without
freezing anything; ``reset`` makes a fresh realm (prelude and file evaluated again), so an
execution never sees what an earlier one changed, built-ins included. Outside a sandbox worker
the time limit is QuickJS's own interrupt (``set_time_limit``, which counts the process's CPU
time); inside one the worker's parent kills it instead. Memory is capped per context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import quickjs

from chalicelib.domain.scripts import ScriptFailure, ScriptTimeout

MEMORY_LIMIT = 64 * 1024 * 1024


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or ["error"])[0]


class QuickJsProgram:
    def __init__(self, prelude: tuple[str, ...], seconds: float | None) -> None:
        self._prelude = prelude
        self._file: str | None = None
        self._fresh(seconds)

    def _fresh(self, seconds: float | None) -> None:
        self._context = quickjs.Context()
        self._context.set_memory_limit(MEMORY_LIMIT)
        self._functions: dict[str, Any] = {}
        for source in (*self._prelude, *([self._file] if self._file is not None else [])):
            self._eval(source, seconds)

    def _eval(self, source: str, seconds: float | None) -> None:
        self._run(lambda: self._context.eval(source), seconds)

    def add(self, source: str, seconds: float | None) -> QuickJsProgram:
        self._file = source
        self._eval(source, seconds)
        return self

    def reset(self, seconds: float | None) -> None:
        self._fresh(seconds)

    def _run(self, thunk: Callable[[], Any], seconds: float | None) -> Any:
        if seconds is not None:
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
            if seconds is not None:
                self._context.set_time_limit(-1)

    def call(self, function: str, argument: str, seconds: float | None) -> str:
        fn = self._functions.get(function)
        if fn is None:
            fn = self._functions[function] = self._context.get(function)
        return str(self._run(lambda: fn(argument), seconds))


class QuickJsEngine:
    name = "quickjs"

    def realm(self, prelude: tuple[str, ...], seconds: float | None) -> QuickJsProgram:
        return QuickJsProgram(prelude, seconds)

    def load(self, sources: tuple[str, ...], seconds: float | None) -> QuickJsProgram:
        return QuickJsProgram(sources[:-1], seconds).add(sources[-1], seconds)
