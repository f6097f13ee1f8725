"""Differential conformance: js2py and QuickJS compute what Node computes.

The same batch of ES5 programs (hand-written ones, and ``KARAKURI_DIFF_COUNT`` programs, 2,000 by
default, generated from ``KARAKURI_DIFF_SEED``, fixed by default; see es5_programs.py) runs on Node — once, one process, each program in its own
``vm`` context — and in-process on both Python engines, each program loaded as its own program.
After every program a canary runs as another program of the same engine: its answer must never
change, so an engine whose operators or built-ins mutate shared state is caught. A failure
names the seed and shows each differing program's source with every engine's answer.

Longer runs: ``KARAKURI_DIFF_SEED=7 KARAKURI_DIFF_COUNT=20000 .venv/bin/pytest tests/contract/test_differential.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.domain.scripts import ScriptFailure, ScriptTimeout
from tests.contract import es5_programs as es5

SEED = int(os.environ.get("KARAKURI_DIFF_SEED", "20261130"))
COUNT = int(os.environ.get("KARAKURI_DIFF_COUNT", "2000"))
NODE_RUNNER = Path(__file__).with_name("differential_node.js")
# Ceilings for one program, not expectations: a program that hits one is reported as failed.
SECONDS = 10.0
SHOWN = 5
ENGINES = ["js2py", "quickjs"]


@dataclass(frozen=True)
class Batch:
    programs: list[str]
    node: list[Any]
    node_canary: Any
    results: dict[str, list[Any]]
    canaries: dict[str, list[Any]]


def _decode(outcome: dict[str, Any]) -> Any:
    if "result" not in outcome:
        return {"failure": outcome["failure"]}
    # Integers as floats: a number's value is compared here, its digits where a program prints them.
    return json.loads(outcome["result"], parse_int=float)


def _start_node(programs: list[str]) -> Callable[[], list[Any]]:
    """Node evaluates the batch in another process while the Python engines run here."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("the differential test needs Node (node on PATH)")
    batch = {"harness": es5.HARNESS, "entry": es5.ENTRY, "programs": programs, "canary": es5.CANARY}
    process = subprocess.Popen(
        [node, str(NODE_RUNNER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    done: dict[str, tuple[str, str]] = {}
    talk = threading.Thread(target=lambda: done.setdefault("out", process.communicate(json.dumps(batch))))
    talk.start()

    def outcomes() -> list[Any]:
        talk.join(600)
        if talk.is_alive():
            process.kill()
            pytest.fail("Node did not finish the batch within 600 s")
        stdout, stderr = done["out"]
        assert process.returncode == 0, stderr[-2000:]
        return [_decode(outcome) for outcome in json.loads(stdout)]

    return outcomes


def _run_engine(name: str, programs: list[str]) -> tuple[list[Any], list[Any]]:
    """Each program, then the canary, each loaded as a program of its own."""
    engine = wiring.script_engine(name)

    def run(*sources: str) -> Any:
        try:
            program = engine.load(sources, SECONDS)
            return _decode({"result": program.call(es5.ENTRY, "", SECONDS)})
        except ScriptTimeout:
            return {"failure": "timeout"}
        except ScriptFailure as error:
            return {"failure": str(error).split(":")[0]}
        except Exception as error:  # an engine bug that escapes as a Python error is a difference too
            return {"failure": f"Python {type(error).__name__}"}

    results, canaries = [], []
    for source in programs:
        results.append(run(es5.HARNESS, source))
        canaries.append(run(es5.CANARY))
    return results, canaries


@pytest.fixture(scope="module")
def batch() -> Batch:
    programs = es5.HAND_WRITTEN + es5.generate(SEED, COUNT)
    node = _start_node(programs)
    results, canaries = {}, {}
    for engine in ENGINES:
        results[engine], canaries[engine] = _run_engine(engine, programs)
    node_canary, *node_results = node()
    return Batch(programs, node_results, node_canary, results, canaries)


def _report(engine: str, batch: Batch, results: list[Any]) -> str:
    wrong = [i for i, (got, want) in enumerate(zip(results, batch.node, strict=True)) if got != want]
    lines = [f"{engine} differs from Node on {len(wrong)} of {len(batch.programs)} programs (seed {SEED}):"]
    for i in wrong[:SHOWN]:
        lines += [
            f"--- program {i}:",
            batch.programs[i],
            f"  node:   {json.dumps(batch.node[i])}",
            f"  {engine}: {json.dumps(results[i])}",
        ]
    return "\n".join(lines)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_computes_what_node_computes(batch: Batch, engine: str) -> None:
    assert batch.results[engine] == batch.node, _report(engine, batch, batch.results[engine])


@pytest.mark.parametrize("engine", ENGINES)
def test_no_program_changes_what_the_next_program_of_its_engine_computes(batch: Batch, engine: str) -> None:
    changed = [i for i, canary in enumerate(batch.canaries[engine]) if canary != batch.node_canary]
    assert not changed, (
        f"{engine}: the canary changed after program {changed[0]} (seed {SEED}):\n"
        f"{batch.programs[changed[0]]}\n  node:   {json.dumps(batch.node_canary)}\n"
        f"  {engine}: {json.dumps(batch.canaries[engine][changed[0]])}"
    )


def test_the_batch_holds_the_hand_written_and_generated_programs(batch: Batch) -> None:
    assert len(batch.programs) == len(es5.HAND_WRITTEN) + COUNT
    assert COUNT >= 2000 or "KARAKURI_DIFF_COUNT" in os.environ
    assert all("failure" not in outcome for outcome in batch.node), "every program runs on Node"


def test_js2py_writes_numbers_in_any_radix_as_node_does() -> None:
    """Fractions in radix 2-36 (V8's digits), outside the three-way batch because QuickJS (2021)
    writes fractions in base 10 whatever the radix."""
    program = es5.program("return [" + ", ".join(es5.radix_cases(SEED, 300)) + "];")
    node, *_ = _start_node([program])()[1:]
    (js2py,), _ = _run_engine("js2py", [program])
    assert js2py == node, (
        f"seed {SEED}:\n{program}\n  node:  {json.dumps(node)}\n  js2py: {json.dumps(js2py)}"
    )


def test_js2py_translates_programs_on_several_threads_at_once() -> None:
    """js2py's translator keeps its state in module globals; concurrent translations used to
    corrupt each other (the local server runs server code on request threads)."""
    engine = wiring.script_engine("js2py")
    wrong: list[str] = []

    def work(thread: int) -> None:
        for n in range(25):
            k = thread * 1000 + n  # a new source every time: no translation comes from the cache
            source = (
                f"function f() {{ var out = []; for (var i = 0; i < 3; i++) {{"
                f" out.push((function (j) {{ return function () {{ return j * {k}; }}; }})(i)); }}"
                " return String(out.map(function (g) { return g(); })); }"
            )
            try:
                answer = engine.load((source,), SECONDS).call("f", "", SECONDS)
            except Exception as error:
                answer = repr(error)
            if answer != f"0,{k},{2 * k}":
                wrong.append(answer)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(3)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads take turns often, as on a busy server
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert not wrong, wrong[:3]


@pytest.mark.parametrize("engine", ENGINES)
def test_strings_beyond_the_bmp_cross_the_engine_boundary_as_in_javascript(engine: str) -> None:
    """In JavaScript 😀 is two code units, in the argument, the source and JSON alike, and a
    string handed back is text UTF-8 can encode (a lone surrogate escaped by JSON.stringify)."""
    program = wiring.script_engine(engine).load(
        (
            "function f(a) { var o = JSON.parse(a); return JSON.stringify("
            "[a.length, o.e.length, '\\ud83d\\ude00', '😀'.length, '\\ud800x', o]); }",
        ),
        SECONDS,
    )
    answer = program.call("f", '{"e": "😀"}', SECONDS)
    assert answer == '[11,2,"😀",2,"\\ud800x",{"e":"😀"}]'
    answer.encode("utf-8")
