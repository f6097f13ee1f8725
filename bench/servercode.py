"""Server code on js2py and QuickJS, side by side in one run (interleaved), under the same
in-process moto:

1. a trivial endpoint, warm (the program is loaded; no I/O): the cost of an execution;
2. a CPU-heavy endpoint: build 1,000 objects and JSON.stringify them;
3. an SDK-heavy endpoint: 10 object saves through the admin context, against 10 direct
   ObjectService.create calls (what each SDK save wraps);
4. the first execution of a newly deployed 20 KB file: translate/compile it, load the
   prelude and the file into a new program, run once.

    .venv/bin/python bench/servercode.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
from dataclasses import replace
from functools import partial

from common import clock, save, summary

CODE = r"""
function trivial(params, context) { return 1; }
function cpu(params, context) {
  var items = [];
  for (var i = 0; i < 1000; i++) {
    items.push({id: 'item-' + i, n: i, square: i * i, even: i % 2 === 0,
                tags: ['a', 'b'], nested: {v: i / 3}});
  }
  return JSON.stringify(items).length;
}
function sdk(params, context, done) {
  var bucket = context.getAppAdminContext().bucketWithName('bench');
  var i = 0;
  function next() {
    if (i === 10) { done(i); return; }
    var obj = bucket.createObject();
    obj.set('n', i); obj.set('label', 'x');
    i += 1;
    obj.save().then(next, function (e) { done('failed: ' + e.message); });
  }
  next();
}
"""


def big_file(marker: str) -> str:
    """About 20 KB of ES5: many small helpers and an endpoint that calls one."""
    parts = [f"// {marker}\n"]
    n = 0
    while sum(len(p) for p in parts) < 20 * 1024:
        parts.append(
            f"function helper{n}(a, b) {{\n  var out = [];\n"
            f"  for (var i = 0; i < a; i++) {{ out.push(b + i * {n}); }}\n"
            f"  return out.length ? out[out.length - 1] : null;\n}}\n"
        )
        n += 1
    parts.append("function first(params, context) { return helper7(3, 1); }\n")
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from moto import mock_aws

    from chalicelib import config, wiring
    from chalicelib.domain.events import Caller, Causation
    from chalicelib.domain.models import Principal
    from chalicelib.domain.scopes import Scope
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions
    from chalicelib.runtime.executor import Executor, Invocation
    from chalicelib.runtime.host import Host

    moto_patches.install()
    engines = ("js2py", "quickjs")
    samples: dict[str, list[float]] = {}
    with mock_aws():
        settings = replace(
            config.Settings(), scrypt_log2_n=4, data_table="bench-data", events_table="bench-events"
        )
        wiring.provision_tables(settings, table_definitions())
        container = wiring.build_for_aws(settings)
        app = container.apps.create("bench")
        host = Host(container.auth, container.users, container.groups, container.objects, container.things)
        executors = {
            name: Executor(wiring.sandbox(replace(settings, script_engine=name)), host, 60)
            for name in engines
        }
        anonymous = Caller(Principal("anonymous", app.app_id), Causation("server_code"))
        admin = Caller(Principal("admin", app.app_id), Causation("server_code"))

        def run(engine: str, endpoint: str, source: str = CODE, version: str = "v1") -> None:
            outcome = executors[engine].run(
                Invocation(
                    app.app_id, app.app_key, "http://localhost/api", version, source, endpoint, {}, anonymous
                )
            )
            assert outcome.succeeded, outcome.error_message

        def direct_saves() -> None:
            for i in range(10):
                container.objects.create(
                    admin, Scope(app.app_id, "app"), "bench", {"n": i, "label": "x"}, None
                )

        def first_execution(engine: str) -> None:
            marker = secrets.token_hex(8)  # a new file: nothing cached for it
            run(engine, "first", big_file(marker), marker)

        for engine in engines:  # warm up: load the programs, translate the prelude once
            for endpoint in ("trivial", "cpu", "sdk"):
                run(engine, endpoint)
        for _ in range(args.runs):
            for engine in engines:
                samples.setdefault(f"trivial, warm: {engine}", []).append(
                    clock(partial(run, engine, "trivial"))
                )
            for engine in engines:
                samples.setdefault(f"cpu 1,000 objects + JSON: {engine}", []).append(
                    clock(partial(run, engine, "cpu"))
                )
            for engine in engines:
                samples.setdefault(f"sdk 10 saves: {engine}", []).append(clock(partial(run, engine, "sdk")))
            samples.setdefault("sdk 10 saves: direct ObjectService.create", []).append(clock(direct_saves))
            for engine in engines:
                samples.setdefault(f"first execution of a new 20 KB file: {engine}", []).append(
                    clock(partial(first_execution, engine))
                )
    wiring.close_sandboxes()
    wiring.reset()

    results = {label: summary(values) for label, values in samples.items()}
    direct = results["sdk 10 saves: direct ObjectService.create"]["median_ms"]
    print(
        f"server code, runs={args.runs}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, in-process moto"
    )
    print(f"{'':48} {'median ms':>10} {'p95 ms':>8} {'vs other':>9}")
    for label, row in results.items():
        prefix, _, engine = label.rpartition(": ")
        other = {"js2py": "quickjs", "quickjs": "js2py"}.get(engine)
        ratio = ""
        if other:
            ratio = f"{row['median_ms'] / results[f'{prefix}: {other}']['median_ms']:8.1f}x"
        print(f"{label:48} {row['median_ms']:10.3f} {row['p95_ms']:8.3f} {ratio:>9}")
    for engine in engines:
        per_save = results[f"sdk 10 saves: {engine}"]["median_ms"] / direct
        print(f"one SDK save on {engine} costs {per_save:.2f}x the ObjectService.create it wraps")
        results[f"sdk save vs service call: {engine}"] = {"ratio": per_save}
    save("servercode", results)


if __name__ == "__main__":
    main()
