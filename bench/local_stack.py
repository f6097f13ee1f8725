"""The local stack as `make run` runs it (`chalice local --stage local` in its own process,
on free ports, with an empty state dir): idle CPU, then 8 concurrent clients writing objects
into a bucket with a trivial hook.

    .venv/bin/python bench/local_stack.py [--clients 8] [--writes 100] [--idle 30] [--engine js2py]
        [--rate WRITES_PER_S] [--variants direct,boto3] [--profile PREFIX]

``--variants`` runs the stack once per variant, one after the other, for side-by-side ratios
(``boto3``: the stack reaches its embedded DynamoDB through boto3 as before, ``direct``: through
moto's handler, adapters/moto_direct.py); ``--rate`` paces the clients to show whether the hooks keep
up (the backlog in each half of the writing window); ``--profile`` records the stack with py-spy.

Prints and saves (bench/results/local_stack.json): the stack's CPU while idle (from
/proc/PID/stat), object writes/s (8 clients, each write a full HTTP request), hooks drained/s
(from the first write to the last execution finished), the stream pump's backlog over time
(GET /local/health) and write -> hook start latency percentiles (the object's `_created` to the
execution's `startedAt`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import ROOT, percentiles, save

from chalicelib.local.server import chalice_local

HOOK = "function seen(params, context, done) { done(params.objectID); }"
HOOKS = json.dumps(
    {
        "kiicloud://buckets/bench": [
            {"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "seen"}
        ]
    }
)
TICKS = os.sysconf("SC_CLK_TCK")


def request(url: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(
        urllib.request.Request(url, data=data, headers=headers), timeout=120
    ) as reply:
        return json.loads(reply.read() or b"null")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def group_cpu_seconds(pgid: int, but: int) -> float:
    """CPU of the stack's other processes (sandbox workers, the broker): its process group."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and int(stat.parent.name) != but:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def start(state: Path, engine: str, variant: str) -> tuple[subprocess.Popen[str], int, list[str]]:
    command, local_env = chalice_local(Path(sys.executable).parent, state)
    port = int(local_env["KARAKURI_LOCAL_PORT"])
    env = {**os.environ, **local_env, "KARAKURI_SCRIPT_ENGINE": engine, **VARIANTS[variant]}
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Serving on" in line:
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(300) or process.poll() is not None:
        raise SystemExit("the stack did not start:\n" + "".join(lines))
    return process, port, lines


def executions(base: str, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    key = ""
    while True:
        page = request(
            f"{base}/hooks/executions?trigger=DATA_OBJECT_CREATED&bestEffortLimit=200{key}", token=token
        )
        found.extend(page["executions"])
        if "nextPaginationKey" not in page:
            return found
        key = f"&paginationKey={page['nextPaginationKey']}"


VARIANTS = {
    # How the stack reaches its embedded DynamoDB (KARAKURI_LOCAL_DYNAMODB, adapters/moto_direct.py).
    "direct": {"KARAKURI_LOCAL_DYNAMODB": "direct"},
    "boto3": {"KARAKURI_LOCAL_DYNAMODB": "boto3"},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--writes", type=int, default=100, help="per client")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measurement")
    parser.add_argument("--engine", default="js2py")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="writes/s of all clients together (0: as fast as they can)"
    )
    parser.add_argument(
        "--variants",
        default="direct",
        help=f"comma-separated, run one after the other for side-by-side ratios: {', '.join(VARIANTS)}",
    )
    parser.add_argument(
        "--profile", help="record the stack under load with py-spy (collapsed stacks) into PROFILE.VARIANT"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {
        "clients": args.clients,
        "writes_per_client": args.writes,
        "engine": args.engine,
        "rate": args.rate or "as fast as possible",
        "load_average_before": os.getloadavg()[0],
    }
    for variant in args.variants.split(","):
        results[variant] = run(args, variant)
    results["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))
    save("local_stack", results)


def run(args: argparse.Namespace, variant: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as state_dir:
        state = Path(state_dir)
        process, port, _ = start(state, args.engine, variant)
        try:
            time.sleep(3)  # let start-up work settle before the idle window
            before = cpu_seconds(process.pid)
            time.sleep(args.idle)
            idle = (cpu_seconds(process.pid) - before) / args.idle * 100
            results["idle_cpu_percent_of_a_core"] = round(idle, 2)
            print(f"{variant}: idle {idle:.2f} % of a core over {args.idle:.0f} s", flush=True)

            app = json.loads((state / "local-app.json").read_text())
            code, hooks = state / "bench.js", state / "hooks.json"
            code.write_text(HOOK)
            hooks.write_text(HOOKS)
            karakuri = str(Path(sys.executable).parent / "karakuri")
            subprocess.run(
                [
                    karakuri,
                    "servercode",
                    "deploy",
                    str(code),
                    "--hook-config",
                    str(hooks),
                    "--state-dir",
                    str(state),
                ],
                check=True,
                capture_output=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's chalicelib
            )
            base = f"{app['baseURL']}/apps/{app['appID']}"
            token = request(
                f"{base}/oauth2/token", {"client_id": app["clientID"], "client_secret": app["clientSecret"]}
            )["access_token"]
            health = f"http://127.0.0.1:{port}/local/health"
            backlog: list[tuple[float, int]] = []
            writing = threading.Event()
            writing.set()

            def watch() -> None:
                while writing.is_set():
                    backlog.append((time.monotonic(), int(request(health)["pump"]["backlog"])))
                    time.sleep(0.5)

            created: dict[str, int] = {}

            def client(n: int) -> None:
                for i in range(args.writes):
                    if args.rate:  # paced: client n's i-th write is due at (i * clients + n) / rate
                        time.sleep(max(0.0, started + (i * args.clients + n) / args.rate - time.monotonic()))
                    reply = request(f"{base}/buckets/bench/objects", {"client": n, "i": i}, token)
                    created[reply["objectID"]] = int(reply["createdAt"])

            total = args.clients * args.writes
            cpu_before = cpu_seconds(process.pid)
            others_before = group_cpu_seconds(process.pid, process.pid)
            threading.Thread(target=watch, daemon=True).start()
            spy = (
                subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "--gil",
                        "--format",
                        "raw",
                        "--rate",
                        "100",
                        "--nonblocking",
                        "--output",
                        f"{args.profile}.{variant}",
                        "--pid",
                        str(process.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                if args.profile
                else None
            )
            delivered_before = int(request(health)["pump"]["delivered"])
            started = time.monotonic()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(client, range(args.clients)))
            wrote = time.monotonic() - started
            ran: list[dict[str, Any]] = []
            listed = 0.0
            while len(ran) < total and time.monotonic() - started < 900:
                time.sleep(0.25)
                # Listing executions is work for the stack: only once the pump has handed every
                # write's record to the dispatcher and the dispatcher has nothing left.
                pump = request(health)["pump"]
                if (
                    pump["delivered"] - delivered_before >= total
                    and pump["pendingRecords"] == 0
                    and time.monotonic() - listed >= 2.0  # (listing 800 executions is work too)
                ):
                    # Drained when the pump saw it (listing 800 executions takes the stack a second).
                    listed = time.monotonic()
                    ran = [e for e in executions(base, token) if e["status"] in ("SUCCESS", "FAILED")]
            drained = (listed or time.monotonic()) - started
            writing.clear()
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            cpu = cpu_seconds(process.pid) - cpu_before
            others = group_cpu_seconds(process.pid, process.pid) - others_before
            latencies = [
                float(e["startedAt"]) - created[str(e["returnedValue"])]
                for e in ran
                if e.get("returnedValue") in created
            ]
            results.update(
                writes=total,
                writes_per_second=round(total / wrote, 1),
                hooks_run=len(ran),
                hooks_failed=sum(1 for e in ran if e["status"] != "SUCCESS"),
                hooks_drained_per_second=round(len(ran) / drained, 1),
                seconds_writing=round(wrote, 2),
                seconds_until_drained=round(drained, 2),
                stack_cpu_seconds=round(cpu, 1),
                sandbox_and_broker_cpu_seconds=round(others, 1),
                max_backlog_batches=max((b for _, b in backlog), default=0),
                # Growing or not: the largest backlog in each half of the writing window.
                backlog_max_by_half_of_writing=[
                    max((b for t, b in backlog if lo <= t - started < hi), default=0)
                    for lo, hi in ((0, wrote / 2), (wrote / 2, wrote))
                ],
                write_to_hook_start=percentiles(latencies) if latencies else {},
            )
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return results


if __name__ == "__main__":
    main()
