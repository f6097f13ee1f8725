"""Corrections to js2py where it computes something other than JavaScript does.

Each one is measured against Node (tests/contract: the conformance tests and the differential
test, which runs thousands of generated ES5 programs on js2py, QuickJS and Node); installed
once per process, before the built-ins are frozen (js2py_engine.install). Built-in functions
get new code in place (``_replace_code``), so every context and every frozen prototype sees it.

- No operator mutates a shared number: ``%`` mutated its result in place, and for small
  integers that is a process-wide cached object from ``NUM_BANK`` (after ``-7 % 3`` every ``2``
  in the process read as ``-1``); ``Date.prototype`` (a Date object in js2py, shared by every
  program) refuses the Date methods, so no setter changes its time for everyone.
- Numbers: ``-0`` exists (``NUM_BANK`` held it as ``+0``: ``hash(-0.0) == hash(0)``) and keeps its
  sign through ``/``, unary ``-``, ``Math.round/floor/ceil/min/max/sqrt`` and ``parseInt``;
  ToString prints JavaScript's shortest form (``123456789012345680000``, ``1e-7``); ``toFixed``,
  ``toExponential`` and ``toPrecision`` round the exact value half up; ``toString(radix)``
  writes fractions (V8's algorithm) and NaN/Infinity; ``Math.pow`` is never complex and follows
  ES5's special cases; strings convert to numbers by ES5's grammar only.
- Strings: ``''.split(x)``; ``replace`` with a function gets the match's offset, and a global
  pattern steps over empty matches as ``exec`` does; ``encodeURI(Component)`` of surrogates
  (pairs encoded, a lone one a URIError, not a Python error); ``decodeURI(Component)`` to UTF-16
  (a malformed sequence a URIError).
- Regular expressions: ``\\d``, ``\\w``, ``\\b`` are ASCII, ``.`` stops at every line terminator,
  ``$`` is the end of input, a back-reference to a group that did not take part matches empty.
- JSON: ``stringify`` keeps insertion order (integer keys first), writes NaN as null, escapes
  only what V8 escapes (non-ASCII stays as it is; lone surrogates as ``\\udXXX``) and keeps no
  process-wide indentation state; ``parse`` keeps ``null`` and ``-0``, rejects ``NaN``, keeps
  surrogate pairs as two code units, and calls a reviver correctly.
- Arrays: ``sort`` (stable, holes and undefined last), ``splice(start)``, ``slice``, ``map``
  and ``shift`` over holes; ``Object.keys`` and ``for-in`` in JavaScript's order.
- Dates: ``Date.UTC``, the UTC getters and setters (optional arguments, any year, TimeClip),
  ``Date.parse`` and ``new Date(string)`` of ISO strings (a number, NaN otherwise),
  ``new Date(NaN)``, ``toUTCString``, ``toISOString`` (three millisecond digits), ``toJSON`` of
  an invalid date, ``Date.now()`` a number.
- Translation: js2py's translator keeps its state in module globals, so two threads translating
  at once corrupted each other's code; translations now take turns.
- Strings are UTF-16 as in JavaScript wherever they enter (the source, a call's arguments from
  Python, ``JSON.parse``) and leave as text UTF-8 can encode.
- Functions: ``this`` of a call with null/undefined is the global object, a primitive ``this``
  is boxed; ``new`` of a bound function constructs its target; ``escape``/``unescape``.
- ``Math.round`` rounds half up; ``Object.assign`` and ``String.prototype.repeat`` exist, and so
  does the rest of the ES2015 library Node.js 6 had that server code calls (``find``,
  ``includes``, ``Array.from``, ``startsWith``, ``Number.isInteger``...), non-enumerable.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import math
import re
import threading
import time
import types
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import js2py
import js2py.base as jsbase
from js2py.constructors import jsdate, jsmath, jsobject
from js2py.host import jsfunctions
from js2py.prototypes import jsjson, jsstring
from js2py.translators import translating_nodes

CORRECTIONS = r"""
(function () {
  var floor = Math.floor;
  Math.round = function (x) {
    x = +x;
    if (x !== x || x === Infinity || x === -Infinity || x === 0) { return x; }
    if (x < 0 && x >= -0.5) { return -0; }
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
  Date.prototype.toJSON = function () {
    var t = this.valueOf();
    return (typeof t === 'number' && !isFinite(t)) ? null : this.toISOString();
  };
  // splice(start) removes to the end, as every ES5 engine did (and ES2015 wrote down); the
  // array it returns is as long as the count removed, holes included.
  var splice = Array.prototype.splice, max = Math.max, min = Math.min;
  function integer(v) { v = +v; return v !== v ? 0 : (v < 0 ? -floor(-v) : floor(v)); }
  Array.prototype.splice = function (start, deleteCount) {
    var length = this.length >>> 0, s = integer(start);
    var from = s < 0 ? max(length + s, 0) : min(s, length);
    var count = arguments.length === 0 ? 0 :
      (arguments.length === 1 ? length - from : min(max(integer(deleteCount), 0), length - from));
    var args = [from, count];
    for (var i = 2; i < arguments.length; i++) { args.push(arguments[i]); }
    var removed = splice.apply(this, args);
    removed.length = count;
    return removed;
  };
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
  // The ES2015 library Node.js 6 (Kii's environment "6") gave server code, which transpiled
  // code still calls (Babel rewrites syntax, not methods). Non-enumerable, as built-ins are,
  // so `for (var i in array)` loops see indices only.
  function define(holder, name, value) {
    Object.defineProperty(holder, name, {
      value: value, writable: true, enumerable: false, configurable: true
    });
  }
  function length(o) { var n = integer(o.length); return n > 0 ? min(n, 9007199254740991) : 0; }
  function callable(f) {
    if (typeof f !== 'function') { throw new TypeError(f + ' is not a function'); }
    return f;
  }
  function relative(v, n, fallback) {
    var r = v === undefined ? fallback : integer(v);
    return r < 0 ? max(n + r, 0) : min(r, n);
  }
  function sameValueZero(a, b) { return a === b || (a !== a && b !== b); }
  var A = Array.prototype;
  define(A, 'find', function (predicate, thisArg) {
    var o = Object(this), n = length(o); callable(predicate);
    for (var i = 0; i < n; i++) { var v = o[i]; if (predicate.call(thisArg, v, i, o)) { return v; } }
    return undefined;
  });
  define(A, 'findIndex', function (predicate, thisArg) {
    var o = Object(this), n = length(o); callable(predicate);
    for (var i = 0; i < n; i++) { if (predicate.call(thisArg, o[i], i, o)) { return i; } }
    return -1;
  });
  define(A, 'fill', function (value, start, end) {
    var o = Object(this), n = length(o);
    for (var i = relative(start, n, 0), stop = relative(end, n, n); i < stop; i++) { o[i] = value; }
    return o;
  });
  define(A, 'includes', function (search, fromIndex) {
    var o = Object(this), n = length(o);
    for (var i = relative(fromIndex, n, 0); i < n; i++) { if (sameValueZero(o[i], search)) { return true; } }
    return false;
  });
  define(Array, 'from', function (items, mapFn, thisArg) {
    if (items === null || items === undefined) { throw new TypeError(items + ' is not iterable'); }
    if (mapFn !== undefined) { callable(mapFn); }
    var o = Object(items), n = length(o), out = [];
    for (var i = 0; i < n; i++) {
      var v = typeof items === 'string' ? items.charAt(i) : o[i];
      out.push(mapFn ? mapFn.call(thisArg, v, i) : v);
    }
    return out;
  });
  define(Array, 'of', function () { return Array.prototype.slice.call(arguments); });
  function noRegExp(search, method) {
    if (search instanceof RegExp) {
      throw new TypeError('First argument to String.prototype.' + method + ' must not be a RegExp');
    }
    return '' + search;
  }
  var S = String.prototype;
  define(S, 'startsWith', function (search, position) {
    var s = '' + this, t = noRegExp(search, 'startsWith'), p = min(max(integer(position), 0), s.length);
    return s.substr(p, t.length) === t;
  });
  define(S, 'endsWith', function (search, endPosition) {
    var s = '' + this, t = noRegExp(search, 'endsWith');
    var e = endPosition === undefined ? s.length : min(max(integer(endPosition), 0), s.length);
    return e - t.length >= 0 && s.substring(e - t.length, e) === t;
  });
  define(S, 'includes', function (search, position) {
    return ('' + this).indexOf(noRegExp(search, 'includes'), position) !== -1;
  });
  define(Number, 'EPSILON', Math.pow(2, -52));
  define(Number, 'MAX_SAFE_INTEGER', 9007199254740991);
  define(Number, 'MIN_SAFE_INTEGER', -9007199254740991);
  define(Number, 'isFinite', function (v) { return typeof v === 'number' && isFinite(v); });
  define(Number, 'isNaN', function (v) { return typeof v === 'number' && v !== v; });
  function isInteger(v) { return typeof v === 'number' && isFinite(v) && floor(v) === v; }
  define(Number, 'isInteger', isInteger);
  define(Number, 'isSafeInteger', function (v) {
    return isInteger(v) && v <= 9007199254740991 && v >= -9007199254740991;
  });
  define(Math, 'trunc', function (x) {
    x = +x;
    return (x !== x || x === 0 || !isFinite(x)) ? x : (x < 0 ? -floor(-x) : floor(x));
  });
  define(Math, 'sign', function (x) { x = +x; return (x !== x || x === 0) ? x : (x > 0 ? 1 : -1); });
})();
"""


# --- corrections in Python (hot paths) ------------------------------------------------------------
def _js_order(obj: Any) -> list[str]:
    """Own enumerable keys in JavaScript's order: integer-like keys ascending, then insertion."""
    names = [name for name, desc in list(obj.own.items()) if desc.get("enumerable", True)]
    indexes = sorted(
        (n for n in names if n.isdigit() and (n == "0" or n[0] != "0") and int(n) < 2**32 - 1), key=int
    )
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


def _string_keys(self: Any) -> Iterator[Any]:
    """``for-in`` over a string: the indexes as strings ("0", "1"), like any property name."""
    for i in range(len(self.value)):
        yield jsbase.Js(str(i))


def _to_js(this: Any, value: Any) -> Any:
    """JSON.parse's converter, keeping ``null`` (js2py made it ``undefined``) and strings in UTF-16
    (Python's reader joins an escaped surrogate pair into one character)."""
    if value is None:
        return jsbase.null
    if isinstance(value, dict):
        return this.Js({utf16(k): _to_js(this, v) for k, v in value.items()})
    if isinstance(value, list):
        return this.Js([_to_js(this, v) for v in value])
    if isinstance(value, str):
        return this.Js(utf16(value))
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


# --- numbers --------------------------------------------------------------------------------------
def _digits(x: float) -> tuple[str, int]:
    """The shortest digits that read back as ``x > 0`` (Python's repr, as V8's), and the exponent
    ``n`` of ES5 9.8.1 (``x`` is ``0.digits`` times ``10**n``)."""
    _, digits, exponent = decimal.Decimal(repr(x)).as_tuple()
    text = "".join(map(str, digits))
    stripped = text.rstrip("0")
    assert isinstance(exponent, int)
    return stripped, exponent + len(text)


def number_to_string(x: float) -> str:
    """ES5 9.8.1 ToString(Number)."""
    if x != x:
        return "NaN"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    sign = "-" if x < 0 else ""
    digits, n = _digits(abs(x))
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


_EXACT = decimal.Context(prec=1200, rounding=decimal.ROUND_HALF_UP)


def _rounded(x: float, exponent: int) -> int:
    """``n`` with ``n * 10**exponent`` nearest to ``x >= 0``, the larger one on a tie (ES5 15.7.4)."""
    return int(_EXACT.to_integral_value(_EXACT.scaleb(decimal.Decimal(x), -exponent)))


def _scientific(x: float, fraction_digits: int) -> tuple[str, int]:
    """``x > 0`` as ``fraction_digits + 1`` digits and an exponent, rounded half up."""
    e = decimal.Decimal(x).adjusted()
    n = _rounded(x, e - fraction_digits)
    if n >= 10 ** (fraction_digits + 1):
        e += 1
        n = _rounded(x, e - fraction_digits)
    return str(n), e


def _this_number(this: Any, method: str) -> float:
    if this.Class != "Number":
        raise jsbase.MakeError("TypeError", f"Number.prototype.{method} requires that 'this' be a Number")
    return float(this.to_number().value)


def _digits_argument(value: Any, low: int, method: str) -> int:
    digits = value.to_int()
    if digits < low or digits > 100:
        raise jsbase.MakeError("RangeError", f"{method}() argument must be between {low} and 100")
    return int(digits)


def _to_fixed(fraction_digits: Any, this: Any, arguments: Any) -> Any:
    x = _this_number(this, "toFixed")
    f = _digits_argument(fraction_digits, 0, "toFixed")
    if x != x:
        return "NaN"
    if abs(x) >= 1e21:
        return number_to_string(x)
    digits = str(_rounded(abs(x), -f)).rjust(f + 1, "0")
    text = digits[: len(digits) - f] + ("." + digits[len(digits) - f :] if f else "")
    return ("-" if x < 0 else "") + text


def _to_exponential(fraction_digits: Any, this: Any, arguments: Any) -> Any:
    x = _this_number(this, "toExponential")
    f = fraction_digits.to_int()
    if x != x or math.isinf(x):
        return number_to_string(x)
    if not fraction_digits.is_undefined():
        f = _digits_argument(fraction_digits, 0, "toExponential")
    sign, x = ("-" if x < 0 else ""), abs(x)
    if x == 0:
        digits, e = "0" * ((0 if fraction_digits.is_undefined() else f) + 1), 0
    elif fraction_digits.is_undefined():
        digits, n = _digits(x)
        e = n - 1
    else:
        digits, e = _scientific(x, f)
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _to_precision(precision: Any, this: Any, arguments: Any) -> Any:
    x = _this_number(this, "toPrecision")
    if precision.is_undefined() or x != x or math.isinf(x):
        return number_to_string(x)
    p = _digits_argument(precision, 1, "toPrecision")
    sign, x = ("-" if x < 0 else ""), abs(x)
    digits, e = ("0" * p, 0) if x == 0 else _scientific(x, p - 1)
    if e < -6 or e >= p:
        mantissa = digits[0] + ("." + digits[1:] if p > 1 else "")
        return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    if e == p - 1:
        return sign + digits
    if e >= 0:
        return sign + digits[: e + 1] + "." + digits[e + 1 :]
    return sign + "0." + "0" * -(e + 1) + digits


_RADIX_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def radix_string(value: float, radix: int) -> str:
    """V8's DoubleToRadixCString: the digits of the fraction only as far as the double's precision."""
    negative = value < 0
    value = -value if negative else value
    integer = math.floor(value)
    fraction = value - integer
    delta = max(0.5 * (math.nextafter(value, math.inf) - value), math.nextafter(0.0, 1.0))
    fraction_digits: list[int] = []
    if fraction >= delta:
        while True:
            fraction *= radix
            delta *= radix
            digit = int(fraction)
            fraction_digits.append(digit)
            fraction -= digit
            if (fraction > 0.5 or (fraction == 0.5 and digit & 1)) and fraction + delta > 1:
                while True:  # round up, carrying into the digits already written
                    if not fraction_digits:
                        integer += 1
                        break
                    last = fraction_digits.pop()
                    if last + 1 < radix:
                        fraction_digits.append(last + 1)
                        break
                break
            if fraction < delta:
                break
    whole: list[str] = []
    integer_part = float(integer)
    while math.frexp(integer_part / radix)[1] > 53:  # digits below the double's precision are 0
        integer_part /= radix
        whole.append("0")
    while True:
        remainder = math.fmod(integer_part, radix)
        whole.append(_RADIX_DIGITS[int(remainder)])
        integer_part = (integer_part - remainder) / radix
        if integer_part <= 0:
            break
    text = "".join(reversed(whole))
    if fraction_digits:
        text += "." + "".join(_RADIX_DIGITS[d] for d in fraction_digits)
    return ("-" if negative else "") + text


def _to_string(radix: Any, this: Any, arguments: Any) -> Any:
    x = _this_number(this, "toString")
    r = 10 if radix.is_undefined() else radix.to_int()
    if r < 2 or r > 36:
        raise jsbase.MakeError("RangeError", "toString() radix must be between 2 and 36")
    if r == 10 or x != x or math.isinf(x):
        return number_to_string(x)
    return radix_string(x, int(r))


def _div(self: Any, other: Any) -> Any:
    """``a / b`` with the sign of a zero divisor (``1 / -0`` is ``-Infinity``)."""
    a = self.to_number().value
    b = other.to_number().value
    if b:
        return jsbase.Js(a / b)
    if not a or a != a or b != b:
        return jsbase.NaN
    return jsbase.Js(math.copysign(math.inf, a) * math.copysign(1.0, b))


def _neg(self: Any) -> Any:
    return jsbase.Js(-float(self.to_number().value))


def _pow(x: Any, y: Any, this: Any, arguments: Any) -> Any:
    """Math.pow: never complex, ``NaN`` for ``(±1) ** ±Infinity``, infinities for a zero base."""
    a, b = float(x.to_number().value), float(y.to_number().value)
    if b != b:
        return jsbase.NaN
    if b == 0:
        return 1.0
    if abs(a) == 1 and math.isinf(b):
        return jsbase.NaN
    odd = b.is_integer() and not math.isinf(b) and abs(b) < 2**53 and int(b) % 2 == 1
    if a == 0 and b < 0:
        return math.copysign(math.inf, a) if odd else math.inf
    try:
        return math.pow(a, b)
    except ValueError:  # a negative base and a fractional exponent
        return jsbase.NaN
    except OverflowError:
        return -math.inf if a < 0 and odd else math.inf


def _math_min(this: Any, arguments: Any) -> Any:
    best = math.inf
    for value in (float(arguments[str(i)].to_number().value) for i in range(len(arguments))):
        if value != value:
            return jsbase.NaN
        if value < best or (value == 0 and best == 0 and math.copysign(1, value) < 0):
            best = value
    return best


def _math_max(this: Any, arguments: Any) -> Any:
    best = -math.inf
    for value in (float(arguments[str(i)].to_number().value) for i in range(len(arguments))):
        if value != value:
            return jsbase.NaN
        if value > best or (value == 0 and best == 0 and math.copysign(1, value) > 0):
            best = value
    return best


def _float_math(function: Callable[[float], float]) -> Callable[..., Any]:
    """floor, ceil and sqrt on floats (js2py's return ints, and ints lose ``-0``)."""

    def apply(x: Any, this: Any, arguments: Any) -> Any:
        value = float(x.to_number().value)
        if value != value or math.isinf(value) or value == 0:
            return jsbase.NaN if value < 0 and function is math.sqrt else value
        if function is math.sqrt and value < 0:
            return jsbase.NaN
        return math.copysign(float(function(value)), value)

    return apply


_STR_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_STR_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_original_to_number = jsbase.PyJs.to_number


def _to_number(self: Any) -> Any:
    """ToNumber of a string by ES5's grammar (Python's float() also reads "inf", "nan", "1_0")."""
    if not isinstance(self, jsbase.PyJsString):
        return _original_to_number(self)
    text = self.value.strip(JS_WHITESPACE)
    if not text:
        return jsbase.Js(0)
    if _STR_HEX.fullmatch(text):
        return jsbase.Js(float(int(text, 16)))
    if _STR_DECIMAL.fullmatch(text):
        return jsbase.Js(float(text.replace("Infinity", "inf")))
    return jsbase.NaN


_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def _parse_float(string: Any, this: Any, arguments: Any) -> Any:
    """parseFloat: the longest decimal prefix after the leading white space, else NaN."""
    match = _FLOAT_PREFIX.match(string.to_string().value.lstrip(JS_WHITESPACE))
    return jsbase.NaN if match is None else float(match.group().replace("Infinity", "inf"))


# --- strings ---------------------------------------------------------------------------------------
_SURROGATE_PAIR_OR_ESCAPED = re.compile('([\ud800-\udbff][\udc00-\udfff])|(["\\\\\x00-\x1f\ud800-\udfff])')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quote_char(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    char = match.group(2)
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def quote(text: str) -> str:
    """JSON's Quote as V8 writes it: only quotes, backslashes, controls and lone surrogates escaped."""
    return '"' + _SURROGATE_PAIR_OR_ESCAPED.sub(_quote_char, text) + '"'


def utf16(text: str) -> str:
    """Characters beyond the BMP as the two UTF-16 code units JavaScript sees."""
    if all(ord(c) <= 0xFFFF for c in text):
        return text
    return "".join(
        chr(0xD800 + ((ord(c) - 0x10000) >> 10)) + chr(0xDC00 + ((ord(c) - 0x10000) & 0x3FF))
        if ord(c) > 0xFFFF
        else c
        for c in text
    )


def _code_points(text: str) -> str:
    """UTF-16 code units back to characters; a lone surrogate stays (and cannot be encoded)."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_original_to_python = jsbase.PyJs.to_python


def _to_python(self: Any) -> Any:
    """A string leaving JavaScript: surrogate pairs become characters and a lone surrogate
    U+FFFD, as Node writes strings out (js2py handed Python a str that UTF-8 cannot encode)."""
    if isinstance(self, jsbase.PyJsString):
        return _LONE_SURROGATE.sub("\ufffd", _code_points(self.value))
    return _original_to_python(self)


_original_dunder_call = jsbase.PyJs.__call__


def _dunder_call(self: Any, *args: Any) -> Any:
    """A string handed to JavaScript from Python is UTF-16: a character beyond the BMP is two code
    units (the engine passes its argument this way)."""
    if any(isinstance(a, jsbase.PyJsString) and not a.value.isascii() for a in args):
        args = tuple(jsbase.Js(utf16(a.value)) if isinstance(a, jsbase.PyJsString) else a for a in args)
    return _original_dunder_call(self, *args)


_original_translate_js = js2py.translate_js


def _translate_js(source: str, *args: Any, **kwargs: Any) -> Any:
    """Characters beyond the BMP written in the source are two code units, as in JavaScript
    (``'😀'.length`` is 2)."""
    return _original_translate_js(utf16(source), *args, **kwargs)


def _uri_encoder(safe: str) -> Callable[..., Any]:
    def encode(text: Any, this: Any, arguments: Any) -> Any:
        try:
            data = _code_points(text.to_string().value).encode("utf-8")
        except UnicodeEncodeError:
            raise jsbase.MakeError("URIError", "URI malformed") from None
        return urllib.parse.quote(data, safe=safe)

    return encode


_URI_RESERVED = ";/?:@&=+$,#"


def _uri_decoder(reserved: str) -> Callable[..., Any]:
    """decodeURI(Component): UTF-8 sequences to UTF-16, a malformed one is a URIError."""

    def decode(text: Any, this: Any, arguments: Any) -> Any:
        source = text.to_string().value
        out: list[str] = []
        i = 0
        while i < len(source):
            if source[i] != "%":
                out.append(source[i])
                i += 1
                continue
            data = bytearray()
            start = i
            try:
                data.append(int(source[i + 1 : i + 3], 16) if len(source[i + 1 : i + 3]) == 2 else -1)
                i += 3
                extra = {0: 0, 6: 1, 14: 2, 30: 3}.get(
                    data[0] >> 7 if data[0] < 0x80 else data[0] >> 4 if data[0] >= 0xE0 else 6, -1
                )
                if data[0] >= 0xF0:
                    extra = 3 if data[0] < 0xF8 else -1
                for _ in range(max(extra, 0)):
                    if source[i : i + 1] != "%":
                        raise ValueError
                    data.append(int(source[i + 1 : i + 3], 16))
                    i += 3
                if extra < 0:
                    raise ValueError
                char = data.decode("utf-8")
            except ValueError:
                raise jsbase.MakeError("URIError", "URI malformed") from None
            out.append(source[start:i] if len(char) == 1 and char in reserved else utf16(char))
        return "".join(out)

    return decode


def _parse_int(string: Any, radix: Any, this: Any, arguments: Any) -> Any:
    """parseInt (ES5 15.1.2.2) with JavaScript's white space, and the sign of a zero kept."""
    text = string.to_string().value.lstrip(JS_WHITESPACE)
    sign = -1.0 if text[:1] == "-" else 1.0
    text = text[1:] if text[:1] in "+-" else text
    r = radix.to_int32()
    if r and not 2 <= r <= 36:
        return jsbase.NaN
    if r in (0, 16) and text[:2] in ("0x", "0X"):
        text, r = text[2:], 16
    r = r or 10
    end = 0
    while end < len(text) and text[end].lower() in _RADIX_DIGITS[:r]:
        end += 1
    if not end:
        return jsbase.NaN
    return math.copysign(float(int(text[:end], r)), sign)


def _slice(start: Any, end: Any, this: Any, arguments: Any) -> Any:
    """Array.prototype.slice keeps holes where they were (js2py closed them up)."""
    array = this.to_object()
    length = array.get("length").to_uint32()
    first, last = start.to_int(), length if end.is_undefined() else end.to_int()
    k = max(length + first, 0) if first < 0 else min(first, length)
    final = max(length + last, 0) if last < 0 else min(last, length)
    result = jsbase.Js([])
    for n, index in enumerate(range(int(k), int(final))):
        if array.has_property(str(index)):
            result.put(str(n), array.get(str(index)))
    result.put("length", jsbase.Js(max(int(final - k), 0)))
    return result


def _sort(comparefn: Any, this: Any, arguments: Any) -> Any:
    """Array.prototype.sort as V8's: stable, ``undefined`` after the values, holes left at the end
    (js2py filled holes with ``undefined``); strings compare by UTF-16 code units."""
    if not comparefn.is_undefined() and not comparefn.is_callable():
        raise jsbase.MakeError("TypeError", "The comparison function must be either a function or undefined")
    array = this.to_object()
    length = int(array.get("length").to_uint32())
    values, undefineds = [], 0
    for i in range(length):
        if array.has_property(str(i)):
            value = array.get(str(i))
            if value.is_undefined():
                undefineds += 1
            else:
                values.append(value)
    if comparefn.is_undefined():
        keyed = sorted(((utf16(v.to_string().value), v) for v in values), key=lambda pair: pair[0])
        values = [v for _, v in keyed]
    else:

        def compare(x: Any, y: Any) -> int:
            order = float(comparefn.call(jsbase.undefined, (x, y)).to_number().value)
            return -1 if order < 0 else 1 if order > 0 else 0

        values.sort(key=functools.cmp_to_key(compare))
    for i, value in enumerate(values):
        array.put(str(i), value)
    for i in range(len(values), len(values) + undefineds):
        array.put(str(i), jsbase.undefined)
    for i in range(len(values) + undefineds, length):
        array.delete(str(i))
    return array


def _map(callback: Any, this_arg: Any, this: Any, arguments: Any) -> Any:
    """Array.prototype.map: the result is as long as the array, holes included (js2py's stopped
    at the last element present)."""
    array = this.to_object()
    length = int(array.get("length").to_uint32())
    if not callback.is_callable():
        raise jsbase.MakeError("TypeError", f"{callback.to_string().value} is not a function")
    result = jsbase.Js([])
    for k in range(length):
        if array.has_property(str(k)):
            result.put(str(k), callback.call(this_arg, (array.get(str(k)), jsbase.Js(k), array)))
    result.put("length", jsbase.Js(length))
    return result


def _shift(this: Any, arguments: Any) -> Any:
    """Array.prototype.shift over holes (js2py raised a Python NameError on one)."""
    array = this.to_object()
    length = array.get("length").to_uint32()
    if not length:
        array.put("length", jsbase.Js(0))
        return jsbase.undefined
    first = array.get("0")
    for k in range(1, int(length)):
        if array.has_property(str(k)):
            array.put(str(k - 1), array.get(str(k)))
        else:
            array.delete(str(k - 1))
    array.delete(str(int(length) - 1))
    array.put("length", jsbase.Js(int(length) - 1))
    return first


_ESCAPE_KEEPS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@*_+-./")
_UNESCAPE = re.compile(r"%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})")


def _escape(text: Any, this: Any, arguments: Any) -> Any:
    """escape (ES5 B.2.1): ``%XX`` below 256, ``%uXXXX`` above (js2py percent-encoded UTF-8)."""
    return "".join(
        c if c in _ESCAPE_KEEPS else f"%{ord(c):02X}" if ord(c) < 256 else f"%u{ord(c):04X}"
        for c in utf16(text.to_string().value)
    )


def _unescape(text: Any, this: Any, arguments: Any) -> Any:
    """unescape (ES5 B.2.2): ``%uXXXX`` and ``%XX`` to code units (js2py ignored ``%u``)."""
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text.to_string().value)


_original_split: Any = None


def _split(separator: Any, limit: Any, this: Any, arguments: Any) -> Any:
    """``''.split(x)`` is ``['']`` unless ``x`` matches the empty string (js2py answered ``[]``)."""
    this.cok()
    text = this.to_string().value
    if text or separator.is_undefined() or (not limit.is_undefined() and not limit.to_uint32()):
        return _original_split.call(this, (separator, limit))
    if separator.Class == "RegExp":
        return [] if separator.pat.match("") else [""]
    return [] if not separator.to_string().value else [""]


def _matches(pattern: Any, text: str) -> list[re.Match[str]]:
    """A global pattern's matches as exec finds them (an empty match moves on by one)."""
    found, at = [], 0
    while at <= len(text):
        match = pattern.search(text, at)
        if match is None:
            break
        found.append(match)
        at = match.end() + (match.end() == match.start())
    return found


def _replace(search: Any, replacement: Any, this: Any, arguments: Any) -> Any:
    """String.prototype.replace; a replacer function gets the match's offset (js2py passed its end)."""
    this.cok()
    string = this.to_string()
    text = string.value
    spans: list[tuple[int, int, tuple[Any, ...]]]
    if search.Class == "RegExp":
        if search.glob:
            spans = [(m.start(), m.end(), m.groups()) for m in _matches(search.pat, text)]
            search.put("lastIndex", jsbase.Js(0))
        else:
            m = search.pat.search(text)
            spans = [] if m is None else [(m.start(), m.end(), m.groups())]
    else:
        needle = search.to_string().value
        at = text.find(needle)
        spans = [] if at < 0 else [(at, at + len(needle), ())]
    template = None if replacement.is_callable() else replacement.to_string().value
    out, last = [], 0
    for start, end, groups in spans:
        out.append(text[last:start])
        if template is None:
            args = (text[start:end], *groups, start, string)
            out.append(
                replacement.call(jsbase.undefined, tuple(jsbase.Js(a) for a in args)).to_string().value
            )
        else:
            out.append(jsstring.replacement_template(template, text, (start, end), groups))
        last = end
    out.append(text[last:])
    return "".join(out)


# --- regular expressions -----------------------------------------------------------------------------
_WORD = "A-Za-z0-9_"
_LINE_TERMINATORS = "\\n\\r\\u2028\\u2029"
_OUTSIDE_CLASS = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "b": f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))",
    "B": f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))",
}
_INSIDE_CLASS = {"d": "0-9", "w": _WORD}


def javascript_pattern(pattern: str, multiline: bool) -> str:
    """js2py's translated pattern with JavaScript's meaning where Python's differs: ``\\d``,
    ``\\w`` and ``\\b`` are ASCII, ``.`` stops at every line terminator, ``$`` is the end (not
    before a final newline), and a back-reference to a group that did not take part matches empty."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if in_class and escaped in _INSIDE_CLASS:
                out.append(_INSIDE_CLASS[escaped])
            elif not in_class and escaped in _OUTSIDE_CLASS:
                out.append(_OUTSIDE_CLASS[escaped])
            elif not in_class and escaped in "123456789":
                end = i + 2
                while end < len(pattern) and pattern[end].isdigit():
                    end += 1
                group = pattern[i + 1 : end]
                out.append(f"(?({group})\\{group})")
                i = end
                continue
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("]")
                i += 1
        elif char == ".":
            out.append(f"[^{_LINE_TERMINATORS}]")
        elif char == "$":
            out.append(f"(?=[{_LINE_TERMINATORS}]|\\Z)" if multiline else "\\Z")
        elif char == "^" and multiline:
            out.append(f"(?:(?<=[{_LINE_TERMINATORS}])|\\A)")
        else:
            out.append(char)
        i += 1
    return "".join(out)


_original_interpret = jsbase.REGEXP_CONVERTER._interpret_regexp


def _interpret_regexp(source: str, flags: Any) -> str:
    return javascript_pattern(_original_interpret(source, flags), "m" in flags)


# --- JSON ----------------------------------------------------------------------------------------------
def _parse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_loads(text: str) -> Any:
    """JSON.parse's reader: no NaN/Infinity, ``-0`` kept, numbers as doubles."""
    return json.loads(text, parse_constant=_parse_constant, parse_int=float)


def _walk(holder: Any, name: str, reviver: Any) -> Any:
    """JSON.parse's reviver (ES5 15.12.2 Walk); js2py wrote revived array items into themselves."""
    value = holder.get(name)
    if value.is_object():
        if value.Class == "Array":
            keys = [str(i) for i in range(value.get("length").to_uint32())]
        else:
            keys = _js_order(value)
        for key in keys:
            revived = _walk(value, key, reviver)
            if revived.is_undefined():
                value.delete(key)
            else:
                value.put(key, revived)
    return reviver.call(holder, (jsbase.Js(name), value))


def _stringify(value: Any, replacer: Any, space: Any, this: Any, arguments: Any) -> Any:
    """JSON.stringify (ES5 15.12.3) without js2py's process-wide indentation state."""
    replacer_function = replacer if replacer.is_callable() else None
    allowed: list[str] | None = None
    if replacer.is_object() and replacer.Class == "Array":
        allowed = []
        for i in range(replacer.get("length").to_uint32()):
            item = replacer.get(str(i))
            if item.Class in ("String", "Number"):
                name = item.to_string().value
                if name not in allowed:
                    allowed.append(name)
    if space.is_object() and space.Class in ("Number", "String"):
        space = space.to_number() if space.Class == "Number" else space.to_string()
    gap = ""
    if space.TYPE == "Number":
        gap = " " * max(0, min(10, int(space.to_int())))
    elif space.TYPE == "String":
        gap = space.value[:10]
    stack: list[Any] = []

    def serialize(key: str, holder: Any, indent: str) -> str | None:
        item = holder.get(key)
        if item.is_object():
            to_json = item.get("toJSON")
            if to_json.is_callable():
                item = to_json.call(item, (jsbase.Js(key),))
        if replacer_function is not None:
            item = replacer_function.call(holder, (jsbase.Js(key), item))
        if item.is_object():
            if item.Class == "Number":
                item = item.to_number()
            elif item.Class == "String":
                item = item.to_string()
            elif item.Class == "Boolean":
                item = jsbase.Js(bool(item.value))
        if item.is_null():
            return "null"
        if item.TYPE == "Boolean":
            return "true" if item.value else "false"
        if item.TYPE == "String":
            return quote(item.value)
        if item.TYPE == "Number":
            number = float(item.value)
            return number_to_string(number) if math.isfinite(number) else "null"
        if not item.is_object() or item.is_callable():
            return None
        if any(seen is item for seen in stack):
            raise jsbase.MakeError("TypeError", "Converting circular structure to JSON")
        stack.append(item)
        inner = indent + gap
        if item.Class == "Array":
            parts = [serialize(str(i), item, inner) or "null" for i in range(item.get("length").to_uint32())]
            opening, closing = "[", "]"
        else:
            parts = []
            for name in allowed if allowed is not None else _js_order(item):
                text = serialize(name, item, inner)
                if text is not None:
                    parts.append(quote(name) + (": " if gap else ":") + text)
            opening, closing = "{", "}"
        stack.pop()
        if not parts:
            return opening + closing
        if not gap:
            return opening + ",".join(parts) + closing
        return f"{opening}\n{inner}" + f",\n{inner}".join(parts) + f"\n{indent}{closing}"

    wrapper = jsbase.Js({})
    wrapper.put("", value)
    out = serialize("", wrapper, "")
    return jsbase.undefined if out is None else out


# --- dates -----------------------------------------------------------------------------------------------
_MS_PER_DAY = 86_400_000


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), any year."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def make_time(year: float, month: float, day: float, *clock: float) -> float:
    """ES5 MakeDate(MakeDay(...), MakeTime(...)) then TimeClip: ``NaN`` when out of range."""
    parts = (year, month, day, *clock)
    if not all(math.isfinite(p) for p in parts):
        return math.nan
    y, m, d, h, mi, s, ms = (int(p) for p in (*parts, 0, 0, 0, 0)[:7])
    y += m // 12
    days = _days_from_civil(y, m % 12 + 1, 1) + d - 1
    t = days * _MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms
    return float(t) if abs(t) <= 8.64e15 else math.nan


def _utc(this: Any, arguments: Any) -> Any:
    """Date.UTC: two-digit years are 19xx, missing parts are the first day and midnight."""
    count = len(arguments)
    parts = [float(arguments[str(i)].to_number().value) for i in range(min(count, 7))]
    if count < 2:
        parts += [math.nan] * (2 - count) if count == 0 else [0.0]
    parts += [1.0, 0.0, 0.0, 0.0, 0.0][len(parts) - 2 :]
    if math.isfinite(parts[0]) and 0 <= int(parts[0]) <= 99:
        parts[0] = 1900 + int(parts[0])
    t = make_time(*parts)
    return jsbase.NaN if t != t else t


_ISO_DATE = re.compile(
    r"(?P<year>[+-]\d{6}|\d{4})(?:-(?P<month>\d\d)(?:-(?P<day>\d\d))?)?"
    r"(?:T(?P<hour>\d\d):(?P<minute>\d\d)(?::(?P<second>\d\d)(?:\.(?P<fraction>\d+))?)?"
    r"(?P<zone>Z|[+-]\d\d:\d\d)?)?"
)


def parse_date(text: str) -> float:
    """Date.parse of the ISO formats (ES5 15.9.1.15 and its extended years); date-only forms are
    UTC, date-times without an offset local (the server's zone); other formats are ``NaN``."""
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None or match["year"] == "-000000":
        return math.nan
    g = match.groupdict()
    month, day = int(g["month"] or 1), int(g["day"] or 1)
    hour, minute, second = int(g["hour"] or 0), int(g["minute"] or 0), int(g["second"] or 0)
    ms = int((g["fraction"] or "0")[:3].ljust(3, "0"))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 59):
        return math.nan
    if hour == 24 and (minute or second or ms):
        return math.nan
    t = make_time(int(g["year"]), month - 1, day, hour, minute, second, ms)
    zone = g["zone"]
    if zone and zone != "Z":
        offset = (int(zone[1:3]) * 60 + int(zone[4:6])) * 60_000
        t = t - offset if zone[0] == "+" else t + offset
    elif g["hour"] is not None and zone is None:
        t += time.timezone * 1000
    return t if abs(t) <= 8.64e15 else math.nan


def _date_parse(text: Any, this: Any, arguments: Any) -> Any:
    t = parse_date(text.to_string().value)
    return jsbase.NaN if t != t else t


def _date_from_value(value: Any) -> Any:
    """``new Date(value)``: a string is parsed, a number clipped (``NaN`` stays ``NaN``)."""
    if value.Class == "Date":  # its time value, not its string (ES2015; ES5 parsed its toString)
        return jsdate.PyJsDate(value.value, prototype=jsdate.DatePrototype)
    primitive = value.to_primitive()
    t = parse_date(primitive.value) if primitive.TYPE == "String" else float(primitive.to_number().value)
    clipped = t if math.isfinite(t) and abs(t) <= 8.64e15 else math.nan
    return jsdate.PyJsDate(_time_value(clipped), prototype=jsdate.DatePrototype)


def _time_value(t: float) -> Any:
    """A Date's time as js2py keeps it: an int, or jsdate's own NaN object (compared by identity)."""
    return jsdate.NaN if t != t else int(t)


_WEEKDAYS = ("Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _to_utc_string(this: Any, arguments: Any) -> Any:
    """Date.prototype.toUTCString in V8's (RFC 7231) form."""
    _check_date(this)
    if this.value is jsdate.NaN:
        return "Invalid Date"
    y, m, d, h, mi, s, _ = (int(p) for p in _split_time(float(this.value)))
    year = f"{y:04d}" if y >= 0 else f"-{-y:06d}"
    weekday = _WEEKDAYS[(int(this.value) // _MS_PER_DAY) % 7]
    return f"{weekday}, {d:02d} {_MONTHS[m]} {year} {h:02d}:{mi:02d}:{s:02d} GMT"


def _split_time(t: float) -> list[float]:
    days, ms = divmod(int(t), _MS_PER_DAY)
    date = datetime.date(1970, 1, 1) + datetime.timedelta(days=days) if -719162 <= days <= 2932896 else None
    if date is None:  # outside Python's years 1-9999: walk from the civil-from-days formula
        z = days + 719468
        era = z // 146097
        doe = z - era * 146097
        yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        day = doy - (153 * mp + 2) // 5 + 1
        month = mp + 3 if mp < 10 else mp - 9
        year, month0, day0 = yoe + era * 400 + (month <= 2), month - 1, day
    else:
        year, month0, day0 = date.year, date.month - 1, date.day
    return [year, month0, day0, ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000]


def _utc_getter(index: int) -> Callable[..., Any]:
    """getUTC*: the calendar arithmetic in closed form (js2py's walks year by year: seconds for
    dates far from 1970)."""

    def getter(this: Any, arguments: Any) -> Any:
        _check_date(this)
        t = this.value
        if t is jsdate.NaN:
            return jsbase.NaN
        if index < 0:  # the day of the week
            return float((int(t) // _MS_PER_DAY + 4) % 7)
        return float(_split_time(float(t))[index])

    return getter


def _utc_setter(first: int, count: int) -> Callable[..., Any]:
    def setter(this: Any, arguments: Any) -> Any:
        _check_date(this)
        t = this.value
        if not isinstance(t, int | float) or t != t:
            if first != 0:
                return jsbase.NaN
            t = 0
        parts = _split_time(float(t))
        given = [float(arguments[str(i)].to_number().value) for i in range(min(len(arguments), count))]
        if not given:
            given = [math.nan]
        parts[first : first + len(given)] = given
        value = make_time(*parts)
        this.value = _time_value(value)
        return value

    return setter


def _check_date(this: Any) -> None:
    if this.Class != "Date" or this is jsdate.DatePrototype:
        raise jsbase.MakeError("TypeError", "this is not a Date object.")


def _date_method(method: Any) -> Callable[..., Any]:
    """Date.prototype's methods refuse Date.prototype itself: in js2py it is a Date whose time a
    setter would change for every program in the process (ES2015 made it an ordinary object)."""
    original = method.code

    def guarded(*args: Any) -> Any:
        _check_date(args[-2])
        return original(*args)

    return guarded


# --- objects ------------------------------------------------------------------------------------------
def _keys(obj: Any, this: Any, arguments: Any) -> Any:
    """Object.keys in JavaScript's order (js2py's was insertion order); a primitive is converted
    to an object first, as every engine since ES2015 does."""
    if obj.is_null() or obj.is_undefined():
        raise jsbase.MakeError("TypeError", "Cannot convert undefined or null to object")
    if isinstance(obj, jsbase.PyJsString):
        return [str(i) for i in range(len(obj.value))]
    return list(_js_order(obj)) if obj.is_object() else []


def _replace_code(function: Any, code: Callable[..., Any]) -> None:
    """Give a built-in function new code in place, so every reference to it (every context's
    globals, the frozen prototypes) sees the correction; its ``length`` and ``name`` stay."""
    function.code = code
    function.argcount = code.__code__.co_argcount - 2  # the declared parameters, then this and arguments


# --- functions -------------------------------------------------------------------------------------------
_original_call = jsbase.PyJsFunction.call


def _translated(function: Any) -> bool:
    """A function written in JavaScript (js2py's translation takes the scope as its last parameter)."""
    code = getattr(function.code, "__code__", None)
    return code is not None and code.co_argcount > 0 and code.co_varnames[code.co_argcount - 1] == "var"


def _call(self: Any, this: Any, args: Any = ()) -> Any:
    """A JavaScript function called with ``this`` null or undefined gets the global object, and a
    primitive ``this`` is boxed (ES5 10.4.3, non-strict code); js2py passed them through."""
    if this is not None and not this.is_object() and _translated(self):
        this = None if this.is_null() or this.is_undefined() else this.to_object()
    return _original_call(self, this, args)


_original_bound_init = jsbase.PyJsBoundFunction.__init__


def _bound_init(self: Any, target: Any, bound_this: Any, bound_args: Any) -> None:
    """A bound function's ``length`` is never negative and it has no ``prototype`` of its own."""
    _original_bound_init(self, target, bound_this, bound_args)
    length = max(0, int(target.get("length").to_int()) - len(bound_args))
    self.own["length"]["value"] = jsbase.Js(length)
    self.own.pop("prototype", None)


def _bound_create(self: Any, *args: Any) -> Any:
    """``new`` of a bound function constructs its target with the bound arguments (ES5
    15.3.4.5.2); js2py called the target with the bound ``this``."""
    return self.target.create(*(tuple(self.bound_args) + args))


# --- translation ---------------------------------------------------------------------------------------
_translation = threading.RLock()
_translating = threading.local()
_original_trans = translating_nodes.trans
_original_clean_stacks = translating_nodes.clean_stacks


def _trans(node: Any, *args: Any, **kwargs: Any) -> Any:
    """js2py's translator keeps its state in module globals (``Context``, ``inline_stack``): two
    threads translating at once corrupted each other's output. One translation at a time."""
    with _translation:
        depth = getattr(_translating, "depth", 0)
        if depth == 0:
            _original_clean_stacks()
        _translating.depth = depth + 1
        try:
            return _original_trans(node, *args, **kwargs)
        finally:
            _translating.depth = depth


def _copy(function: Any) -> Any:
    """A private copy of a built-in function, to call its original code after correcting it."""
    copy = jsbase.PyJsFunction(lambda: None, jsbase.FunctionPrototype)
    copy.code, copy.argcount = function.code, function.argcount
    return copy


def _method(holder: Any, name: str) -> Any:
    return holder.own[name]["value"]


def install() -> None:
    global _original_split
    # -0 is a number of its own: js2py's cache of small integers maps -0.0 to +0 (hash(-0.0) == hash(0)).
    jsbase.NUM_BANK.pop(0, None)
    jsbase.PyJsFunction.call = _call
    jsbase.PyJs.to_python = _to_python
    jsbase.PyJs.__call__ = _dunder_call
    js2py.translate_js = _translate_js
    jsbase.PyJsBoundFunction.__init__ = _bound_init
    jsbase.PyJsBoundFunction.create = _bound_create
    jsbase.FunctionPrototype.own.pop("prototype", None)  # Function.prototype.prototype is undefined
    jsbase.PyJsString.__iter__ = _string_keys
    translating_nodes.clean_stacks = lambda: None  # done by _trans, under its lock
    translating_nodes.trans = _trans
    jsbase.PyJs.__mod__ = _mod
    jsbase.PyJs.__div__ = jsbase.PyJs.__truediv__ = _div
    jsbase.PyJs.__neg__ = _neg
    jsbase.PyJs.__iter__ = _iterate
    jsbase.PyJs.to_number = _to_number
    jsbase.js_dtoa = number_to_string
    jsjson.to_js = _to_js
    jsjson.json = types.SimpleNamespace(loads=_json_loads, dumps=json.dumps)
    jsjson.walk = _walk
    _replace_code(_method(jsjson.JSON, "stringify"), _stringify)
    number = jsbase.NumberPrototype
    for name, code in (
        ("toFixed", _to_fixed),
        ("toExponential", _to_exponential),
        ("toPrecision", _to_precision),
        ("toString", _to_string),
    ):
        _replace_code(_method(number, name), code)
    _replace_code(_method(jsmath.Math, "pow"), _pow)
    _replace_code(_method(jsmath.Math, "min"), _math_min)
    _replace_code(_method(jsmath.Math, "max"), _math_max)
    for name, function in (("floor", math.floor), ("ceil", math.ceil), ("sqrt", math.sqrt)):
        _replace_code(_method(jsmath.Math, name), _float_math(function))
    _original_split = _copy(_method(jsbase.StringPrototype, "split"))
    _replace_code(_method(jsbase.StringPrototype, "split"), _split)
    _replace_code(_method(jsbase.StringPrototype, "replace"), _replace)
    _replace_code(jsfunctions.encodeURIComponent, _uri_encoder("-_.!~*'()"))
    _replace_code(jsfunctions.encodeURI, _uri_encoder("-_.!~*'();/?:@&=+$,#"))
    _replace_code(jsfunctions.decodeURIComponent, _uri_decoder(""))
    _replace_code(jsfunctions.decodeURI, _uri_decoder(_URI_RESERVED))
    _replace_code(jsfunctions.parseInt, _parse_int)
    _replace_code(jsfunctions.parseFloat, _parse_float)
    _replace_code(jsfunctions.escape, _escape)
    _replace_code(jsfunctions.unescape, _unescape)
    _replace_code(_method(jsbase.ArrayPrototype, "slice"), _slice)
    _replace_code(_method(jsbase.ArrayPrototype, "shift"), _shift)
    _replace_code(_method(jsbase.ArrayPrototype, "sort"), _sort)
    _replace_code(_method(jsbase.ArrayPrototype, "map"), _map)
    jsbase.REGEXP_CONVERTER._interpret_regexp = _interpret_regexp
    jsbase.REGEXP_DB.clear()
    _replace_code(_method(jsobject.Object, "keys"), _keys)
    _replace_code(_method(jsdate.Date, "UTC"), _utc)
    _replace_code(_method(jsdate.Date, "parse"), _date_parse)
    jsdate.parse_date = parse_date
    jsdate.date_constructor1 = _date_from_value
    _replace_code(_method(jsdate.DatePrototype, "toUTCString"), _to_utc_string)
    for name, method in list(jsdate.DatePrototype.own.items()):
        if name != "constructor" and method["value"].is_callable():
            method["value"].code = _date_method(method["value"])
    _replace_code(_method(jsdate.DatePrototype, "getUTCDay"), _utc_getter(-1))
    for first, name in enumerate(
        ("FullYear", "Month", "Date", "Hours", "Minutes", "Seconds", "Milliseconds")
    ):
        _replace_code(_method(jsdate.DatePrototype, f"getUTC{name}"), _utc_getter(first))
        count = {"FullYear": 3, "Hours": 4, "Minutes": 3, "Seconds": 2}.get(name, 1 if first != 1 else 2)
        _replace_code(_method(jsdate.DatePrototype, f"setUTC{name}"), _utc_setter(first, count))
    js2py.EvalJs().execute(CORRECTIONS)
