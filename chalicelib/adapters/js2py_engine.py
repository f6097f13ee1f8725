"""The js2py script engine (the default): hardened, corrected, frozen, and time-limited.

js2py translates ES5 to Python; its built-ins are process-global, so once per process this
module (stack-notes.md §5 and §6):

- closes the known sandbox escapes: ``pyimport`` is disabled; ``Object.getOwnPropertyNames``
  returns a real array instead of a wrapped ``dict_keys`` (CVE-2024-28397); ``py_wrap``, the
  only place a Python object becomes reachable from JavaScript, refuses everything but plain
  data (the ``ArrayBuffer`` variant, Js2Py issue #340); wrappers refuse ``_`` names;
- corrects what server code could observe (``js2py_corrections``);
- hardens every built-in object and function reachable from the globals (``harden``), so
  no code can change what later code sees; a program hardens its prelude the same way.

Translation is cached per source text; a program is a fresh ``EvalJs`` context holding the
prelude and one server-code file, whose top level ``reset`` runs again for each execution
(Kii evaluated the file per invocation). Only strings cross between Python and JavaScript.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import js2py
import js2py.base as jsbase
from js2py.constructors import jsobject

from chalicelib.adapters import js2py_corrections as corrections
from chalicelib.adapters.deadline import ScriptTimedOut, limit
from chalicelib.domain.scripts import ScriptFailure, ScriptTimeout

_PLAIN = (int, float, str, bool, list, tuple, dict, type(None))
# Libraries the prelude makes lazily (once per realm on QuickJS) are made here, in the base
# realm, so that they are hardened with the prelude and cost an execution nothing.
WARM = (
    "if (typeof __kii_underscoreSource === 'string') { var __kii_underscoreLib = __kii_underscoreFactory(); }"
)
# Prelude globals that hold one execution's state: replaced at each start, never frozen.
MUTABLE = frozenset({"__kii_rt", "__kii_global", "global"})


# --- hardening ----------------------------------------------------------------------------------
def _safe_py_wrap(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return jsbase.Js(list(value))
    if isinstance(value, _PLAIN):
        return jsbase.HJs(value)
    raise jsbase.MakeError("TypeError", f"host object of type {type(value).__name__} is not exposed to JS")


def _get_own_property_names(obj: Any) -> Any:
    if not obj.is_object():
        raise jsbase.MakeError("TypeError", "Object.getOwnPropertyNames called on non-object")
    return list(obj.own.keys())


def _refuse_private(method: Any) -> Any:
    def guarded(self: Any, prop: Any, *args: Any, **kwargs: Any) -> Any:
        name = prop if isinstance(prop, str) else prop.to_string().value
        if name.startswith("_"):
            raise jsbase.MakeError("TypeError", "'undefined' is not a function")
        return method(self, prop, *args, **kwargs)

    return guarded


def _install() -> None:
    js2py.disable_pyimport()
    jsbase.py_wrap = _safe_py_wrap
    jsbase.PyObjectWrapper.get = _refuse_private(jsbase.PyObjectWrapper.get)
    jsbase.PyObjectWrapper.put = _refuse_private(jsbase.PyObjectWrapper.put)
    jsobject.Object.own["getOwnPropertyNames"]["value"] = jsbase.Js(_get_own_property_names)
    corrections.install()
    builtins = js2py.EvalJs()._context["var"]
    harden([desc["value"] for desc in builtins.own.values() if "value" in desc])


def harden(roots: list[Any]) -> None:
    """Freezes every object and function reachable from ``roots`` (own properties, accessors
    and prototypes), in the spirit of SES's ``harden``: no code can change them afterwards.
    js2py's ``can_put`` never consults inherited writability, so instances can still shadow
    a frozen prototype's property by assignment (SES's "override mistake" does not bite)."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or not isinstance(obj, jsbase.PyJs) or isinstance(obj, jsbase.Scope):
            continue
        seen.add(id(obj))
        own = getattr(obj, "own", None)
        if not isinstance(own, dict) or obj.is_primitive():
            continue
        obj.extensible = False
        for desc in own.values():
            if not isinstance(desc, dict):
                continue
            desc["configurable"] = False
            if "value" in desc:
                desc["writable"] = False
                stack.append(desc["value"])
            else:
                stack.extend((desc.get("get"), desc.get("set")))
        stack.append(obj.prototype)


_installed = False
_install_lock = threading.Lock()


def install() -> None:
    """Harden, correct and freeze js2py's built-ins; idempotent, once per process."""
    global _installed
    with _install_lock:
        if not _installed:
            _install()
            _installed = True


# --- engine ---------------------------------------------------------------------------------------
_compiled: dict[bytes, Any] = {}
_compiled_lock = threading.Lock()
MAX_COMPILED = 64


def _compile(source: str) -> Any:
    key = hashlib.sha256(source.encode()).digest()
    code = _compiled.get(key)
    if code is None:
        code = compile(js2py.translate_js(source, ""), "<server code>", "exec")
        with _compiled_lock:
            if len(_compiled) >= MAX_COMPILED:
                _compiled.pop(next(iter(_compiled)))
            _compiled[key] = code
    return code


class Js2PyProgram:
    """A realm: its own global scope over the process's frozen built-ins. The prelude sources
    are run and hardened once; the file (``add``) is what ``reset`` runs again, over the global
    scope as it was after the prelude, so each execution starts with fresh top-level state."""

    def __init__(self, prelude: tuple[str, ...], seconds: float | None) -> None:
        self._context = js2py.EvalJs()
        self._scope = self._context._context["var"]
        # js2py's own console prints to stdout; the prelude brings one that records lines.
        # Global-scope descriptors are per context, so this changes no other program.
        self._scope.own["console"] = {
            "value": jsbase.undefined,
            "writable": True,
            "enumerable": False,
            "configurable": True,
        }
        self._functions: dict[str, Any] = {}
        self._file: Any = None
        with _guard(seconds):
            for source in (*prelude, *((WARM,) if prelude else ())):
                exec(_compile(source), self._context._context)
        if prelude:
            harden([d["value"] for n, d in self._scope.own.items() if "value" in d and n not in MUTABLE])
        self._snapshot = self._copy(self._scope.own)

    @staticmethod
    def _copy(own: dict[str, Any]) -> dict[str, Any]:
        return {name: dict(desc) for name, desc in own.items()}

    def add(self, source: str, seconds: float | None) -> Js2PyProgram:
        self._file = _compile(source)
        with _guard(seconds):
            exec(self._file, self._context._context)
        return self

    def reset(self, seconds: float | None) -> None:
        own = self._scope.own
        own.clear()
        own.update(self._copy(self._snapshot))
        if self._file is not None:
            with _guard(seconds):
                exec(self._file, self._context._context)

    def call(self, function: str, argument: str, seconds: float | None) -> str:
        fn = self._functions.get(function)
        if fn is None:
            fn = self._functions[function] = self._scope.get(function)
        with _guard(seconds):
            result = fn(jsbase.Js(argument))
        return str(result.to_python())


@contextmanager
def _guard(seconds: float | None) -> Iterator[None]:
    """The time limit (none inside a sandbox worker, which its parent kills instead), and
    engine failures translated into the port's exceptions."""
    try:
        if seconds is None:
            yield
        else:
            with limit(seconds):
                yield
    except ScriptTimedOut:
        raise ScriptTimeout() from None
    except jsbase.PyJsException as error:
        raise ScriptFailure(str(error)) from None
    except RecursionError:
        raise ScriptFailure("RangeError: Maximum call stack size exceeded") from None
    except NotImplementedError as error:  # e.g. `with`, met by new Function() at run time
        raise ScriptFailure(f"SyntaxError: {error} (js2py)") from None


class Js2PyEngine:
    name = "js2py"

    def __init__(self) -> None:
        install()

    def realm(self, prelude: tuple[str, ...], seconds: float | None) -> Js2PyProgram:
        return Js2PyProgram(prelude, seconds)

    def load(self, sources: tuple[str, ...], seconds: float | None) -> Js2PyProgram:
        return Js2PyProgram(sources[:-1], seconds).add(sources[-1], seconds)
