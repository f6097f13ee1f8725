"""ES5 programs for the differential test: a harness that encodes any result as JSON, a canary,
hand-written programs, and a seeded generator of small programs.

A program is the source of ``function main() { ... }``; the harness's ``run()`` calls it and
returns ``JSON.stringify`` of an encoding that keeps what JSON loses (``-0``, ``NaN``,
``Infinity``, ``undefined``, key order) and writes strings in ASCII (so lone surrogates cross
the engine boundary intact). A thrown error is encoded by its name only: messages differ
between engines and are not part of the contract.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

HARNESS = r"""
function encString(s) {
  if (/^[ -\[\]-~]*$/.test(s)) { return s; }
  var out = '';
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    out += (c >= 32 && c < 127 && c !== 92) ? s.charAt(i) : '\\u' + ('000' + c.toString(16)).slice(-4);
  }
  return out;
}
function enc(v, depth) {
  var t = typeof v;
  if (v === null || t === 'boolean') { return v; }
  if (t === 'number') {
    if (v !== v) { return {number: 'NaN'}; }
    if (v === Infinity || v === -Infinity) { return {number: String(v)}; }
    if (v === 0 && 1 / v < 0) { return {number: '-0'}; }
    return v;
  }
  if (t === 'string') { return encString(v); }
  if (t === 'undefined') { return {undefined: true}; }
  if (t === 'function') { return {function: true}; }
  if (depth > 8) { return {tooDeep: true}; }
  var tag = Object.prototype.toString.call(v);
  if (tag === '[object Array]') {
    var items = [];
    for (var i = 0; i < v.length; i++) { items.push(i in v ? enc(v[i], depth + 1) : {hole: true}); }
    return items;
  }
  if (tag === '[object Date]') { return {date: enc(v.getTime(), depth + 1)}; }
  if (tag === '[object RegExp]') { return {regexp: encString(String(v))}; }
  if (v instanceof Error) { return {error: v.name}; }
  var keys = Object.keys(v), pairs = [];
  for (var k = 0; k < keys.length; k++) { pairs.push([encString(keys[k]), enc(v[keys[k]], depth + 1)]); }
  return {object: pairs};
}
function run() {
  var value;
  try { value = enc(main(), 0); } catch (e) { value = {throws: (e && e.name) || String(e)}; }
  return JSON.stringify(value);
}
"""

ENTRY = "run"

# Run as a program of its own after every program, on the same engine: it reads values that a
# mutated shared object (js2py's cached numbers and one-character strings, Date.prototype, the
# frozen built-ins) would change. Self-contained (no harness), to keep it cheap.
CANARY = r"""
function run() {
  var small = [];
  for (var i = -3; i < 12; i++) { small.push(i); }
  var dateProto;
  try { dateProto = Date.prototype.getTime(); } catch (e) { dateProto = e.name; }
  return JSON.stringify([[1, 2].length, JSON.parse('[2,4]'), 2 + 2, -7 % 3, 7 % -3, 'abc'.toUpperCase(),
    'a' + 'b', small.join(), 0.5 + 0.25, String(1 / 0), String(-0), 1 / -0 === -Infinity,
    [3, 1, 2].sort().join(), 'x'.length, typeof 1, (10).toString(2), (1.5).toFixed(1),
    JSON.stringify({b: 1, a: [null]}), Math.max(1, 2), new Date(0).toISOString(), /a/.test('a'),
    [true, false, null, undefined].length, typeof undefined, NaN !== NaN, Infinity > 1e308,
    String((2).x), String('a'.y), String((3).z), new Date(5).getTime(), [, 1].length, dateProto]);
}
"""


def program(body: str) -> str:
    return "function main() {\n" + body + "\n}"


def _js(value: str) -> str:
    """A JavaScript string literal (ASCII, \\u escapes; lone surrogates included)."""
    return json.dumps(value, ensure_ascii=True)


# --- hand-written programs ----------------------------------------------------------------------
HAND_WRITTEN: list[str] = [
    program(body)
    for body in [
        # numbers
        "return [-0, 0 * -1, -0 + 0, -0 - 0, Math.round(-0.2), Math.round(-0.5), -1 % 1, -4 % 2, Math.ceil(-0.5), Math.min(0, -0), Math.max(-0, 0), Math.abs(-0), -0 * 5, 1 / -Infinity, Math.floor(-0)];",
        "return [String(-0), (-0).toFixed(2), JSON.stringify(-0), [-0].join(), -0 === 0, 1 / -0, Math.atan2(-0, 1)];",
        "return [-7 % 3, 7 % -3, -7 % -3, 7 % 3, 5.5 % 2, -5.5 % 2, 5 % 0, 5 % Infinity, -5 % Infinity, Infinity % 2, NaN % 2, 0 % 5, -0 % 5, 2147483648 % 3, -2147483649 % 7];",
        "return [1e21, 1e-7, 1.2345678901234568e20, 0.000001, 1.5e300, 5e-324, 1.7976931348623157e308, 1e16, 12345678901234567, 0.1 + 0.2, 100, 1e-6, 1.5e-7, -1e-7, 2e-7 * 3, 4.35, 0.000015];",
        "return [String(1e21), String(1e-7), String(1.2345678901234568e20), String(0.000001), String(1.5e300), String(5e-324), String(1e16), String(0.1 + 0.2), String(-1.5e-7), String(1e100), String(9007199254740993), '' + 2e-7 * 3];",
        "return [(1.005).toFixed(2), (2.5).toFixed(0), (-2.5).toFixed(0), (0.125).toFixed(2), (1e21).toFixed(2), (1.45).toFixed(1), (8.345).toFixed(2), (0).toFixed(3), (123.456).toFixed(20), (0.5).toFixed(0), (1.5).toFixed(0), (-0.0001).toFixed(2), (999.995).toFixed(2)];",
        "return [(255).toString(2), (-255).toString(36), (2147483648).toString(16), (9007199254740991).toString(36), (-0).toString(2), NaN.toString(16), (-Infinity).toString(8)];",
        "return [5 & 3, 5 | 3, 5 ^ 3, ~5, 1 << 31, -1 >>> 0, -16 >> 2, 1 << 32, 1 << -1, 2147483648 | 0, 4294967296.5 | 0, -2147483649 | 0, ~~3.7, ~~-3.7, NaN | 0, Infinity & 1, 1e21 | 0, -1 >>> 28, 7 >>> -1];",
        "return [Math.pow(2, 10), Math.pow(-8, 1 / 3), Math.pow(1, Infinity), Math.pow(-1, Infinity), Math.pow(0, -1), Math.pow(-0, -1), Math.pow(-0, -3), Math.pow(NaN, 0), Math.pow(2, -1074), Math.pow(10, 21), Math.pow(-2, 3), Math.sqrt(-1), Math.sqrt(-0)];",
        "return [(123.456).toExponential(2), (0).toExponential(), (1e21).toExponential(3), (-1.5).toExponential(0), (123.456).toPrecision(4), (0.000123).toPrecision(2), (123456).toPrecision(2), (1.25).toPrecision(2), (1.35).toPrecision(2)];",
        "return [parseInt('0x1f'), parseInt('  -12px'), parseInt(''), parseInt('1e3'), parseFloat('1e3x'), parseFloat('.5'), parseFloat('-.5e-3'), Number(''), Number(' 12 '), Number('0x10'), Number('1,5'), +'Infinity', +'-0', 1 / +'-0', parseInt('-0'), 1 / parseInt('-0')];",
        "return [isNaN('abc'), isFinite('12'), Number.MAX_VALUE, Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY, 0.1 * 3, 1 / 3, 2 / 3, 10 / 3, -1 / 3];",
        # strings and unicode
        "var s = '\\ud83d\\ude00'; return [s.length, s.charCodeAt(0), s.charCodeAt(1), s.charCodeAt(2), s.charAt(0), s.slice(1), s.split(''), String.fromCharCode(0xd83d, 0xde00) === s, s.toUpperCase() === s];",
        "return ['b'.localeCompare('a'), 'a'.localeCompare('b'), 'a'.localeCompare('a'), 'abc'.localeCompare('abd'), 'ab'.localeCompare('abc'), ''.localeCompare('a')];",
        "return ['\\u00df'.toUpperCase(), '\\u0130'.toLowerCase().length, 'ABC'.toLowerCase(), '\\u00e9'.toUpperCase(), 'a\\u0301'.length, ' \\t\\n x \\u00a0'.trim(), '\\ufeffx'.trim()];",
        "return ['a,b,,c'.split(','), 'abc'.split(''), 'a1b2c3'.split(/\\d/), 'a1b2c3'.split(/(\\d)/), 'abc'.split(',', 0), 'a,b,c'.split(',', 2), ''.split(','), ''.split('')];",
        "return ['abcdef'.slice(-2), 'abcdef'.substring(4, 1), 'abcdef'.substr(-3, 2), 'abc'.charAt(5), 'abc'.charCodeAt(-1), 'abcabc'.lastIndexOf('b'), 'abc'.indexOf(''), 'abc'.indexOf('', 10), 'abc'.concat(1, null)];",
        "return [encodeURIComponent('\\ud83d\\ude00 &='), decodeURIComponent('%F0%9F%98%80'), encodeURI('http://x/a b?c=d&e'), escape ? 'escape' : '', String.fromCharCode(65, 66.7, 65536 + 67)];",
        # JSON
        "return [JSON.stringify({b: 1, a: 2, 1: 3, 0: 4}), JSON.stringify([undefined, function () {}, NaN, -0, Infinity]), JSON.stringify({u: undefined, n: null})];",
        "return [JSON.stringify('\\u2028\\u2029'), JSON.stringify('\\ud800'), JSON.stringify('\\u00fc\\u0001\\u001f\\u007f'), JSON.stringify('\\b\\f\\n\\r\\t\"\\\\/'), JSON.stringify('\\ud83d\\ude00')];",
        "return [JSON.stringify({a: [1, {b: 2}], c: 'x'}, null, 2), JSON.stringify([1, [2, []], {}], null, '--'), JSON.stringify({a: 1, b: 2, c: {a: 3, d: 4}}, ['a', 'c']), JSON.stringify({a: 1}, null, 20)];",
        "return [JSON.stringify({a: 5, b: 's'}, function (k, v) { return typeof v === 'number' ? v * 2 : v; }), JSON.parse('[1, 2]', function (k, v) { return typeof v === 'number' ? v + 1 : v; })];",
        'var o = JSON.parse(\'{"b":1,"a":null,"2":true,"1":[{"z":"\\\\u00fc"}]}\'); return [Object.keys(o), o, JSON.parse(\'"\\\\ud83d\\\\ude00"\').length, JSON.parse(\' 1e3 \'), JSON.parse(\'-0\')];',
        "var r = []; var bad = ['{a:1}', '[1,]', \"'x'\", '01', 'NaN', '', '{\"a\":1}x']; for (var i = 0; i < bad.length; i++) { try { JSON.parse(bad[i]); r.push('parsed'); } catch (e) { r.push(e.name); } } return r;",
        "return [JSON.stringify(new Date(Date.UTC(2020, 1, 29))), JSON.stringify({d: new Date(0)}), JSON.stringify({toJSON: function () { return 42; }}), JSON.stringify('a', null, 2), JSON.stringify(null), JSON.stringify(undefined)];",
        # Date in UTC
        "var d = new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)); return [d.getTime(), d.toISOString(), d.getUTCDay(), d.getUTCDate(), d.getUTCMonth(), d.getUTCFullYear(), d.getUTCMilliseconds()];",
        "return [Date.UTC(99, 0), Date.UTC(1900, 0), Date.UTC(2020, 12, 1), Date.UTC(2020, -1, 1), Date.UTC(2020, 0, 0), Date.UTC(2020, 0, 1, 24), Date.UTC(-1, 0), Date.UTC(275760, 8, 13), Date.UTC(275760, 8, 13, 0, 0, 0, 1)];",
        "return [Date.parse('2020-02-29T12:34:56.789Z'), Date.parse('2020-02-29T12:34:56Z'), Date.parse('2020-02-29'), Date.parse('1970-01-01T00:00:00.000+01:00'), new Date('2021-03-04T05:06:07.008Z').getTime(), Date.parse('+002020-01-01T00:00:00Z')];",
        "var d = new Date(Date.UTC(2024, 0, 31)); d.setUTCMonth(1); var e = new Date(0); e.setUTCFullYear(2000, 1, 29); e.setUTCHours(25); return [d.toISOString(), e.toISOString(), new Date(8.64e15).toISOString(), new Date(-1).toISOString(), new Date(Date.UTC(-1, 0)).toISOString()];",
        "var r = []; try { new Date(8.64e15 + 1).toISOString(); } catch (e) { r.push(e.name); } r.push(new Date(NaN).getTime(), isNaN(new Date('garbage')), new Date(8.64e15 + 1).getTime(), String(new Date(NaN)), JSON.stringify({d: new Date(NaN)})); return r;",
        # arrays
        "var a = [{k: 1, v: 'a'}, {k: 0, v: 'b'}, {k: 1, v: 'c'}, {k: 0, v: 'd'}, {k: 1, v: 'e'}, {k: 0, v: 'f'}, {k: 2, v: 'g'}, {k: 0, v: 'h'}, {k: 1, v: 'i'}, {k: 0, v: 'j'}, {k: 1, v: 'k'}, {k: 0, v: 'l'}]; return a.sort(function (x, y) { return x.k - y.k; }).map(function (x) { return x.v; }).join('');",
        "return [[10, 9, 1, 2, 100].sort(), ['b', undefined, 'a', 'B'].sort(), [3, 1, 2].sort(function () { return 0; }), [1, 2, 3].sort(function (a, b) { return b - a; }), [-0, 0, -1].sort()];",
        "var a = [1, 2, 3, 4, 5]; var r = [a.splice(-2), a.slice()]; r.push(a.splice(1, 0, 'x', 'y'), a.slice(), a.splice(0), a.slice(), [1, 2, 3].splice(1), [1, 2, 3].splice(), [1, 2, 3].splice(undefined, 1), [1, 2, 3].splice(1, -1), [1, 2, 3].splice(10, 1, 9)); return r;",
        "var a = [1, 2, 3]; var b = new Array(3); return [a.length, 1 in a, b.join('x'), 1 in b, [].concat(a, [4], 5), [NaN].indexOf(NaN), [1, 2, 1].lastIndexOf(1, -2), Array.isArray(a), [3, 4].reverse()];",
        "var a = [1, 2, 3]; a.length = 1; var b = [1]; b[5] = 6; var c = [1, 2, 3]; return [a, b.length, b, c.push(4, 5), c.pop(), c.shift(), c.unshift(0), c, [].pop(), [[1, 2], [3]].join(';'), [null, undefined, 1].join()];",
        "return [[1, 2, 3].reduce(function (s, x) { return s + x; }), [1, 2, 3].reduceRight(function (s, x) { return s + x; }, ''), [1, 2, 3].map(function (x, i, arr) { return x * i + arr.length; }), [1, 2, 3, 4].filter(function (x) { return x % 2; }), [1, 2].some(function (x) { return x > 1; }), [1, 2].every(function (x) { return x > 1; })];",
        "var r = []; try { [].reduce(function () {}); } catch (e) { r.push(e.name); } try { new Array(-1); } catch (e) { r.push(e.name); } r.push(new Array(2, 3), Array.prototype.slice.call({0: 'a', 1: 'b', length: 2}), Array.prototype.join.call('abc', '+')); return r;",
        # regular expressions
        "var re = /(\\d+)-(\\w+)?/g; var s = '12-ab 34- 56-c'; var m, r = []; while ((m = re.exec(s)) !== null) { r.push([m[0], m[1], m[2], m.index, re.lastIndex]); } return r;",
        "return ['aaa'.replace(/a/g, '$&$&'), 'abc'.replace(/(b)/, '[$1|$`|$\\'|$$]'), 'abc'.replace('b', '$&$&'), 'a-b-c'.replace(/-/g, function (m, i) { return i; }), 'x'.replace(/(y)?x/, '[$1]'), 'John Smith'.replace(/(\\w+)\\s(\\w+)/, '$2, $1')];",
        "return ['abc'.match(/b/), 'abcb'.match(/b/g), 'abc'.match(/z/), 'abc'.search(/c/), /^\\w+$/.test('\\u00fc'), /\\d/.test('\\u0663'), /\\s/.test('\\u00a0'), /\\s/.test('\\ufeff'), /./.test('\\n'), /[^]/.test('\\n'), /^a$/m.test('b\\na'), /a$/.test('a\\n')];",
        "return [/(a)|(b)/.exec('b'), /(a)?b\\1/.exec('b'), /(?:a|ab)(c|bcd)(d*)/.exec('abcd'), /a{2,}/.exec('aaaa'), /a+?/.exec('aaa'), /(?=(a+))a*b\\1/.exec('baaabac'), /\\bfoo\\b/i.exec('a FOO b'), /[\\b]/.test('\\b')];",
        "var re = /a/g; var r = [re.test('aa'), re.lastIndex, re.test('aa'), re.lastIndex, re.test('aa'), re.lastIndex]; var re2 = /x/; return [r, re2.source, re2.global, String(/a\\/b/), String(new RegExp('a'))];",
        "return ['a1b22c333'.split(/\\d+/), 'test'.split(/(?:)/), 'a,b;c'.split(/[,;]/), 'ab'.split(/a*?/), 'ab'.split(/a*/)];",
        # closures and this
        "var fs = []; for (var i = 0; i < 3; i++) { fs.push(function () { return i; }); } var gs = []; for (var j = 0; j < 3; j++) { gs.push((function (k) { return function () { return k; }; })(j)); } return [fs[0](), fs[2](), gs[0](), gs[2]()];",
        "function counter() { var n = 0; return {inc: function () { return ++n; }, get: function () { return n; }}; } var a = counter(), b = counter(); a.inc(); a.inc(); b.inc(); return [a.get(), b.get()];",
        "var o = {v: 1, f: function () { return this.v; }}; var g = o.f; var p = {v: 2, f: o.f}; return [o.f(), p.f(), g.call({v: 3}), g.apply({v: 4}, []), g.bind({v: 5})(), g.bind({v: 5}).call({v: 6}), typeof (function () { return this; })(), (0, o.f)() === undefined];",
        "function F(x) { this.x = x; } F.prototype.get = function () { return this.x; }; function G() { return {y: 1}; } var f = new F(7); return [f.get(), f instanceof F, f.constructor === F, new G().y, new G() instanceof G, Object.getPrototypeOf(f) === F.prototype, f.hasOwnProperty('get'), 'get' in f];",
        "function outer() { return inner(); function inner() { return typeof later; } var later = 1; } var h = function fact(n) { return n < 2 ? 1 : n * fact(n - 1); }; return [outer(), h(10), typeof fact, (function () { return arguments.length; })(1, 2, 3)];",
        "var r = []; (function () { try { undefinedVariable; } catch (e) { r.push(e.name); } try { null.x; } catch (e) { r.push(e.name); } try { (void 0)(); } catch (e) { r.push(e.name); } try { throw {code: 1}; } catch (e) { r.push(e.code); } finally { r.push('finally'); } })(); return r;",
        "var o = {}; Object.defineProperty(o, 'x', {get: function () { return 42; }, enumerable: false}); var p = Object.create(o); p.y = 1; var q = Object.freeze({z: 1}); q.z = 2; return [o.x, Object.keys(o), p.x, Object.keys(p), q.z, Object.isFrozen(q), Object.getOwnPropertyNames(p)];",
        "var o = {b: 1, a: 2}; o[10] = 3; o[2] = 4; o['-1'] = 5; o['01'] = 6; delete o.b; o.b = 7; var k = []; for (var x in o) { k.push(x); } return [Object.keys(o), k, JSON.stringify(o)];",
        "var s = 0; label: for (var i = 0; i < 5; i++) { for (var j = 0; j < 5; j++) { if (j === 3) { continue label; } if (i === 3) { break label; } s += i * j; } } var w = 0; do { w++; } while (w < 3); switch (w) { case 2: s = -1; break; case 3: s += 100; default: s += 1000; } return [s, w];",
        # shared state: what one program does here must not reach the canary that follows
        "var r = []; try { Date.prototype.setTime(5); r.push('set'); } catch (e) { r.push(e.name); } try { Date.prototype.setUTCFullYear(2000); r.push('set'); } catch (e) { r.push(e.name); } undefined = 1; NaN = 2; Infinity = 3; r.push(typeof undefined, NaN !== NaN, Infinity > 1e308); var two = 2; two.x = 1; var s = 'a'; s.y = 1; (function () { this.z = 1; }).call(3); r.push(two.x, (2).x, s.y, 'a'.y, (3).z, -7 % 3, -0 * 1, 2 - 4); return r;",
        "return [typeof null, typeof [], typeof undefined, typeof function () {}, typeof NaN, null == undefined, null === undefined, '1' == 1, 0 == '', [] + [], [] + {}, 1 + '2' - 1, '3' * '4', true + 1, [2] * [3], null + 1, undefined + 1];",
        # objects, functions, errors, coercion, operators (a second round of probes)
        "var o = {get x() { return 1; }, set x(v) { this.y = v; }}; o.x = 5; return [o.x, o.y, Object.keys(o), JSON.stringify(o)];",
        "var o = Object.create({p: 1}, {a: {value: 2, enumerable: true}, b: {value: 3}}); return [Object.keys(o), o.b, o.p, 'p' in o, o.hasOwnProperty('p'), o.propertyIsEnumerable('b'), JSON.stringify(Object.getOwnPropertyDescriptor(o, 'a'))];",
        "var o = {a: 1}; delete o.a; var arr = [1, 2, 3]; delete arr[1]; return [o.a, 'a' in o, arr.length, 1 in arr, arr, Object.keys(arr), Object.keys('ab')];",
        "function f(a, b, c) { return [this && this.t, a, b, c, arguments.length]; } var g = f.bind({t: 1}, 'x'); return [g('y'), g.length, f.length, f.call(null, 1)[0] === undefined, f.apply({t: 2}, {length: 2, 0: 'p', 1: 'q'})];",
        "function P(a) { this.a = a; } var B = P.bind(null, 5); var b = new B(); return [b.a, b instanceof P, typeof B.prototype];",
        "return [new Error('x').message, String(new TypeError('m')), new RangeError('r').name, new Error('x') instanceof Error, new TypeError() instanceof Error, String(new Error()), Error('q').message, Object.prototype.toString.call(new Error())];",
        "function MyErr(m) { this.message = m; } MyErr.prototype = new Error(); MyErr.prototype.name = 'MyErr'; try { throw new MyErr('boom'); } catch (e) { return [e.name, e.message, String(e), e instanceof Error, e instanceof MyErr]; }",
        "return [[1, 2, 3].indexOf(3, -1), [1, 2, 3].indexOf(1, -10), [1, 2, 1].lastIndexOf(1, -3), [1, [2, [3]]].concat([[4]]).length, [1, 2].join(undefined), [1, 2, 3, 4, 5].reverse(), String([1, [2, 3]]), Array(3).length, Array('3'), [].toString(), [null, [undefined]].toString()];",
        "var r = []; [1, 2].forEach(function (x) { r.push(this.k + x); }, {k: 10}); return [r, [1, 2].every(function (x) { return x > this.m; }, {m: 0}), [].reduce(function (a, b) { return a + b; }, undefined), [[1, 2], [3]].reduce(function (a, b) { return a.concat(b); })];",
        "return [' \\u00a0\\ufeff\\u2028x\\u3000 '.trim(), 'abc'.indexOf('c', -5), 'abcabc'.lastIndexOf('c', 3), 'abc'.substr(-2), 'a-b'.match(/(\\w)-(\\w)/), 'a.b'.search('.'), 'abc'.search('c'), 'x'.concat([1, 2], {}), 'abc'[1], 'abc'['length']];",
        "return [(25).toString(undefined), (function () { try { return Number.prototype.toString.call('x'); } catch (e) { return e.name; } })(), (255).toString(16.9), Number('  0x1F  '), Number('1e'), Number('-Infinity'), Number('infinity'), Number(null), Number([5]), Number([1, 2]), Number({}), Number(true)];",
        "var o = {a: [], b: {}, c: [[]], d: [{}]}; return [JSON.stringify(o, null, 2), JSON.stringify([], null, 2), JSON.stringify({}, null, 2), JSON.stringify({'a\"b': 1, '\\n': 2}), JSON.stringify([new Number(3), new String('s'), new Boolean(false)])];",
        "function T() {} T.prototype.toJSON = function () { return 'T!'; }; return [JSON.stringify({t: new T()}), JSON.stringify([1, 2], function (k, v) { return k === '0' ? undefined : v; }), JSON.stringify({a: 1, b: [1, 2]}, function (k, v) { return k === 'a' ? undefined : v; })];",
        "var a = []; a[4294967294] = 1; var b = []; b['2'] = 1; var c = [1, 2, 3]; c.length = 0; return [a.length, b.length, c, Array.prototype.concat.call(1, 2).length, [1, 2, 3].slice(-2, -1), [1, 2, 3].slice(5)];",
        "var s = 0; for (var k in [5, 6, 7]) { s += k; } var t = []; for (var q in 'ab') { t.push(q); } var u = []; for (var z in {length: 1, 0: 'x'}) { u.push(z); } return [s, t, u];",
        "var x = 1; function f() { return x; var x = 2; } var y = (function () { return typeof g; function g() {} })(); return [f(), y, typeof h, (function () { if (true) { function h2() { return 1; } } return typeof h2; })()];",
        "var n = 0; var o = {valueOf: function () { n++; return 5; }}; var r = [o + 1, o * 2, o > 4, '' + o, n]; return r;",
        "return [1 < 2 < 3, 3 > 2 > 1, '10' < '9', 10 < '9', 'a' < 'b', null >= 0, undefined == 0, NaN == NaN, [1] == 1, [1, 2] == '1,2', ({}) == '[object Object]', 0 === -0];",
        "return [typeof typeof 1, void 0, (1, 2), !!'0', !!'', !!NaN, -'3', +[], +{}, +[1], ~'5', '5' - - '2', '5' + - '2', 1 / '0', -1 / '0'];",
        "var i = 0; var a = [i++, i++, ++i, i--, i]; var b = 5; b += 3; b -= 2; var c = 2; c *= c + 1; var d = 7; d %= 3; var e = 1; e <<= 3; var f = -16; f >>>= 28; return [a, b, c, d, e, f];",
        "return [Math.max(), Math.min(), Math.max(1, '3', null), Math.max(1, undefined), Math.abs('-2'), Math.round('2.5'), Math.floor(-1.5), Math.ceil(1.2), Math.round(2.4999999999999996), Math.round(-2.5), Math.round(0.49999999999999994), Math.round(1e16 + 1)];",
        "return [0.1 + 0.7, 1.1 * 3, 0.3 - 0.1, 9007199254740992 + 1, 9007199254740993 + 0, 2e308 - 2e308, 5 / 2, -5 / 2, 7 / -0, 0 / 0, 1e308 * 10, 4.35 * 100, 1.15 * 100];",
        "return [(0.000001234).toString(), (1e-7).toFixed(10), (123.456).toFixed(1), (-1.5e-10).toExponential(3), (0.1).toPrecision(21), (1e21).toPrecision(3), (5e-324).toExponential(), (1.7976931348623157e308).toFixed(0).length, (1.45).toFixed(1), (1.55).toFixed(1), (0.5).toExponential(0), (2.5).toExponential(0)];",
        # regular expressions, array-likes, case mapping, keys, dates, inheritance (a third round)
        "return [/ü/i.test('Ü'), /[a-z]/i.test('K'), /\\u212a/i.test('k'), /(?=(\\d))\\d/.exec('a1')[1], /a(?!b)/.exec('abac').index, new RegExp('a+', 'g').global, new RegExp('[').source];",
        "var re = /a/; re.lastIndex = 5; var r = [re.test('a'), re.lastIndex]; var g = /a/g; g.lastIndex = 5; r.push(g.test('aaaaaa'), g.lastIndex, g.test('a'), g.lastIndex); return r;",
        "return ['aBc'.replace(/b/i, '$0'), 'abc'.replace(/(?:b)/, '$1'), 'abc'.replace(/(b)/, '$01$2'), 'abcdefghijk'.replace(/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)/, '$11-$10-$1'), 'aaa'.replace(/a*?/g, '-'), 'abc'.replace(/$/, '!'), 'a\\nb'.replace(/^/gm, '>')];",
        "return [Array.prototype.map.call('abc', function (c) { return c + c; }), Array.prototype.indexOf.call({length: 2, 0: 'x', 1: 'y'}, 'y'), Array.prototype.join.call({length: 3, 1: 'm'}, '-'), Array.prototype.slice.call('hey', 1), Array.prototype.filter.call('a1b2', function (c) { return c > '9'; })];",
        "return ['\\u0130'.toLowerCase(), '\\u0131'.toUpperCase(), '\\u01c5'.toUpperCase(), '\\u01c5'.toLowerCase(), '\\u1e9e'.toLowerCase(), 'ﬀ'.toUpperCase(), '\\u03a3\\u03a3'.toLowerCase(), 'A\\u03a3'.toLowerCase(), '\\u00b5'.toUpperCase()];",
        "return [JSON.parse('[1e400, -1e400, 123456789012345678901234567890, 0.1e1, 1E2]'), JSON.parse('{\"a\":1,\"a\":2}').a, (function () { try { return JSON.parse('\\u00a0 1'); } catch (e) { return e.name; } })(), (function () { try { return JSON.parse('\"\\t\"'); } catch (e) { return e.name; } })(), JSON.parse('\"\\\\u0041\\\\/\"')];",
        "var o = {}; o['1.5'] = 1; o['2'] = 2; o['-0'] = 3; o['1e3'] = 4; o['0'] = 5; o['4294967295'] = 6; o['4294967294'] = 7; return Object.keys(o);",
        "return ['abc'.split('', 2), 'a,b,c'.split(/,/, -1), 'abc'.split(/(?:)/, 2), 'a1b'.split(/(\\d)/, 2), 'test'.split('t'), 'ab'.split(undefined), 'ab'.split(undefined, 0)];",
        "var d = new Date(2020, 0, 1); return [typeof d.getTimezoneOffset(), new Date(Date.UTC(2020, 5, 15, 12)).toUTCString(), new Date(0).toUTCString(), new Date(Date.UTC(-50, 0)).getUTCFullYear(), new Date(1e12).valueOf(), +new Date(5), new Date(new Date(7)).getTime()];",
        "return [String(null), String(undefined), String(true), String([1, [2, 3]]), String({}), String(function () {}).length > 0, String(-0), String([null]), String([undefined, 1]), ({}).toString(), Object.prototype.toString.call(null), Object.prototype.toString.call([]), Object.prototype.toString.call('s'), Object.prototype.toString.call(1)];",
        "var s = ''; for (var i = 0; i < 300; i++) { s += String.fromCharCode(i * 97 % 65536); } return [s.length, encodeURIComponent(s.slice(0, 130)), escape('a b\\u0100'), unescape('%u0041%20')];",
        "return [[3, 20, 100].sort(), ['b', 'a', 'c'].sort().reverse(), [true, false].sort(), [undefined, 3, null, 1].sort(), [[2], [1, 5], [1]].sort(), ['\\u00e9', 'e', 'f', 'E'].sort()];",
        "var a = [5, 1, 4]; var sorted = a.sort(function (x, y) { return x - y; }); return [sorted === a, a, [1, 2, 3].sort(function (x, y) { return NaN; }), [2, 1].sort(undefined)];",
        "var calls = 0; var o = {}; Object.defineProperty(o, 'g', {get: function () { calls++; return calls; }, enumerable: true}); return [o.g, o.g, JSON.stringify(o), Object.keys(o), calls];",
        "var o = Object.freeze({a: 1, n: {b: 2}}); o.a = 9; o.c = 3; o.n.b = 8; delete o.a; var s = Object.seal({x: 1}); s.x = 2; s.y = 3; delete s.x; return [o.a, o.c, o.n.b, s.x, s.y, Object.isSealed(s), Object.isExtensible(s)];",
        "function A() {} A.prototype.hi = function () { return 'A'; }; function B() { A.call(this); } B.prototype = Object.create(A.prototype); B.prototype.constructor = B; B.prototype.hi = function () { return 'B' + A.prototype.hi.call(this); }; var b = new B(); return [b.hi(), b instanceof A, Object.getPrototypeOf(Object.getPrototypeOf(b)) === A.prototype, A.prototype.isPrototypeOf(b)];",
        "var fib = function (n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }; var memo = {}; function m(n) { if (n in memo) { return memo[n]; } return memo[n] = n < 2 ? n : m(n - 1) + m(n - 2); } return [fib(15), m(80), Object.keys(memo).length];",
    ]
]

# --- the generator --------------------------------------------------------------------------------
NUMBERS = [
    *("0", "-0", "1", "-1", "2", "3", "-3", "7", "-7", "10", "0.5", "-0.5", "1.5", "2.5", "-2.5"),
    *("0.1", "0.2", "0.125", "1.005", "123.456", "-123.456", "255", "1024", "16383", "16384"),
    *("-1024", "-1025", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295"),
    *("4294967296", "9007199254740991", "9007199254740993", "1e16", "1e21", "1e-7", "0.000001"),
    *("1e300", "5e-324", "1.7976931348623157e308", "NaN", "Infinity", "-Infinity", "1e-6"),
    # Not 1.2345678901234568e20: QuickJS (2021) reads the 21 digits it prints back misrounded.
    *("1.5e20", "0.30000000000000004", "4.35", "1.45", "999.995", "-0.0001"),
]
BINARY = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>"]
# Math functions whose results are exact or correctly rounded by IEEE 754 (sin, exp, log and
# the like are excluded: their last bit differs between libm and V8's fdlibm port, which is
# not an engine bug).
MATH_UNARY = ["floor", "ceil", "round", "abs", "sqrt"]
STRINGS = [
    *("", "a", "abc", "ABC", "b", "Hello, World", "a,b,,c", "  pad  ", "tab\there", 'quo"te'),
    *("back\\slash", "\u00df", "\u00fc", "\u00e9", "e\u0301", "\ud83d\ude00", "x\ud83d", "\ude00y"),
    *("\u2028", "\u0130", "\u0000", "\u00a0x\u00a0", "aXbXc", "1,2,3", "abcabc"),
]
WORDS = ["", "a", "ab", "abc", "abd", "b", "ba", "z", "zz", "hello", "help"]
KEYS = ["a", "b", "z", "1", "0", "10", "2", "-1", "01", "k y", "\u00fc", "x\ud83d"]
PATTERNS = [
    *("/a+/", "/(a)(b)?/", "/\\d+/g", "/\\w+/g", "/\\s+/", "/^\\w/", "/(\\w)\\1/", "/[a-c]+/gi"),
    *("/x*/g", "/\\bab/g", "/(?:ab)+/", "/a(?=b)/g", "/(?!a)\\w/", "/[^a]/g", "/a|ab/", "/\\./"),
    *("/^$/", "/b$/m", "/(a|b)*c/", "/a.c/", "/[\\s\\S]{2}/g", "/(\\d)(\\d)?/g"),
]
# QuickJS (2021) splits a capture that did not participate into the string "undefined" (V8 and
# ES5: undefined); patterns with optional groups are not used with split.
OPTIONAL_GROUPS = {"/(a)(b)?/", "/(a|b)*c/", "/(\\d)(\\d)?/g"}
REGEXP_INPUTS = ["aab", "abc abc", "12 ab 345", "foo bar\nbaz", "", "aabb", "a.c abc", "xyz", "ab\nb", "b"]


def _number(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(NUMBERS)
    if roll < 0.7:
        return str(rng.randint(-20000, 20000))
    if roll < 0.9:
        return repr(round(rng.uniform(-1000, 1000), rng.randint(0, 6)))
    return f"{rng.randint(1, 9)}.{rng.randint(0, 999)}e{rng.randint(-30, 30)}"


def _paren(text: str) -> str:
    return f"({text})"


def _arith(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth <= 0 or roll < 0.3:
        return _paren(_number(rng))
    if roll < 0.75:
        return _paren(f"{_arith(rng, depth - 1)} {rng.choice(BINARY)} {_arith(rng, depth - 1)}")
    if roll < 0.85:
        return _paren(rng.choice(["-", "~", "+", "!"]) + _arith(rng, depth - 1))
    if roll < 0.95:
        return f"Math.{rng.choice(MATH_UNARY)}({_arith(rng, depth - 1)})"
    # Math.pow only where the result is exact: for other arguments V8's pow and the C library's
    # (QuickJS, Python) differ in the last bit, which is not an engine bug.
    if rng.random() < 0.5:
        exponent = rng.choice(["0", "-0", "1", "NaN", "Infinity", "-Infinity"])
        return f"Math.pow({_arith(rng, depth - 1)}, {exponent})"
    return f"Math.pow({rng.randint(-9, 9)}, {rng.randint(0, 12)})"


def _arithmetic_program(rng: random.Random) -> str:
    lines = [f"var v{i} = {_arith(rng, rng.randint(1, 3))};" for i in range(3)]
    return program(" ".join(lines) + " return [v0, v1, v2, String(v0), '' + v1, v2 + ''];")


def _formatting_program(rng: random.Random) -> str:
    x = _number(rng)
    out = [f"String({x})", f"({x}).toFixed({rng.randint(0, 20)})", f"({x}).toFixed()"]
    # toString(radix) of integers only: for fractions V8 searches the shortest digits that read
    # back to the same number, while QuickJS (2021) prints fractions in base 10 whatever the radix.
    integer = rng.choice(
        [str(rng.randint(-(2**53), 2**53)), str(rng.randint(-5000, 5000)), "NaN", "-Infinity"]
    )
    out.append(f"({integer}).toString({rng.randint(2, 36)})")
    out.append(f"({x}).toExponential({rng.randint(0, 20)})")
    out.append(f"({x}).toPrecision({rng.randint(1, 21)})")
    rng.shuffle(out)
    return program("return [" + ", ".join(out[:4]) + "];")


def _string_op(rng: random.Random, s: str) -> str:
    t = _js(rng.choice(STRINGS))
    i, j = rng.randint(-3, 8), rng.randint(-3, 8)
    ops = [
        f"{s}.length",
        f"{s}.charCodeAt({i})",
        f"{s}.charAt({i})",
        f"{s}.indexOf({t})",
        f"{s}.lastIndexOf({t})",
        f"{s}.slice({i}, {j})",
        f"{s}.slice({i})",
        f"{s}.substring({i}, {j})",
        f"{s}.substr({i}, {j})",
        f"{s}.toUpperCase()",
        f"{s}.toLowerCase()",
        f"{s}.split({t})",
        f"{s}.split({t}, {abs(j)})",
        f"{s}.concat({t})",
        f"{s} + {t}",
        f"{s}.trim()",
        f"{s}.replace({t}, 'R$&')",
        f"{s} < {t}",
        f"String.fromCharCode({', '.join(str(rng.randint(0, 0xFFFF)) for _ in range(3))})",
        f"encodeURIComponent({s})",
    ]
    return rng.choice(ops)


def _string_program(rng: random.Random) -> str:
    s = _js(rng.choice(STRINGS))
    # localeCompare is compared by sign on lower-case ASCII words only: with ICU (Node) case and
    # accents sort by locale rules, while QuickJS and js2py compare code units.
    a, b = _js(rng.choice(WORDS)), _js(rng.choice(WORDS))
    ops = [_string_op(rng, s) for _ in range(3)]
    ops.append(f"Math.max(-1, Math.min(1, {a}.localeCompare({b})))")
    return program(f"return [{', '.join(ops)}];")


def _value(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth <= 0 or roll < 0.45:
        return rng.choice(
            [
                "null",
                "true",
                "false",
                "undefined",
                _number(rng),
                _js(rng.choice(STRINGS)),
                "new Date(Date.UTC(2020, 1, 29, 1, 2, 3, 4))",
                "function () {}",
            ]
        )
    if roll < 0.7:
        return "[" + ", ".join(_value(rng, depth - 1) for _ in range(rng.randint(0, 4))) + "]"
    keys = rng.sample(KEYS, rng.randint(0, 4))
    return "{" + ", ".join(f"{_js(k)}: {_value(rng, depth - 1)}" for k in keys) + "}"


def _json_program(rng: random.Random) -> str:
    value = _value(rng, 3)
    indent = rng.choice(["2", "'\\t'", "0", "''", "'ab'", "12"])
    keys = ", ".join(_js(k) for k in rng.sample(KEYS, 2))
    return program(
        f"var v = {value};"
        f" var s = JSON.stringify(v); var back = s === undefined ? 'none' : JSON.parse(s);"
        f" return [s, JSON.stringify(v, null, {indent}), JSON.stringify(v, [{keys}]), back];"
    )


def _date_program(rng: random.Random) -> str:
    year = rng.choice([1970, 2000, 2020, 2024, 1900, 99, 0, 1969, 2100, 2038, rng.randint(1600, 2400)])
    parts = [
        year,
        rng.randint(-2, 13),
        rng.randint(0, 32),
        rng.randint(0, 25),
        rng.randint(0, 61),
        rng.randint(0, 61),
        rng.randint(0, 1001),
    ]
    args = ", ".join(str(p) for p in parts[: rng.randint(2, 7)])
    setter = rng.choice(
        [
            f"d.setUTCDate({rng.randint(-1, 32)})",
            f"d.setUTCMonth({rng.randint(-1, 12)})",
            f"d.setUTCFullYear({rng.randint(1960, 2050)})",
            f"d.setUTCHours({rng.randint(-1, 48)}, {rng.randint(0, 59)})",
            f"d.setUTCMinutes({rng.randint(-61, 61)})",
            f"d.setUTCSeconds({rng.randint(0, 120)}, {rng.randint(0, 999)})",
            f"d.setUTCMilliseconds({rng.randint(-1000, 2000)})",
            f"d.setTime({rng.randint(-(10**13), 10**13)})",
        ]
    )
    return program(
        f"var t = Date.UTC({args}); var d = new Date(t);"
        f" var r = [t, d.toISOString(), d.getUTCDay(), d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(),"
        f" d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()];"
        f" r.push({setter}, d.toISOString(), Date.parse(d.toISOString()), JSON.stringify(d), d.valueOf());"
        " return r;"
    )


def _array_literal(rng: random.Random) -> str:
    pool = [str(rng.randint(-20, 120)) for _ in range(4)] + ["'a'", "'b'", "'B'", "'10'", "'9'", "null"]
    return "[" + ", ".join(rng.choice(pool) for _ in range(rng.randint(0, 9))) + "]"


def _array_program(rng: random.Random) -> str:
    a = _array_literal(rng)
    i, j = rng.randint(-6, 10), rng.randint(-2, 6)
    items = ", ".join(str(rng.randint(0, 9)) for _ in range(rng.randint(0, 3)))
    ops = [
        "a.sort()",
        # comparators must be consistent (a total order), or the result is implementation-defined
        "a.sort(function (x, y) { x = typeof x + x; y = typeof y + y; return x < y ? -1 : x > y ? 1 : 0; })",
        "a.sort(function (x, y) { return (+x || 0) - (+y || 0); })",
        f"a.splice({i}, {j}{', ' if items else ''}{items})",
        f"a.splice({i})",
        f"a.slice({i}, {j})",
        "a.reverse()",
        f"a.join({_js(rng.choice([',', '', ' - ', 'x']))})",
        f"a.indexOf({rng.randint(-20, 120)})",
        f"a.lastIndexOf('a', {i})",
        f"a.concat({_array_literal(rng)}, {rng.randint(0, 9)})",
        f"a.push({items})",
        "a.pop()",
        "a.shift()",
        f"a.unshift({items})",
        "a.map(function (x, k) { return x + k; })",
        "a.filter(function (x) { return typeof x === 'number' && x > 50; })",
        "a.reduce(function (s, x) { return s + ',' + x; }, '')",
        f"(a.length = {rng.randint(0, 10)})",
    ]
    chosen = ", ".join(f"{rng.choice(ops)}, a.slice()" for _ in range(3))
    # Stability: a sort by one key with many ties keeps the earlier order (ES2019, all engines).
    keyed = ", ".join(f"{{k: {rng.randint(0, 3)}, i: {n}}}" for n in range(rng.randint(0, 14)))
    return program(
        f"var a = {a}; var r = [{chosen}];"
        f" r.push([{keyed}].sort(function (x, y) {{ return x.k - y.k; }})"
        ".map(function (x) { return x.i; }).join()); return r;"
    )


def _regexp_program(rng: random.Random) -> str:
    re = rng.choice(PATTERNS)
    s = _js(rng.choice(REGEXP_INPUTS))
    ops = [
        f"{re}.test({s})",
        f"{re}.exec({s})",
        f"{s}.match({re})",
        f"{s}.replace({re}, '<$&|$1>')",
        f"{s}.replace({re}, function (m, g1) {{ return '[' + m + ':' + g1 + ']'; }})",
        f"{s}.search({re})",
        f"(function () {{ var re = {re}; var out = []; for (var n = 0; n < 4; n++) {{"
        f" var m = re.exec({s}); out.push(m && m.index, re.lastIndex); if (!re.global) {{ break; }} }}"
        " return out; })()",
    ]
    if re not in OPTIONAL_GROUPS:
        ops.append(f"{s}.split({re})")
    return program("return [" + ", ".join(rng.sample(ops, 3)) + "];")


def _closure_program(rng: random.Random) -> str:
    n, k1, k2 = rng.randint(1, 5), rng.randint(-9, 9), rng.randint(-9, 9)
    templates = [
        f"var fs = []; for (var i = 0; i < {n}; i++) {{ fs.push(function () {{ return i * {k1}; }}); }}"
        " return fs.map(function (f) { return f(); });",
        f"var fs = []; for (var i = 0; i < {n}; i++) {{ fs.push((function (j) {{ return function () {{ return j + {k1}; }}; }})(i)); }}"
        " return fs.map(function (f) { return f(); });",
        f"function make(start) {{ var n = start; return function (d) {{ n += d; return n; }}; }}"
        f" var a = make({k1}), b = make({k2}); return [a({n}), a({n}), b(1), a(0)];",
        f"var o = {{v: {k1}, f: function () {{ return this.v; }}}}; var g = o.f;"
        f" return [o.f(), g.call({{v: {k2}}}), g.apply({{v: {n}}}), g.bind({{v: {k2}}})(), [o][0].f()];",
        f"function P(x) {{ this.x = x; }} P.prototype.add = function (y) {{ return this.x + y; }};"
        f" var p = new P({k1}); var add = p.add; return [p.add({k2}), add.call({{x: {n}}}, 1), p instanceof P];",
        f"var self = {{n: {k1}, run: function () {{ var that = this; return [{n}, {k2}].map(function (x) {{ return that.n + x; }}); }}}};"
        " return self.run();",
        f"function f() {{ return arguments.length + ':' + Array.prototype.slice.call(arguments).join(); }}"
        f" return [f(), f({k1}), f.apply(null, [{k1}, {k2}, {n}]), f.call(null, {n})];",
    ]
    return program(rng.choice(templates))


OPERANDS = [
    *("null", "undefined", "true", "false", "''", "'0'", "'1'", "' 12 '", "'abc'", "'1e3'", "'0x1f'"),
    *(
        "0",
        "-0",
        "1",
        "NaN",
        "Infinity",
        "-1.5",
        "[]",
        "[0]",
        "[1, 2]",
        "{}",
        "{valueOf: function () { return 7; }}",
    ),
    *("{toString: function () { return '5'; }}", "'\\u00e9'", "'b'", "'B'", "'10'", "'9'"),
]
# No Date among the operands: its string form is local time with a zone name that differs by
# engine ("(Coordinated Universal Time)" in Node, none in QuickJS, "(UTC)" in js2py).
COMPARISONS = ["==", "!=", "===", "!==", "<", "<=", ">", ">=", "+", "-", "*", "/", "&&", "||"]


def _coercion_program(rng: random.Random) -> str:
    pairs = [f"({rng.choice(OPERANDS)}) {rng.choice(COMPARISONS)} ({rng.choice(OPERANDS)})" for _ in range(4)]
    x = rng.choice(OPERANDS)
    pairs += [rng.choice([f"String({x})", f"Number({x})", f"!!({x})", f"typeof ({x})", f"[{x}].join()"])]
    return program("return [" + ", ".join(pairs) + "];")


NUMERIC_TEXT = [
    "",
    " ",
    "-",
    "+",
    ".",
    "0",
    "1",
    "7",
    "9",
    "e",
    "E",
    "x",
    "a",
    "f",
    "z",
    "_",
    "Infinity",
    "\\t",
]


def _parsing_program(rng: random.Random) -> str:
    text = _js("".join(rng.choice(NUMERIC_TEXT) for _ in range(rng.randint(0, 6))).replace("\\t", "\t"))
    radix = rng.choice(["", ", 10", ", 16", ", 2", ", 36", ", 0", ", 1", ", 37", ", 8"])
    return program(
        f"var s = {text}; return [parseInt(s{radix}), parseFloat(s), Number(s), +s, s * 1, isNaN(s)];"
    )


GENERATORS: list[tuple[int, Callable[[random.Random], str]]] = [
    (6, _arithmetic_program),
    (4, _formatting_program),
    (4, _string_program),
    (3, _json_program),
    (2, _date_program),
    (3, _array_program),
    (3, _regexp_program),
    (1, _closure_program),
    (2, _coercion_program),
    (1, _parsing_program),
]


def radix_cases(seed: int, count: int) -> list[str]:
    """``x.toString(radix)`` of fractions, huge and tiny numbers in every radix but 10."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        x = rng.choice(
            [
                repr(rng.uniform(-1000, 1000)),
                f"{rng.randint(-4096, 4096)} / {2 ** rng.randint(0, 30)}",
                repr(rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)),
                repr(float(rng.randint(-(2**60), 2**60))),
            ]
        )
        cases.append(f"({x}).toString({rng.choice([r for r in range(2, 37) if r != 10])})")
    return cases


def generate(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    weights = [weight for weight, _ in GENERATORS]
    makers = [maker for _, maker in GENERATORS]
    return [rng.choices(makers, weights)[0](rng) for _ in range(count)]
