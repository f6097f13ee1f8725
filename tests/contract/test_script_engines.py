"""The ScriptEngine port on js2py and QuickJS: one conformance suite for both, a differential
test between them, the sandbox-escape proofs of concept, isolation, and the deadline in every
kind of thread the server runs code on."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.domain.ports import ScriptEngine
from chalicelib.domain.scripts import ScriptTimeout
from chalicelib.runtime.executor import PRELUDE

ENGINES = ["js2py", "quickjs"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> ScriptEngine:
    return wiring.script_engine(request.param)


def _eval(engine: ScriptEngine, body: str) -> Any:
    probe = f"function probe(arg) {{ return JSON.stringify((function () {{ {body} }})()); }}"
    program = engine.load((PRELUDE, probe), 5)
    return json.loads(program.call("probe", "null", 5))


# What server code observes; every line must give the same JSON on both engines, and it is
# what V8 gives (the expected value).
CONFORMANCE: list[tuple[str, Any]] = [
    (
        "return JSON.stringify([Math.round(2.5), Math.round(0.5), Math.round(-2.5), Math.round(1.4999)]);",
        "[3,1,-2,1]",
    ),
    ("return JSON.stringify({b: 1, a: {d: 1, c: 2}});", '{"b":1,"a":{"d":1,"c":2}}'),
    ('return JSON.stringify(JSON.parse(\'{"c":null,"a":[null,1]}\'));', '{"c":null,"a":[null,1]}'),
    ("return typeof Date.now();", "number"),
    ("return new Date(0).toISOString();", "1970-01-01T00:00:00.000Z"),
    ("return new Date(Date.UTC(2020, 1, 29, 23, 59, 58, 7)).toISOString();", "2020-02-29T23:59:58.007Z"),
    ("return JSON.stringify({when: new Date(1)});", '{"when":"1970-01-01T00:00:00.001Z"}'),
    (
        "var o = {b: 1, a: 2}; o['2'] = 1; o['1'] = 1; var k = []; for (var x in o) k.push(x); return k.join(',');",
        "1,2,b,a",
    ),
    ("return JSON.stringify(Object.assign({a: 1}, {b: 2}, null, {a: 3}));", '{"a":3,"b":2}'),
    ("return 'ab'.repeat(3);", "ababab"),
    ("return typeof Promise;", "function"),
    (
        "return [1, 2, 3].map(function (x) { return x * 2; }).filter(function (x) { return x > 2; }).join();",
        "4,6",
    ),
    ("return JSON.stringify(Object.keys({z: 1, y: 2}));", '["z","y"]'),
    ("try { null.x; } catch (e) { return e instanceof TypeError; }", True),
    ("return encodeURIComponent('a b/ü');", "a%20b%2F%C3%BC"),
    ("return /^(\\d+)-(\\w+)$/.exec('12-ab')[2];", "ab"),
    ("return JSON.stringify({u: undefined, f: function () {}, n: NaN});", '{"n":null}'),
    ("return parseInt('08', 10) + parseFloat('1.5');", 9.5),
]


@pytest.mark.parametrize(("body", "expected"), CONFORMANCE, ids=[str(i) for i in range(len(CONFORMANCE))])
def test_engines_agree_with_javascript(engine: ScriptEngine, body: str, expected: Any) -> None:
    assert _eval(engine, body) == expected


def test_differential_js2py_against_quickjs() -> None:
    """Scripts without a fixed expectation: both engines must answer the same."""
    scripts = [
        "var out = []; for (var i = 0; i < 50; i++) { out.push({id: i, sq: i * i, odd: i % 2 === 1}); } return JSON.stringify(out);",
        "var s = 0; for (var i = 1; i <= 1000; i++) { s += Math.round(i / 7); } return s;",
        "var words = 'the quick brown fox jumps over the lazy dog'.split(' '); var c = {}; words.forEach(function (w) { c[w] = (c[w] || 0) + 1; }); return JSON.stringify(c);",
        "return JSON.stringify([3, 1, 2].sort().concat(['b', 'a'].sort()).reverse());",
        "var d = new Date(Date.UTC(2024, 0, 31)); d.setUTCMonth(1); return d.toISOString();",
        "return JSON.stringify({nested: {list: [1, {x: null}], s: 'q\"uote'}}, null, 2);",
        "return ['a', 'b'].indexOf('b') + 'abc'.indexOf('c') + 'x,y'.split(',').length;",
        "var o = Object.create({inherited: 1}); o.own = 2; var k = []; for (var p in o) k.push(p); return k.join();",
        "return String(0.1 + 0.2) + '|' + (12.345).toFixed(2) + '|' + (255).toString(16);",
    ]
    js2py_engine, quickjs_engine = wiring.script_engine("js2py"), wiring.script_engine("quickjs")
    for script in scripts:
        assert _eval(js2py_engine, script) == _eval(quickjs_engine, script), script


ESCAPE_POC = """
function findpopen(o, depth) {
  if (depth > 6) { return null; }
  var subs = o.__subclasses__();
  for (var i = 0; i < subs.length; i++) {
    var item = subs[i];
    if (item.__module__ == 'subprocess' && item.__name__ == 'Popen') { return item; }
    if (item.__name__ != 'type') { var found = findpopen(item, depth + 1); if (found) { return found; } }
  }
  return null;
}
function viaPropertyNames() {
  try {
    var ga = Object.getOwnPropertyNames({}).__getattribute__;
    var popen = findpopen(ga('__class__').__base__, 0);
    return popen ? 'ESCAPED' : 'blocked';
  } catch (e) { return 'blocked: ' + e; }
}
function viaArrayBuffer() {
  try {
    var ga = new ArrayBuffer(1).__getattribute__;
    var popen = findpopen(ga('__class__').__base__, 0);
    return popen ? 'ESCAPED' : 'blocked';
  } catch (e) { return 'blocked: ' + e; }
}
"""


def test_the_escape_proofs_of_concept_work_on_stock_js2py() -> None:
    """The proofs are real: on an unpatched js2py (a fresh interpreter) they reach Popen."""
    script = textwrap.dedent(
        f"""
        import js2py
        ctx = js2py.EvalJs()
        ctx.execute({ESCAPE_POC!r})
        print(ctx.viaPropertyNames(), ctx.viaArrayBuffer())
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["ESCAPED", "ESCAPED"], out.stderr[-2000:]


def test_the_escape_proofs_of_concept_are_blocked(engine: ScriptEngine) -> None:
    program = engine.load((ESCAPE_POC,), 10)
    for proof in ("viaPropertyNames", "viaArrayBuffer"):
        assert program.call(proof, "", 10).startswith("blocked"), proof


def test_getownpropertynames_is_a_real_array(engine: ScriptEngine) -> None:
    assert _eval(engine, "return Object.getOwnPropertyNames({a: 1, b: 2}).join();") == "a,b"


def test_one_program_cannot_change_what_another_sees(engine: ScriptEngine) -> None:
    tamper = engine.load(
        (
            "function tamper() { Array.prototype.leak = 'A'; JSON.stringify = function () { return 'x'; };"
            " Math.random = function () { return 4; }; Object.prototype.polluted = 1;"
            " try { Object.defineProperty(Array.prototype, 'leak2', {value: 1}); } catch (e) {} return 'done'; }",
        ),
        5,
    )
    assert tamper.call("tamper", "", 5) == "done"
    other = engine.load(
        (
            "function look() { return [[].leak === undefined, [].leak2 === undefined,"
            " JSON.stringify({a: 1}) === '{\"a\":1}', Math.random() !== 4, ({}).polluted === undefined].join(); }",
        ),
        5,
    )
    assert other.call("look", "", 5) == "true,true,true,true,true"


def test_programs_do_not_share_globals(engine: ScriptEngine) -> None:
    first = engine.load(
        ("var counter = 0; function bump() { counter += 1; leaked = 'yes'; return String(counter); }",), 5
    )
    second = engine.load(("function peek() { return typeof counter + ',' + typeof leaked; }",), 5)
    assert first.call("bump", "", 5) == "1" and first.call("bump", "", 5) == "2"
    assert second.call("peek", "", 5) == "undefined,undefined"


# In-process limits (direct engine use; server code itself runs in sandbox workers, killed at
# their deadline: tests/functional/test_sandbox.py). A ceiling for a busy machine, not a speed.
CEILING = 60.0
LOOP = "function spin() { var i = 0; while (true) { try { i++; } catch (e) {} } }"


def _timed_spin(engine: ScriptEngine) -> float:
    program = engine.load((LOOP,), 5)
    started = time.monotonic()
    with pytest.raises(ScriptTimeout):
        program.call("spin", "", 0.3)
    return time.monotonic() - started


def test_the_deadline_stops_loops_on_the_main_thread(engine: ScriptEngine) -> None:
    assert threading.current_thread() is threading.main_thread()
    assert _timed_spin(engine) < CEILING


def test_the_deadline_stops_loops_on_request_threads(engine: ScriptEngine) -> None:
    """The local server and the local pump run code on threads other than the main one."""
    took: list[float] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            took.append(_timed_spin(engine))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CEILING)
    assert not errors and len(took) == 2 and max(took) < CEILING


def test_a_program_stays_usable_after_a_caught_error(engine: ScriptEngine) -> None:
    program = engine.load(("function f(x) { if (x === 'bad') { throw new Error('no'); } return 'ok'; }",), 5)
    from chalicelib.domain.scripts import ScriptFailure

    with pytest.raises(ScriptFailure):
        program.call("f", "bad", 5)
    assert program.call("f", "good", 5) == "ok"
