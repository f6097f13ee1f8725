"""The js2py script engine (the default): hardened, corrected, frozen, and time-limited.

js2py translates ES5 to Python; its built-ins are process-global, so once per process this
module (stack-notes.md §5 and §6):

- closes the known sandbox escapes: ``pyimport`` is disabled; ``Object.getOwnPropertyNames``
  returns a real array instead of a wrapped ``dict_keys`` (CVE-2024-28397); ``py_wrap``, the
  only place a Python object becomes reachable from JavaScript, refuses everything but plain
  data (the ``ArrayBuffer`` variant, Js2Py issue #340); wrappers refuse ``_`` names;
- corrects what server code could observe (``js2py_corrections``);
- freezes every built-in constructor, its prototype, ``JSON`` and ``Math``, so one app's code
  cannot change what another app's code sees.

Translation is cached per source text; a program is a fresh ``EvalJs`` context holding the
prelude and one server-code file. Only strings cross between Python and JavaScript.
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

BUILTINS = (
    *("Object", "Function", "Array", "String", "Number", "Boolean", "Date", "RegExp", "ArrayBuffer"),
    *("Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"),
    *("Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array"),
    *("Uint32Array", "Float32Array", "Float64Array"),
)
FREEZE = (
    "(function (names) { for (var i = 0; i < names.length; i++) { var c = this[names[i]];"
    " if (c) { Object.freeze(c); if (c.prototype) { Object.freeze(c.prototype); } } }"
    " Object.freeze(JSON); Object.freeze(Math); }).call(this, %s);"
) % ("[" + ",".join(f"'{name}'" for name in BUILTINS) + "]")


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
    js2py.EvalJs().execute(FREEZE)


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
    def __init__(self, sources: tuple[str, ...], seconds: float) -> None:
        self._context = js2py.EvalJs()
        # js2py's own console prints to stdout; the prelude brings one that records lines.
        # Global-scope descriptors are per context, so this changes no other program.
        self._context._context["var"].own["console"] = {
            "value": jsbase.undefined,
            "writable": True,
            "enumerable": False,
            "configurable": True,
        }
        self._functions: dict[str, Any] = {}
        with _guard(seconds):
            for source in sources:
                exec(_compile(source), self._context._context)

    def call(self, function: str, argument: str, seconds: float) -> str:
        fn = self._functions.get(function)
        if fn is None:
            fn = self._functions[function] = self._context._context["var"].get(function)
        with _guard(seconds):
            result = fn(jsbase.Js(argument))
        return str(result.to_python())


@contextmanager
def _guard(seconds: float) -> Iterator[None]:
    """The time limit, and engine failures translated into the port's exceptions."""
    try:
        with limit(seconds):
            yield
    except ScriptTimedOut:
        raise ScriptTimeout() from None
    except jsbase.PyJsException as error:
        raise ScriptFailure(str(error)) from None
    except RecursionError:
        raise ScriptFailure("RangeError: Maximum call stack size exceeded") from None


class Js2PyEngine:
    name = "js2py"

    def __init__(self) -> None:
        install()

    def load(self, sources: tuple[str, ...], seconds: float) -> Js2PyProgram:
        return Js2PyProgram(sources, seconds)
