"""The `karakuri` command: operator tasks against the local stack or a deployed stage.

    karakuri app create [--name N]             against the running `make run` stack
    karakuri app create --app-id A --app-key K [--client-id C --client-secret S]   keep an app's identity
    karakuri app list                          the apps of the local stack (or --stage)
    karakuri export FILE | import FILE         a portable dump of the local stack's tables
    karakuri import kii --site URL --app-id A --app-key K --client-id C --client-secret S
                                               copy an app from a Kii-compatible server (docs/migrating.md)
    karakuri reset                             forget the local stack's data (it must be stopped)
    karakuri app create --stage dev            against the stage's tables in your AWS account
    karakuri notifications [--app APP_ID]      what the recording notifier kept (codes)
    karakuri pushes [--app APP_ID]             the push deliveries (mobile ones only recorded locally)
    karakuri push-platform --platform GCM|APNS|APNS_SANDBOX --arn ARN [--app A] [--stage S]
                                               the app's Amazon SNS platform application (docs/push.md)
    karakuri servercode deploy FILE [--hook-config F] [--no-set-current]
    karakuri servercode list | get | get-hook-config | set-current | delete [--code-version V]
    karakuri servercode invoke ENDPOINT [--args JSON] [--as-admin | --user-token T]
    karakuri servercode list-scheduled-execution --from DATE [--to DATE] | get-scheduled-execution --id ID
    karakuri logs [--tail] [--level L] [--num N]
    karakuri executions list [--endpoint E] [--trigger T] [--status S] | get ID
    karakuri events redrive --stage S [--queue-url URL]   re-run what reached the dead-letter queue
    karakuri events dlq list | show ID | redrive [--queue stream|executions] --stage S
                                               the dead-letter queues (docs/operations.md)

Server-code commands and logs use the public REST API with the app's client credentials
(locally: from .karakuri/local-app.json), like Kii's own command-line tools.

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
    from chalicelib.domain import ids
    from chalicelib.services.apps import AppCredentials

    settings, base_url = _settings(args)
    apps = wiring.build_for_aws(settings).apps
    if not args.app_id:
        return apps.create(args.name).to_json(base_url)
    if not args.app_key:
        raise SystemExit("--app-id needs --app-key: an existing app keeps both (Kii's X-Kii-AppKey)")
    credentials = AppCredentials(
        args.app_id,
        args.app_key,
        args.client_id or ids.new_secret(16),
        args.client_secret or ids.new_secret(32),
        args.name,
    )
    return apps.register(credentials).to_json(base_url)


def app_list(args: argparse.Namespace) -> dict[str, Any]:
    settings, _ = _settings(args)
    return {"apps": wiring.app_list(settings)}


def _state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir or config.settings().state_dir)


def _running_stack(args: argparse.Namespace) -> bool:
    """Whether the local stack described in the state dir answers."""
    import socket
    from urllib.parse import urlparse

    path = _state_dir(args) / STACK_FILE
    if not path.exists():
        return False
    endpoint = urlparse(json.loads(path.read_text())["awsEndpoint"])
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 80), timeout=2).close()
    except OSError:
        return False
    return True


def export(args: argparse.Namespace) -> dict[str, Any]:
    from chalicelib.local import persist

    if _running_stack(args):
        settings, _ = _settings(args)
        tables = {logical: wiring.read_table(settings, logical) for logical in ("data", "events")}
    else:
        tables = _saved(args).saved()
    Path(args.file).write_text(json.dumps(persist.dump(tables)))
    return {"file": args.file, "items": {logical: len(items) for logical, items in tables.items()}}


def _saved(args: argparse.Namespace) -> Any:
    from chalicelib.local import persist, stack

    settings = config.settings()
    names = {"data": settings.data_table, "events": settings.events_table}
    return persist.Persistence(_state_dir(args) / stack.DATA_DIR, names)


def import_(args: argparse.Namespace) -> dict[str, Any]:
    """A dump's data items into the local stack (running or not). Events are not imported:
    they would run their hooks again."""
    from chalicelib.local import persist

    if args.source == "kii":
        from chalicelib.local import kii_import

        settings, base_url = _settings(args)
        return kii_import.run(args, wiring.build_for_aws(settings), base_url)
    try:
        items = persist.tables_of(json.loads(Path(args.source).read_text())).get("data", [])
    except (OSError, ValueError) as error:
        raise SystemExit(f"Cannot import {args.source}: {error}") from None
    if _running_stack(args):
        settings, _ = _settings(args)
        return {"imported": wiring.write_table(settings, "data", items)}
    saved = _saved(args)
    return {"imported": saved.merge({"data": items})}


def reset(args: argparse.Namespace) -> dict[str, Any]:
    from chalicelib.local import persist, stack

    if _running_stack(args):
        raise SystemExit(
            "The local stack is running: stop it (Ctrl-C) first, or start it with `make run FRESH=1`"
        )
    state = _state_dir(args)
    persist.forget(state / stack.DATA_DIR)
    (state / stack.APP_FILE).unlink(missing_ok=True)
    (state / STACK_FILE).unlink(missing_ok=True)
    return {"reset": str(state)}


def _app_id(args: argparse.Namespace, settings: config.Settings) -> str:
    """``--app``, or the local stack's demo app."""
    if args.app:
        return str(args.app)
    app_file = Path(args.state_dir or settings.state_dir) / "local-app.json"
    return str(json.loads(app_file.read_text())["appID"])


def notifications(args: argparse.Namespace) -> dict[str, Any]:
    settings, _ = _settings(args)
    sent = wiring.build_for_aws(settings).sent_notifications.sent(_app_id(args, settings))
    return {"notifications": [n.to_json() for n in sent]}


def pushes(args: argparse.Namespace) -> dict[str, Any]:
    """The push deliveries recorded lately, newest first (docs/push.md)."""
    settings, _ = _settings(args)
    found = wiring.build_for_aws(settings).push.log.deliveries(_app_id(args, settings), args.limit)
    return {"deliveries": [d.to_json() for d in found]}


def push_platform(args: argparse.Namespace) -> dict[str, Any]:
    """Names the app's Amazon SNS platform application for GCM (FCM), APNS or APNS_SANDBOX."""
    settings, _ = _settings(args)
    app_id = _app_id(args, settings)
    arn = None if args.remove else args.arn
    if arn is None and not args.remove:
        raise SystemExit("Give --arn ARN, or --remove")
    wiring.build_for_aws(settings).push.log.set_platform_application(app_id, args.platform, arn)
    return {"appID": app_id, "platform": args.platform, "platformApplicationArn": arn}


# --- server code, through the public REST API (like Kii's kii-servercode.js) --------------------
def _api(args: argparse.Namespace) -> Any:
    """A Kii REST client for the app: the local demo app (.karakuri/local-app.json) unless
    --site-url, --app-id and the client credentials (or --token) name another."""
    from chalicelib.local.kii_import import KiiRest

    local: dict[str, Any] = {}
    app_file = Path(args.state_dir or config.settings().state_dir) / "local-app.json"
    if app_file.exists():
        local = json.loads(app_file.read_text())
    site = args.site_url or local.get("baseURL", "")
    app_id = args.app_id or local.get("appID")
    if not site or not app_id:
        raise SystemExit(
            f"No app: start the local stack (`make run` writes {app_file}) or give --site-url, --app-id"
        )
    client = (args.client_id or local.get("clientID"), args.client_secret or local.get("clientSecret"))
    return KiiRest(
        site, app_id, local.get("appKey", "") if app_id == local.get("appID") else "", client, args.token
    )


def servercode_deploy(args: argparse.Namespace) -> dict[str, Any]:
    api = _api(args)
    source = Path(args.file).read_text(encoding="utf-8")
    hooks = Path(args.hook_config).read_text(encoding="utf-8") if args.hook_config else None
    if args.environment_version:
        boundary = "karakuriDeployBoundary"
        form = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
            "Content-Type: application/json\r\n\r\n"
            f'{{"environmentVersion": "{args.environment_version}"}}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="server-code"\r\n'
            f"Content-Type: application/javascript\r\n\r\n{source}\r\n--{boundary}--\r\n"
        )
        _, body, _ = api.call("POST", "/server-code", form, f"multipart/form-data; boundary={boundary}")
    else:
        _, body, _ = api.call("POST", "/server-code", source, "application/javascript")
    version = body["versionID"]
    # Kii's order: code, then its hook config, then current, so a failure leaves current alone.
    if hooks is not None:
        api.call(
            "PUT", f"/hooks/versions/{version}", hooks, "application/vnd.kii.HooksDeploymentRequest+json"
        )
    if not args.no_set_current:
        api.call("PUT", "/server-code/versions/current", version, "text/plain")
    return {"versionID": version, "hookConfig": hooks is not None, "current": not args.no_set_current}


def servercode_list(args: argparse.Namespace) -> dict[str, Any]:
    return dict(_api(args).call("GET", "/server-code/versions")[1])


def servercode_get(args: argparse.Namespace) -> str:
    return str(_api(args).call("GET", f"/server-code/versions/{args.code_version}")[1])


def servercode_get_hook_config(args: argparse.Namespace) -> dict[str, Any]:
    return dict(_api(args).call("GET", f"/hooks/versions/{args.code_version}")[1])


def servercode_set_current(args: argparse.Namespace) -> dict[str, Any]:
    _api(args).call("PUT", "/server-code/versions/current", args.code_version, "text/plain")
    return {"current": args.code_version}


def servercode_delete(args: argparse.Namespace) -> dict[str, Any]:
    _api(args).call("DELETE", f"/server-code/versions/{args.code_version}")
    return {"deleted": args.code_version}


def servercode_invoke(args: argparse.Namespace) -> dict[str, Any]:
    api = _api(args)
    token: str | bool | None = True if args.as_admin else args.user_token
    status, body, headers = api.call(
        "POST",
        f"/server-code/versions/{args.code_version}/{args.endpoint}",
        args.args or "{}",
        token=token,
        ok=(200, 400, 404, 409),
    )
    steps = {k.lower(): v for k, v in headers.items()}.get("x-step-count")
    return {"status": status, "body": body, "stepCount": int(steps) if steps else None}


def _epoch_ms(text: str) -> int:
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(
            f"Not a date: {text!r} (use ISO 8601, e.g. 2026-11-22 or 2026-11-22T10:00)"
        ) from None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1000)


def scheduled_list(args: argparse.Namespace) -> dict[str, Any]:
    import time

    upper = _epoch_ms(args.to) if args.to else int(time.time() * 1000)
    clause = {
        "type": "range",
        "field": "startedAt",
        "lowerLimit": _epoch_ms(args.from_),
        "lowerIncluded": True,
        "upperLimit": upper,
        "upperIncluded": True,
    }
    api, results, key = _api(args), [], None
    while True:
        body: dict[str, Any] = {
            "scheduleExecutionQuery": {"clause": clause, "orderBy": "startedAt", "descending": False},
            "bestEffortLimit": 200,
        }
        if key:
            body["paginationKey"] = key
        _, page, _ = api.call(
            "POST", "/hooks/executions/query", body, "application/vnd.kii.ScheduleExecutionQueryRequest+json"
        )
        results.extend(page["results"])
        key = page.get("nextPaginationKey")
        if not key:
            return {"results": results}


def scheduled_get(args: argparse.Namespace) -> dict[str, Any]:
    return dict(_api(args).call("GET", f"/hooks/executions/{args.id}")[1])


def executions_list(args: argparse.Namespace) -> dict[str, Any]:
    from urllib.parse import urlencode

    query = {"bestEffortLimit": str(args.limit)}
    for name in ("endpoint", "trigger", "status", "since", "until"):
        if getattr(args, name):
            query[name] = str(getattr(args, name))
    return dict(_api(args).call("GET", f"/hooks/executions?{urlencode(query)}")[1])


def executions_get(args: argparse.Namespace) -> dict[str, Any]:
    return dict(_api(args).call("GET", f"/hooks/executions/{args.execution_id}")[1])


def events_redrive(args: argparse.Namespace) -> dict[str, Any]:
    """Re-runs the batches the dispatcher gave up on (the stage's stream dead-letter queue);
    `karakuri events dlq redrive --queue stream` does the same."""
    settings, outputs, sqs = _dead_letter_queues(args)
    return _redrive_stream(settings, sqs, args.queue_url or outputs["EventsDeadLetterQueueUrl"], args.limit)


def _redrive_stream(settings: config.Settings, sqs: Any, queue_url: str, limit: int) -> dict[str, Any]:
    """The stream dead-letter queue's batches to the dispatcher again: from the stream while
    it holds them, then from the events table."""
    from chalicelib.dispatcher import dead_letters, hooks

    services = wiring.build_for_aws(settings)
    return dead_letters.redrive_stream(
        sqs,
        wiring.aws_client("dynamodbstreams", settings),
        queue_url,
        lambda batch: hooks.dispatch(
            batch, services.executions, services.hooks, services.thingif, services.records, push=services.push
        ),
        lambda first, last: wiring.events_between(settings, first, last),
        limit,
    ).to_json()


def _dead_letter_queues(args: argparse.Namespace) -> tuple[config.Settings, dict[str, str], Any]:
    """The stage's settings, its stack's outputs and an SQS client."""
    if not args.stage:
        raise SystemExit(
            "The local stack has no dead-letter queues (failed records are logged): pass --stage"
        )
    settings, _ = _settings(args)
    stack = wiring.aws_client("cloudformation", settings).describe_stacks(StackName=args.stage)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return settings, outputs, wiring.aws_client("sqs", settings)


def _queues(args: argparse.Namespace, outputs: dict[str, str]) -> dict[str, str]:
    from chalicelib.dispatcher.dead_letters import OUTPUTS

    names = [args.queue] if getattr(args, "queue", None) else list(OUTPUTS)
    return {name: outputs[OUTPUTS[name]] for name in names if OUTPUTS[name] in outputs}


def dlq_list(args: argparse.Namespace) -> dict[str, Any]:
    from chalicelib.dispatcher import dead_letters

    _, outputs, sqs = _dead_letter_queues(args)
    found: dict[str, Any] = {}
    for name, url in _queues(args, outputs).items():
        letters = dead_letters.peek(sqs, name, url, args.limit)
        found[name] = {"depth": dead_letters.depth(sqs, url), "messages": [d.summary() for d in letters]}
    return found


def dlq_show(args: argparse.Namespace) -> dict[str, Any]:
    from chalicelib.dispatcher import dead_letters

    settings, outputs, sqs = _dead_letter_queues(args)
    for name, url in _queues(args, outputs).items():
        for letter in dead_letters.peek(sqs, name, url, 1000):
            if letter.message_id != args.message_id:
                continue
            shown = letter.to_json()
            info = letter.body.get("DDBStreamBatchInfo") if isinstance(letter.body, dict) else None
            window = dead_letters.arrival_window(info) if info else None
            if window:
                items = wiring.events_between(settings, *window)
                shown["events"] = [
                    {k: next(iter(item[k].values())) for k in ("eventID", "appID", "trigger", "occurredAt")}
                    for item in items
                ]
            return shown
    raise SystemExit(f"karakuri: no dead letter {args.message_id} in stage {args.stage!r}")


def dlq_redrive(args: argparse.Namespace) -> dict[str, Any]:
    from chalicelib.dispatcher import dead_letters

    settings, outputs, sqs = _dead_letter_queues(args)
    queues = _queues(args, outputs)
    done: dict[str, Any] = {}
    if "stream" in queues:
        done["stream"] = _redrive_stream(settings, sqs, queues["stream"], args.limit)
    if "executions" in queues:
        done["executions"] = dead_letters.move(
            sqs, queues["executions"], outputs["ExecutionsQueueUrl"], args.limit
        ).to_json()
    return done


def logs(args: argparse.Namespace) -> str:
    import time

    api = _api(args)
    query = f"?limit={args.num}" + (f"&level={args.level}" if args.level else "")
    _, body, _ = api.call("GET", f"/server-code/logs{query}")
    while True:
        for line in body["logs"]:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(line["time"] / 1000))
            entry = f" [{line['entryName']}]" if line.get("entryName") else ""
            sys.stdout.write(f"{stamp} {line['level']:<5} {line['key']}{entry} {line['message']}\n")
        sys.stdout.flush()
        if not args.tail:
            return ""
        time.sleep(1.0)
        level = f"&level={args.level}" if args.level else ""
        _, body, _ = api.call("GET", f"/server-code/logs?since={body['last']}&limit=1500{level}")


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
    create.add_argument("--app-id", help="keep an existing app's ID (with --app-key)")
    create.add_argument("--app-key", help="the existing app's key")
    create.add_argument("--client-id", help="the existing app's client ID (default: a new one)")
    create.add_argument("--client-secret", help="the existing app's client secret (default: a new one)")
    create.set_defaults(run=app_create)
    app.add_parser("list", parents=[target], help="list the apps").set_defaults(run=app_list)

    dump = commands.add_parser("export", parents=[target], help="write the local stack's tables to a file")
    dump.add_argument("file")
    dump.set_defaults(run=export)
    load = commands.add_parser(
        "import", parents=[target], help="import a dump file, or `kii` to copy an app from a Kii server"
    )
    load.add_argument("source", help="a file written by `karakuri export`, or `kii`")
    load.add_argument("--site", help="kii: the server's URL (e.g. https://api-jp.kii.com)")
    load.add_argument("--app-id", help="kii: the app to copy")
    load.add_argument("--app-key", help="kii: its app key")
    load.add_argument("--client-id", help="kii: its client ID (the app admin)")
    load.add_argument("--client-secret", help="kii: its client secret")
    load.add_argument("--bucket", action="append", help="kii: an app-scope bucket to copy (repeat)")
    load.set_defaults(run=import_)
    forget = commands.add_parser("reset", parents=[target], help="forget the local stack's data")
    forget.set_defaults(run=reset)

    notes = commands.add_parser("notifications", parents=[target], help="verification and reset codes sent")
    notes.add_argument("--app", help="app ID (default: the local demo app)")
    notes.set_defaults(run=notifications)
    sent = commands.add_parser("pushes", parents=[target], help="push deliveries (recorded locally)")
    sent.add_argument("--app", help="app ID (default: the local demo app)")
    sent.add_argument("--limit", type=int, default=100, help="at most this many, newest first")
    sent.set_defaults(run=pushes)
    platform = commands.add_parser("push-platform", parents=[target], help="an app's SNS platform app")
    platform.add_argument("--app", help="app ID (default: the local demo app)")
    platform.add_argument("--platform", required=True, choices=["GCM", "APNS", "APNS_SANDBOX"])
    platform.add_argument("--arn", help="the SNS platform application ARN")
    platform.add_argument("--remove", action="store_true", help="forget the app's platform application")
    platform.set_defaults(run=push_platform)

    site = argparse.ArgumentParser(add_help=False)
    site.add_argument("--site-url", help="the API base URL (default: the local stack's)")
    site.add_argument("--app-id", help="default: the local demo app")
    site.add_argument("--client-id", help="the app's client ID (admin commands)")
    site.add_argument("--client-secret", help="the app's client secret (admin commands)")
    site.add_argument("--token", help="an app admin token instead of the client credentials")
    site.add_argument("--state-dir", help="where the local stack keeps its files (default .karakuri)")
    code = commands.add_parser("servercode", help="server code, like Kii's kii-servercode.js")
    actions = code.add_subparsers(dest="action", required=True)
    deploy = actions.add_parser("deploy", parents=[site], help="deploy a file, attach hooks, set it current")
    deploy.add_argument("file")
    deploy.add_argument("--hook-config", help="a hook config JSON file to attach to the new version")
    deploy.add_argument("--no-set-current", action="store_true", help="deploy without making it current")
    deploy.add_argument("--environment-version", choices=["0", "6"], help="Kii's environment version")
    deploy.set_defaults(run=servercode_deploy)
    actions.add_parser("list", parents=[site], help="list versions").set_defaults(run=servercode_list)
    for name, run, what in [
        ("get", servercode_get, "print a version's source"),
        ("get-hook-config", servercode_get_hook_config, "print a version's hook config"),
        ("set-current", servercode_set_current, "make a version current"),
        ("delete", servercode_delete, "delete a version and its hook config"),
    ]:
        action = actions.add_parser(name, parents=[site], help=what)
        action.add_argument(
            "--code-version", required=name not in ("get", "get-hook-config"), default="current"
        )
        action.set_defaults(run=run)
    invoke = actions.add_parser("invoke", parents=[site], help="execute an endpoint")
    invoke.add_argument("endpoint")
    invoke.add_argument("--args", help="the parameters, a JSON object")
    invoke.add_argument("--code-version", default="current")
    invoke.add_argument("--as-admin", action="store_true", help="execute with the app admin's token")
    invoke.add_argument("--user-token", help="execute as the user of this token (default: anonymous)")
    invoke.set_defaults(run=servercode_invoke)
    history = actions.add_parser(
        "list-scheduled-execution", parents=[site], help="scheduled runs, oldest first"
    )
    history.add_argument("--from", dest="from_", required=True, help="ISO date or time (UTC unless given)")
    history.add_argument("--to", help="default: now")
    history.set_defaults(run=scheduled_list)
    single = actions.add_parser("get-scheduled-execution", parents=[site], help="one scheduled run")
    single.add_argument("--id", required=True)
    single.set_defaults(run=scheduled_get)

    runs = commands.add_parser("executions", help="hook executions").add_subparsers(
        dest="action", required=True
    )
    listing = runs.add_parser("list", parents=[site], help="newest first")
    for name in ("endpoint", "trigger", "status"):
        listing.add_argument(f"--{name}")
    listing.add_argument("--since", type=int, help="started at or after (epoch ms)")
    listing.add_argument("--until", type=int, help="started at or before (epoch ms)")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=executions_list)
    one = runs.add_parser("get", parents=[site], help="one execution")
    one.add_argument("execution_id")
    one.set_defaults(run=executions_get)

    events = commands.add_parser("events", help="the event pipeline").add_subparsers(
        dest="action", required=True
    )
    again = events.add_parser("redrive", parents=[target], help="re-run what reached the dead-letter queue")
    again.add_argument("--queue-url", help="default: the stack's EventsDeadLetterQueueUrl output")
    again.add_argument("--limit", type=int, default=100, help="at most this many messages")
    again.set_defaults(run=events_redrive)
    dlq = events.add_parser("dlq", help="the dead-letter queues: list, show, redrive").add_subparsers(
        dest="dlq_action", required=True
    )
    which = argparse.ArgumentParser(add_help=False, parents=[target])
    which.add_argument("--queue", choices=["stream", "executions"], help="one queue (default: both)")
    peeked = dlq.add_parser("list", parents=[which], help="what the queues hold (left in place)")
    peeked.add_argument("--limit", type=int, default=50, help="at most this many messages per queue")
    peeked.set_defaults(run=dlq_list)
    shown = dlq.add_parser("show", parents=[which], help="one message, with the events it names")
    shown.add_argument("message_id")
    shown.set_defaults(run=dlq_show)
    rerun = dlq.add_parser("redrive", parents=[which], help="run what the queues hold again")
    rerun.add_argument("--limit", type=int, default=100, help="at most this many messages per queue")
    rerun.set_defaults(run=dlq_redrive)

    log = commands.add_parser("logs", parents=[site], help="the developer log, like Kii's kii-logs.js")
    log.add_argument("-t", "--tail", action="store_true", help="keep printing new lines")
    log.add_argument("-n", "--num", type=int, default=100, help="how many lines (at most 1500)")
    log.add_argument("--level", choices=["DEBUG", "INFO", "WARN", "ERROR"], help="this level and above")
    log.set_defaults(run=logs)
    return top


def explain(error: Exception, args: argparse.Namespace) -> str:
    """One line for what went wrong talking to AWS (no traceback for an operator's typo)."""
    name = type(error).__name__
    stage = getattr(args, "stage", None)
    where = f"stage {stage!r}" if stage else "the local stack"
    code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return f"karakuri: no AWS credentials for {where}: configure them (aws configure, AWS_PROFILE)"
    if code == "ResourceNotFoundException":
        return (
            f"karakuri: {where} has no karakuri tables (karakuri-{stage or 'local'}-data): "
            "deploy it first (README, Deploying to AWS) or check --stage and your AWS region"
        )
    if name in ("EndpointConnectionError", "ConnectionRefusedError", "URLError") or "Connect" in name:
        return f"karakuri: cannot reach {where}: is it running (`make run`)? ({error})"
    if code:
        return f"karakuri: {where}: {code}: {error}"
    return f"karakuri: {name}: {error}"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result = args.run(args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as error:
        if config.settings().log_level.upper() == "DEBUG":
            raise
        raise SystemExit(explain(error, args)) from None
    if isinstance(result, str):
        sys.stdout.write(result)
        return 0
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
