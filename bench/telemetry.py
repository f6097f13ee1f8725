"""What the Lambda functions' logs and metrics cost (adapters/telemetry.py, docs/operations.md):

1. cold start: importing aws-lambda-powertools' Logger and Metrics against the standard
   library's logging and json, each in a fresh interpreter (the import is what a cold start pays);
2. per invocation: `wiring.observe` (the Chalice middleware of every entry point) in Lambda's
   JSON mode around a handler that does nothing, for a one-message SQS batch, writing its EMF
   line to a discarded stream, against calling the handler bare.

    .venv/bin/python bench/telemetry.py [--runs 7] [--invocations 2000]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys

from common import ROOT, clock, save, summary

IMPORTS = {
    "powertools Logger + Metrics": "from aws_lambda_powertools import Logger, Metrics",
    "logging + json (ours)": "import logging, json",
}


def import_ms(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--invocations", type=int, default=2000)
    args = parser.parse_args()

    results: dict[str, object] = {"machine": platform.platform(), "load": os.getloadavg()}
    for name, statement in IMPORTS.items():
        results[f"import: {name}"] = summary([import_ms(statement) for _ in range(args.runs)])

    os.environ["KARAKURI_LOG_FORMAT"] = "json"
    from chalicelib import config, wiring
    from chalicelib.adapters import telemetry

    config.reset()
    wiring.use(wiring.build_in_memory())
    telemetry.stdout = lambda line: None  # type: ignore[assignment]

    class Event:
        context = None

        def to_dict(self) -> dict[str, object]:
            return {
                "Records": [
                    {
                        "eventSource": "aws:sqs",
                        "body": '{"appID": "a1"}',
                        "attributes": {"SentTimestamp": "0", "MessageGroupId": "a1"},
                    }
                ]
            }

    event = Event()

    def handler(_: object) -> dict[str, list[object]]:
        return {"batchItemFailures": []}

    def observed() -> None:
        for _ in range(args.invocations):
            wiring.observe(event, handler)

    def bare() -> None:
        for _ in range(args.invocations):
            handler(event)

    per = 1000 / args.invocations  # ms per batch -> µs per invocation
    results["per invocation: observe (json, EMF) µs"] = {
        k: v * per for k, v in summary([clock(observed) for _ in range(args.runs)]).items()
    }
    results["per invocation: bare handler µs"] = {
        k: v * per for k, v in summary([clock(bare) for _ in range(args.runs)]).items()
    }
    save("telemetry", results)
    for name, value in results.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
