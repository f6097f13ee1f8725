"""The `karakuri` command: operator tasks against the local stack or a deployed stage.

    karakuri app create [--name N]             against the running `make run` stack
    karakuri app create --stage dev            against the stage's tables in your AWS account
    karakuri notifications [--app APP_ID]      what the recording notifier kept (codes)

Operator commands talk to DynamoDB directly with the caller's AWS credentials (locally: the
embedded moto, found through .karakuri/local-stack.json), not through the public API.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from chalicelib import config, wiring

STACK_FILE = "local-stack.json"


def _settings(args: argparse.Namespace) -> tuple[config.Settings, str]:
    """Settings for the target: a deployed stage, or the local stack described in the state dir."""
    base = config.settings()
    if args.stage:
        stage = replace(
            base,
            stage=args.stage,
            data_table=args.data_table or f"karakuri-{args.stage}-data",
            events_table=args.events_table or f"karakuri-{args.stage}-events",
            aws_endpoint=None,
        )
        return stage, args.base_url or ""
    path = Path(args.state_dir or base.state_dir) / STACK_FILE
    if not path.exists():
        raise SystemExit(
            f"No local stack found ({path} is missing): start one with `make run`, or pass --stage"
        )
    local = json.loads(path.read_text())
    config.set_environ("AWS_ACCESS_KEY_ID", "karakuri-local")
    config.set_environ("AWS_SECRET_ACCESS_KEY", "karakuri-local")
    settings = replace(
        base,
        aws_endpoint=local["awsEndpoint"],
        region=local["region"],
        data_table=local["dataTable"],
        events_table=local["eventsTable"],
    )
    return settings, local["baseURL"]


def app_create(args: argparse.Namespace) -> dict[str, Any]:
    settings, base_url = _settings(args)
    credentials = wiring.build_for_aws(settings).apps.create(args.name)
    return credentials.to_json(base_url)


def notifications(args: argparse.Namespace) -> dict[str, Any]:
    settings, _ = _settings(args)
    app_id = args.app
    if not app_id:
        app_file = Path(args.state_dir or settings.state_dir) / "local-app.json"
        app_id = json.loads(app_file.read_text())["appID"]
    sent = wiring.build_for_aws(settings).outbox.sent(app_id)
    return {"notifications": [n.to_json() for n in sent]}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="karakuri", description="Operate a karakuri deployment.")
    target = argparse.ArgumentParser(add_help=False)
    target.add_argument("--stage", help="a deployed stage (default: the local stack)")
    target.add_argument("--data-table", help="data table name (default karakuri-STAGE-data)")
    target.add_argument("--events-table", help="events table name (default karakuri-STAGE-events)")
    target.add_argument("--base-url", help="the stage's public base URL, for the printed credentials")
    target.add_argument("--state-dir", help="where the local stack keeps its files (default .karakuri)")
    commands = top.add_subparsers(dest="command", required=True)

    app = commands.add_parser("app", help="apps (tenants)").add_subparsers(dest="action", required=True)
    create = app.add_parser("create", parents=[target], help="create an app and print its credentials")
    create.add_argument("--name", default="karakuri app")
    create.set_defaults(run=app_create)

    notes = commands.add_parser("notifications", parents=[target], help="verification and reset codes sent")
    notes.add_argument("--app", help="app ID (default: the local demo app)")
    notes.set_defaults(run=notifications)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result = args.run(args)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
