"""Corrections to js2py where it computes something other than JavaScript does.

Each one is measured against Node (tests/contract: the conformance and differential tests);
installed once per process, before the built-ins are frozen (js2py_engine.install):

- ``%`` takes the sign of the dividend without mutating a shared number (js2py's ``__mod__``
  fixed the sign in place on the result, which for small integers is a process-wide cached
  object from ``NUM_BANK``: after ``-7 % 3`` every ``2`` in the process read as ``-1``);
- ``Math.round`` rounds half up, ``JSON.stringify`` keeps insertion order and writes NaN as
  null, ``JSON.parse`` keeps ``null``, ``for-in`` enumerates in JavaScript's order and includes
  inherited properties, ``Date.now()`` is a number, ``toISOString`` has three millisecond
  digits, and ``Object.assign``/``String.prototype.repeat`` exist.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import js2py
import js2py.base as jsbase
from js2py.prototypes import jsjson

CORRECTIONS = r"""
(function () {
  var floor = Math.floor;
  Math.round = function (x) {
    x = +x;
    if (x !== x || x === Infinity || x === -Infinity) { return x; }
    var r = floor(x);
    return (x - r >= 0.5) ? r + 1 : r;
  };
  var DateCtor = Date;
  Date.now = function () { return new DateCtor().getTime(); };
  function pad(n, w) { var s = '' + n; while (s.length < w) { s = '0' + s; } return s; }
  Date.prototype.toISOString = function () {
    var t = this.getTime();
    if (t !== t) { throw new RangeError('Invalid time value'); }
    var y = this.getUTCFullYear();
    var year = (y >= 0 && y <= 9999) ? pad(y, 4) : ((y < 0 ? '-' : '+') + pad(y < 0 ? -y : y, 6));
    return year + '-' + pad(this.getUTCMonth() + 1, 2) + '-' + pad(this.getUTCDate(), 2) + 'T' +
      pad(this.getUTCHours(), 2) + ':' + pad(this.getUTCMinutes(), 2) + ':' +
      pad(this.getUTCSeconds(), 2) + '.' + pad(this.getUTCMilliseconds(), 3) + 'Z';
  };
  Date.prototype.toJSON = function () { return this.toISOString(); };
  Object.assign = function (target) {
    if (target === null || target === undefined) {
      throw new TypeError('Cannot convert undefined or null to object');
    }
    var to = Object(target);
    for (var i = 1; i < arguments.length; i++) {
      var source = arguments[i];
      if (source !== null && source !== undefined) {
        var keys = Object.keys(source);
        for (var k = 0; k < keys.length; k++) { to[keys[k]] = source[keys[k]]; }
      }
    }
    return to;
  };
  String.prototype.repeat = function (count) {
    var n = floor(+count || 0), s = '' + this, out = '';
    if (n < 0 || n === Infinity) { throw new RangeError('Invalid count value'); }
    for (var i = 0; i < n; i++) { out += s; }
    return out;
  };
})();
"""


# --- corrections in Python (hot paths) ------------------------------------------------------------
def _js_order(obj: Any) -> list[str]:
    """Own enumerable keys in JavaScript's order: integer-like keys ascending, then insertion."""
    names = [name for name, desc in list(obj.own.items()) if desc.get("enumerable", True)]
    indexes = sorted((n for n in names if n.isdigit() and (n == "0" or n[0] != "0")), key=int)
    if not indexes:
        return names
    taken = set(indexes)
    return indexes + [n for n in names if n not in taken]


def _iterate(self: Any) -> Iterator[Any]:
    """``for-in``: own enumerable keys in JavaScript's order, then inherited enumerable ones."""
    if self.IS_CHILD_SCOPE:
        yield from (jsbase.Js(name) for name in list(self.own))
        return
    seen: set[str] = set()
    holder = self
    while holder is not None and hasattr(holder, "own"):
        for name in _js_order(holder):
            if name not in seen:
                seen.add(name)
                yield jsbase.Js(name)
        seen.update(holder.own)
        holder = holder.prototype


class _KeyList(list[str]):
    """A key list js2py's JSON code accepts (it asks ``is_undefined()``)."""

    def is_undefined(self) -> bool:
        return False


class _OwnKeys(_KeyList):
    """Own keys of one object: recomputed for every nested object."""


_original_jo = jsjson.jo
_original_str = jsjson.Str


def _jo(value: Any, stack: Any, gap: Any, keys: Any, replacer: Any, space: Any) -> Any:
    """JSON.stringify of an object: own enumerable keys in JavaScript's order."""
    if isinstance(keys, _OwnKeys) or (not isinstance(keys, list) and keys.is_undefined()):
        keys = _OwnKeys(_js_order(value))
    elif not isinstance(keys, _KeyList):
        keys = _KeyList(keys)  # a replacer array
    return _original_jo(value, stack, gap, keys, replacer, space)


def _str(key: Any, holder: Any, *rest: Any) -> Any:
    """JSON.stringify writes NaN as null, like Infinity (a string "NaN" comes out quoted)."""
    out = _original_str(key, holder, *rest)
    text = out if isinstance(out, str) else getattr(out, "value", None)
    return "null" if text == "NaN" else out


def _to_js(this: Any, value: Any) -> Any:
    """JSON.parse's converter, keeping ``null`` (js2py made it ``undefined``)."""
    if value is None:
        return jsbase.null
    if isinstance(value, dict):
        return this.Js({k: _to_js(this, v) for k, v in value.items()})
    if isinstance(value, list):
        return this.Js([_to_js(this, v) for v in value])
    return this.Js(value)


def _mod(self: Any, other: Any) -> Any:
    """``a % b``: the remainder with the sign of ``a`` (``math.fmod``), a new number each time."""
    a = self.to_number().value
    b = other.to_number().value
    if a != a or b != b or math.isinf(a) or not b:
        return jsbase.NaN
    if math.isinf(b):
        return jsbase.Js(a)
    return jsbase.Js(math.fmod(a, b))


def install() -> None:
    jsbase.PyJs.__mod__ = _mod
    jsbase.PyJs.__iter__ = _iterate
    jsjson.to_js = _to_js
    jsjson.jo = _jo
    jsjson.Str = _str
    js2py.EvalJs().execute(CORRECTIONS)
