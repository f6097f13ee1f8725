"""Kii's server environment on js2py and QuickJS, interleaved, in memory:

1. an endpoint that does nothing, against one that calls ``$.ajax`` once (GET, JSON) to a local
   HTTP server: the cost of an outbound round trip through the host;
2. ``require('underscore')`` and one ``_.map``: the per-execution cost of underscore;
3. the fresh top-level state an execution gets (``reset``), with and without underscore in the
   prelude — off the latency path, but CPU each execution pays.

    .venv/bin/python bench/servercode_env.py [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import replace
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from common import clock, save, summary

CODE = r"""
function nothing(params, context) { return 1; }
function ajax(params, context, done) {
  $.ajax({ url: params.base + '/json', dataType: 'json' }).done(function (d) { done(d.ok); });
}
function underscore(params, context) {
  var _ = require('underscore');
  return _.map([1, 2, 3], _.identity).length;
}
"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the host's pool reuses its connection
    disable_nagle_algorithm = True  # or the body waits for a delayed ACK (40 ms)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        data = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from chalicelib import config, wiring
    from chalicelib.adapters.js2py_engine import Js2PyEngine
    from chalicelib.adapters.quickjs_engine import QuickJsEngine
    from chalicelib.domain.events import Caller, Causation
    from chalicelib.domain.models import Principal
    from chalicelib.runtime.executor import PRELUDE, Executor, Invocation
    from chalicelib.runtime.host import Host

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings = replace(
        config.Settings(scrypt_log2_n=4), outbound_allow=f"127.0.0.1:{server.server_address[1]}"
    )
    container = wiring.build_in_memory(settings)
    app = container.apps.create("bench")
    host = Host(
        container.auth,
        container.users,
        container.groups,
        container.objects,
        container.things,
        wiring.outbound(settings),
    )
    engines = ("js2py", "quickjs")
    executors = {e: Executor(wiring.sandbox(replace(settings, script_engine=e)), host, 60) for e in engines}
    caller = Caller(Principal("anonymous", app.app_id), Causation("server_code"))

    def run(engine: str, endpoint: str) -> None:
        invocation = Invocation(
            app.app_id, app.app_key, "http://localhost/api", "v1", CODE, endpoint, {"base": base}, caller
        )
        outcome = executors[engine].run(invocation)
        assert outcome.succeeded, outcome.error_message

    samples: dict[str, list[float]] = {}
    try:
        for engine in engines:
            for endpoint in ("nothing", "ajax", "underscore"):
                run(engine, endpoint)
        for _ in range(args.runs):
            for engine in engines:
                for endpoint in ("nothing", "ajax", "underscore"):
                    samples.setdefault(f"{endpoint}: {engine}", []).append(
                        clock(partial(run, engine, endpoint))
                    )
        bare = PRELUDE.split("/* underscore ")[0]
        for name, engine_class in (("js2py", Js2PyEngine), ("quickjs", QuickJsEngine)):
            engine_obj = engine_class()
            for label, prelude in (("with underscore", PRELUDE), ("without underscore", bare)):
                program = engine_obj.realm((prelude,), None).add(CODE, None)
                for _ in range(args.runs):
                    samples.setdefault(f"reset {label}: {name}", []).append(
                        clock(partial(program.reset, None))
                    )
    finally:
        wiring.close_sandboxes()
        server.shutdown()
        server.server_close()
        thread.join(10)

    results = {label: summary(values) for label, values in samples.items()}
    for label, figures in results.items():
        print(f"{label:40} median {figures['median_ms']:8.2f} ms   p95 {figures['p95_ms']:8.2f} ms")
    save("servercode_env", results)


if __name__ == "__main__":
    main()
