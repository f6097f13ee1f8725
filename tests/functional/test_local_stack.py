"""The local stack as people start it: `chalice local --stage local` in its own process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Ceilings, not expectations: a first start on a busy machine can take long; tests never fail on speed.
READY_SECONDS = 180
STOP_SECONDS = 60


def _request(url: str, body: dict[str, object] | None = None, headers: dict[str, str] | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def _start(state: Path, **extra_env: str) -> subprocess.Popen[str]:
    """`chalice local --stage local` on free ports, as `make run` starts it."""
    from chalicelib.local.server import chalice_local

    port = int(extra_env.get("KARAKURI_LOCAL_PORT") or 0) or None
    command, local_env = chalice_local(Path(sys.executable).parent, state, port)
    # a cheap KDF, as in every test (tests/conftest.py)
    env = {**os.environ, **local_env, "KARAKURI_SCRYPT_LOG2_N": "4", **extra_env}
    port = int(env["KARAKURI_LOCAL_PORT"])
    # Its own process group: the stack's children (broker, sandbox workers) go with it.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    process.port = port  # type: ignore[attr-defined]
    process.state = state  # type: ignore[attr-defined]
    return process


def _stop(process: subprocess.Popen[str]) -> int:
    """Ctrl-C, as a person stops it; the whole group is killed if it has not ended in time."""
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        return process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        raise AssertionError("the stack did not stop on Ctrl-C") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def _running(state: Path, **extra_env: str) -> Iterator[subprocess.Popen[str]]:
    process = _start(state, **extra_env)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def chalice_local(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    with _running(tmp_path / "state") as process:
        yield process


def _wait_ready(process: subprocess.Popen[str]) -> list[str]:
    """Reads the stack's output until it serves; the ceiling is generous (a first start on a
    busy machine), and a silent hang still ends the wait."""
    seen = _read_until(process, "Serving on")
    if "Serving on" not in seen:
        raise AssertionError("chalice local did not start:\n" + seen)
    return seen.splitlines(keepends=True)


def _read_until(process: subprocess.Popen[str], needle: str) -> str:
    """The stack's output up to the first line containing ``needle`` (generous ceiling)."""
    seen: list[str] = []
    found = threading.Event()
    assert process.stdout is not None
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            seen.append(line)
            if needle in line:
                break
        found.set()

    threading.Thread(target=read, daemon=True).start()
    found.wait(READY_SECONDS)
    return "".join(seen)


def test_chalice_local_stage_serves_kii_runs_the_pump_and_stops_on_ctrl_c(
    chalice_local: subprocess.Popen[str],
) -> None:
    banner = "".join(_wait_ready(chalice_local))
    credentials = json.loads((chalice_local.state / "local-app.json").read_text())  # type: ignore[attr-defined]
    assert credentials["appID"] in banner and credentials["clientSecret"] in banner
    assert "Finished processing state" not in banner and "Found credentials" not in banner  # amqtt, botocore
    assert credentials["baseURL"] == f"http://127.0.0.1:{chalice_local.port}/api"  # type: ignore[attr-defined]
    base = f"{credentials['baseURL']}/apps/{credentials['appID']}"
    created = _request(f"{base}/users", {"loginName": "alice", "password": "pass1234"})
    assert created["loginName"] == "alice"
    token = _request(
        f"{credentials['baseURL']}/oauth2/token",
        {"username": "alice", "password": "pass1234"},
        {"X-Kii-AppID": credentials["appID"]},
    )
    assert token["id"] == created["userID"]
    preflight = urllib.request.Request(
        f"{base}/users",
        method="OPTIONS",
        headers={"Origin": "http://x", "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(preflight, timeout=10) as response:
        assert "X-Kii-AppID" in response.headers["Access-Control-Allow-Headers"]

    seen = _read_until(chalice_local, "trigger=USER_CREATED")
    assert "trigger=USER_CREATED" in seen and created["userID"] in seen

    assert _stop(chalice_local) is not None


def test_demo_app_is_reused_on_the_next_start(tmp_path: Path, chalice_local: subprocess.Popen[str]) -> None:
    _wait_ready(chalice_local)
    state = chalice_local.state  # type: ignore[attr-defined]
    first = json.loads((state / "local-app.json").read_text())
    _stop(chalice_local)
    with _running(state) as again:
        port = again.port  # type: ignore[attr-defined]
        _wait_ready(again)
        second = json.loads((state / "local-app.json").read_text())
        assert second["appID"] == first["appID"] and second["clientSecret"] == first["clientSecret"]
        admin = _request(
            f"http://127.0.0.1:{port}/api/apps/{first['appID']}/oauth2/token",
            {"client_id": first["clientID"], "client_secret": first["clientSecret"]},
        )
        assert admin["access_token"]
        _stop(again)


def test_karakuri_cli_creates_an_app_against_the_running_stack(chalice_local: subprocess.Popen[str]) -> None:
    _wait_ready(chalice_local)
    state = chalice_local.state  # type: ignore[attr-defined]
    karakuri = Path(sys.executable).parent / "karakuri"
    result = subprocess.run(
        [str(karakuri), "app", "create", "--name", "shop", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"baseURL", "appID", "appKey", "clientID", "clientSecret", "name"}
    admin = _request(
        f"{created['baseURL']}/apps/{created['appID']}/oauth2/token",
        {"client_id": created["clientID"], "client_secret": created["clientSecret"]},
    )
    assert admin["id"] == created["clientID"]


def test_karakuri_cli_without_a_running_stack_says_so(tmp_path: Path) -> None:
    karakuri = Path(sys.executable).parent / "karakuri"
    result = subprocess.run(
        [str(karakuri), "app", "create", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode != 0 and "make run" in result.stderr


SERVER_CODE = """
function hello(params, context) { return 'hello ' + params.name; }
function spin(params, context) { while (true) {} }
function note(params, context, done) {
  console.log('noting', params.text);
  context.getAppAdminContext().bucketWithName('notes').createObject().save().then(function (o) { done(o.getID()); });
}
"""
HOOK_CONFIG = (
    '{"kiicloud://users": [{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "note"}]}'
)


def test_server_code_through_the_cli_on_the_live_stack(tmp_path: Path) -> None:
    """Deploy -> set current -> execute with `karakuri servercode`, a loop that ends at the
    deadline on a request thread while the server keeps serving, and `karakuri logs`."""
    with _running(tmp_path / "state", KARAKURI_SCRIPT_TIMEOUT="5") as process:
        _wait_ready(process)
        state = str(process.state)  # type: ignore[attr-defined]
        code, hooks = tmp_path / "code.js", tmp_path / "hooks.json"
        code.write_text(SERVER_CODE)
        hooks.write_text(HOOK_CONFIG)
        karakuri = str(Path(sys.executable).parent / "karakuri")

        def cli(*args: str) -> str:
            done = subprocess.run(
                [karakuri, *args, "--state-dir", state], capture_output=True, text=True, timeout=120, cwd=ROOT
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        deployed = json.loads(cli("servercode", "deploy", str(code), "--hook-config", str(hooks)))
        assert deployed["current"] is True and deployed["hookConfig"] is True
        [listed] = json.loads(cli("servercode", "list"))["versions"]
        assert listed["versionID"] == deployed["versionID"] and listed["current"] is True
        assert "function spin" in cli("servercode", "get", "--code-version", deployed["versionID"])
        assert json.loads(cli("servercode", "get-hook-config")) == json.loads(HOOK_CONFIG)
        invoked = json.loads(cli("servercode", "invoke", "hello", "--args", '{"name": "cli"}'))
        assert invoked["status"] == 200 and invoked["body"] == {"returnedValue": "hello cli"}
        spun = json.loads(cli("servercode", "invoke", "spin"))
        assert spun["status"] == 400 and spun["body"]["details"]["errorCode"] == "EXECUTION_TIMEOUT"
        saved = json.loads(
            cli("servercode", "invoke", "note", "--as-admin", "--args", '{"text": "from cli"}')
        )
        assert saved["status"] == 200 and saved["body"]["returnedValue"]
        log = cli("logs", "--num", "50")
        assert "noting from cli" in log and "servercode.invoke [spin]" in log and "EXECUTION_TIMEOUT" in log
        errors = cli("logs", "--level", "ERROR")
        assert "spin" in errors and "hello" not in errors

        # the hook: a user signs up through the API, `note` runs within a second
        credentials = json.loads((process.state / "local-app.json").read_text())  # type: ignore[attr-defined]
        user = _request(
            f"{credentials['baseURL']}/apps/{credentials['appID']}/users",
            {"loginName": "hooked", "password": "pass1234"},
        )
        ran: list[dict[str, object]] = []
        waited = time.monotonic()
        while time.monotonic() - waited < READY_SECONDS and not ran:
            ran = json.loads(cli("executions", "list", "--trigger", "USER_CREATED"))["executions"]
        assert ran and ran[0]["status"] == "SUCCESS" and ran[0]["endpoint"] == "note"
        assert int(ran[0]["startedAt"]) >= int(user["_created"])  # type: ignore[call-overload]
        seen = _read_until(process, "execution USER_CREATED -> note SUCCESS")
        assert "execution USER_CREATED -> note SUCCESS" in seen
        got = json.loads(cli("executions", "get", str(ran[0]["executionID"])))
        assert got["logs"] == [{"level": "INFO", "message": "noting undefined"}]
        _stop(process)


def _drain(process: subprocess.Popen[str]) -> list[str]:
    """Keeps reading the stack's output in the background (a full pipe would block the
    server); returns the list the lines go into."""
    lines: list[str] = []
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.extend(stdout), daemon=True).start()
    return lines


COUNTING_HOOK = "function seen(params, context, done) { done(params.objectID); }"
BUCKET_HOOK = (
    '{"kiicloud://buckets/fresh": '
    '[{"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "seen"}]}'
)


def _executions(base: str, token: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    key = ""
    while True:
        page = _request(
            f"{base}/hooks/executions?trigger=DATA_OBJECT_CREATED&bestEffortLimit=200{key}",
            headers={"Authorization": f"Bearer {token}"},
        )
        found.extend(page["executions"])
        if "nextPaginationKey" not in page:
            return found
        key = f"&paginationKey={page['nextPaginationKey']}"


def test_eight_clients_writing_the_first_objects_of_a_new_bucket_run_every_hook(tmp_path: Path) -> None:
    """Concurrent first writes cancel each other's bucket creation; every hook still runs."""
    with _running(tmp_path / "state") as process:
        _wait_ready(process)
        _drain(process)
        state = process.state  # type: ignore[attr-defined]
        code, hooks = tmp_path / "code.js", tmp_path / "hooks.json"
        code.write_text(COUNTING_HOOK)
        hooks.write_text(BUCKET_HOOK)
        _karakuri(state, "servercode", "deploy", str(code), "--hook-config", str(hooks))
        credentials = json.loads((state / "local-app.json").read_text())
        base = f"{credentials['baseURL']}/apps/{credentials['appID']}"
        token = _request(
            f"{base}/oauth2/token",
            {"client_id": credentials["clientID"], "client_secret": credentials["clientSecret"]},
        )["access_token"]

        def client(n: int) -> list[str]:
            auth = {"Authorization": f"Bearer {token}"}
            return [
                _request(f"{base}/buckets/fresh/objects", {"c": n, "i": i}, auth)["objectID"]
                for i in range(50)
            ]

        with ThreadPoolExecutor(8) as pool:
            written = {object_id for ids in pool.map(client, range(8)) for object_id in ids}
        assert len(written) == 400
        ran: list[dict[str, object]] = []
        waited = time.monotonic()
        # Records exist from the claim on (QUEUED, then RUNNING): wait for 400 finished ones.
        while time.monotonic() - waited < 600 and len(ran) < 400:
            ran = [r for r in _executions(base, token) if r["status"] in ("SUCCESS", "FAILED")]
            time.sleep(0.5)
        assert {str(r["returnedValue"]) for r in ran if r["status"] == "SUCCESS"} == written
        health = _request(f"{credentials['baseURL'].removesuffix('/api')}/local/health")
        assert health["pump"]["stuckShardsRecovered"] == 0 and health["pump"]["streamErrors"] == 0
        _stop(process)


def _karakuri(state: Path, *args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "karakuri"), *args, "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=READY_SECONDS,
        cwd=ROOT,
        # this checkout's chalicelib, not the one the shared venv's editable install points at
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _admin(app: dict[str, str], api: str | None = None) -> dict[str, str]:
    token = _request(
        f"{api or app['baseURL']}/apps/{app['appID']}/oauth2/token",
        {"client_id": app["clientID"], "client_secret": app["clientSecret"]},
    )["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _write_app_user_and_object(state: Path) -> tuple[dict[str, str], str, str]:
    app = json.loads(_karakuri(state, "app", "create", "--name", "kept"))
    base = f"{app['baseURL']}/apps/{app['appID']}"
    user = _request(f"{base}/users", {"loginName": "keeper", "password": "pass1234"})["userID"]
    obj = _request(f"{base}/buckets/kept/objects", {"kept": True}, _admin(app))["objectID"]
    return app, user, obj


def _api(state: Path) -> str:
    """The running stack's API URL (each start picks new ports)."""
    return str(json.loads((state / "local-stack.json").read_text())["baseURL"])


def _still_there(state: Path, app: dict[str, str], user: str, obj: str) -> None:
    base = f"{_api(state)}/apps/{app['appID']}"
    auth = _admin(app, _api(state))
    assert _request(f"{base}/users/{user}", headers=auth)["loginName"] == "keeper"
    assert _request(f"{base}/buckets/kept/objects/{obj}", headers=auth)["kept"] is True


def test_apps_users_and_objects_survive_ctrl_c_and_kill_9(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with _running(state) as first:
        _wait_ready(first)
        written = _write_app_user_and_object(state)
        first_demo = json.loads((state / "local-app.json").read_text())["appID"]
        _stop(first)
    with _running(state) as second:
        _wait_ready(second)
        _still_there(state, *written)
        again = _write_app_user_and_object(state)
        journal = state / "data" / "journal.jsonl"
        waited = time.monotonic()
        while again[2] not in (journal.read_text() if journal.exists() else ""):
            assert time.monotonic() - waited < READY_SECONDS, "the write never reached the journal"
            time.sleep(0.1)
        os.killpg(second.pid, signal.SIGKILL)
        second.wait()
    with _running(state) as third:
        _wait_ready(third)
        _still_there(state, *written)
        _still_there(state, *again)
        _stop(third)
    with _running(state, KARAKURI_FRESH="1") as fresh:
        _wait_ready(fresh)
        demo = json.loads((state / "local-app.json").read_text())
        assert demo["appID"] != first_demo
        with pytest.raises(urllib.error.HTTPError):
            _request(
                f"{demo['baseURL']}/apps/{written[0]['appID']}/oauth2/token",
                {"client_id": written[0]["clientID"], "client_secret": written[0]["clientSecret"]},
            )
        _stop(fresh)


def test_an_app_keeps_its_identity_and_travels_through_export_reset_and_import(tmp_path: Path) -> None:
    state, dump = tmp_path / "state", tmp_path / "dump.json"
    with _running(state) as stack:
        _wait_ready(stack)
        app = json.loads(
            _karakuri(
                state, "app", "create", "--name", "moved", "--app-id", "kiiapp42", "--app-key", "k" * 32
            )
        )
        assert (app["appID"], app["appKey"]) == ("kiiapp42", "k" * 32)
        listed = json.loads(_karakuri(state, "app", "list"))["apps"]
        assert {"kiiapp42", "moved"} <= {a["appID"] for a in listed} | {a["name"] for a in listed}
        obj = _request(f"{app['baseURL']}/apps/kiiapp42/buckets/moved/objects", {"moved": 1}, _admin(app))[
            "objectID"
        ]
        exported = json.loads(_karakuri(state, "export", str(dump)))
        assert exported["items"]["data"] > 0
        refused = subprocess.run(
            [str(Path(sys.executable).parent / "karakuri"), "reset", "--state-dir", str(state)],
            capture_output=True,
            text=True,
            timeout=READY_SECONDS,
        )
        assert refused.returncode != 0 and "running" in refused.stderr
        _stop(stack)
    _karakuri(state, "reset")
    assert not (state / "data" / "tables.json").exists()
    assert json.loads(_karakuri(state, "import", str(dump)))["imported"] == exported["items"]["data"]
    with _running(state) as again:
        _wait_ready(again)
        assert "kiiapp42" in {a["appID"] for a in json.loads(_karakuri(state, "app", "list"))["apps"]}
        moved = f"{_api(state)}/apps/kiiapp42/buckets/moved/objects/{obj}"
        assert _request(moved, headers=_admin(app, _api(state)))["moved"] == 1
        _stop(again)


@pytest.mark.parametrize(
    "variable", ["KARAKURI_LOCAL_PORT", "KARAKURI_LOCAL_AWS_PORT", "KARAKURI_LOCAL_MQTT_PORT"]
)
def test_a_port_in_use_is_one_line_and_a_non_zero_exit(tmp_path: Path, variable: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        with _running(tmp_path / "state", **{variable: port}) as process:
            assert process.wait(timeout=READY_SECONDS) != 0
            assert process.stdout is not None
            output = process.stdout.read()
    assert f"port {port} ({variable.removeprefix('KARAKURI_LOCAL_')}) is in use" in output
    assert "Traceback" not in output and "Serving on" not in output


def test_plain_chalice_local_says_how_to_start_the_local_stack() -> None:
    from chalicelib.local.hints import plain_chalice_local_hint

    hint = plain_chalice_local_hint(["/x/.venv/bin/chalice", "local", "--port", "8000"])
    assert hint is not None and "make run" in hint and "--stage local" in hint
    assert plain_chalice_local_hint(["/x/.venv/bin/chalice", "local", "--stage", "local"]) is None


def test_karakuri_against_a_stage_it_cannot_use_explains_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_DEFAULT_REGION="us-east-1",
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    result = subprocess.run(
        [str(Path(sys.executable).parent / "karakuri"), "app", "create", "--stage", "nosuch"],
        capture_output=True,
        text=True,
        timeout=READY_SECONDS,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "nosuch" in result.stderr and "credentials" in result.stderr


def _call(method: str, url: str, body: object = None, headers: dict[str, str] | None = None) -> Any:
    """Any method; JSON in and out."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def _fill_source(base: str, admin: dict[str, str]) -> tuple[list[str], list[str]]:
    """Users, a group with members, a thing with owners, and objects with ACLs in every scope;
    returns the scopes (``users/{id}``, ...) and the app-scope object IDs."""
    alice, bob, carol = (
        _request(f"{base}/users", {"loginName": name, "password": "pass1234", **extra})["userID"]
        for name, extra in (
            ("alice", {"emailAddress": "alice@example.com", "team": "red"}),
            ("bob", {"displayName": "Bob"}),
            ("carol", {}),
        )
    )
    group_id = _request(f"{base}/groups", {"name": "crew", "owner": alice, "members": [bob, carol]}, admin)[
        "groupID"
    ]
    lamp = {"_vendorThingID": "lamp-1", "_password": "lampPass1", "_thingType": "lamp", "room": 4}
    thing = _request(f"{base}/things", lamp)["_thingID"]
    for owner in (f"user:{alice}", f"group:{group_id}"):
        _call("PUT", f"{base}/things/{thing}/ownership/{owner}", headers=admin)
    scopes = [f"users/{alice}", f"groups/{group_id}", f"things/{thing}"]
    for scope in scopes:
        made = _request(f"{base}/{scope}/buckets/items/objects", {"scope": scope, "n": 1}, admin)
        # a changed ACL: bob may read it too
        acl = f"{base}/{scope}/buckets/items/objects/{made['objectID']}/acl/READ_EXISTING_OBJECT"
        _call("PUT", f"{acl}/UserID:{bob}", headers=admin)
    items = f"{base}/buckets/items"
    ids = [_request(f"{items}/objects", {"n": n, "tags": ["a", n]}, admin)["objectID"] for n in range(3)]
    # a changed ACL: anonymous users may no longer read it
    _call("DELETE", f"{items}/objects/{ids[0]}/acl/READ_EXISTING_OBJECT/UserID:ANONYMOUS_USER", headers=admin)
    return scopes, ids


def _everything(base: str, auth: dict[str, str], scopes: list[str]) -> dict[str, Any]:
    """An app's users, groups, members, things, owners, and every object and ACL of `items` in
    every scope, as the admin reads them over Kii's REST API."""
    every: dict[str, Any] = {"clause": {"type": "all"}}
    users = _call("POST", f"{base}/users/query", {"userQuery": every}, auth)["results"]
    things = _call("POST", f"{base}/things/query", {"thingQuery": every}, auth)["results"]
    groups = {
        g["groupID"]: g
        for u in users
        for g in _request(f"{base}/groups?is_member={u['userID']}", headers=auth)["groups"]
    }
    buckets = {}
    for scope in ["", *(f"{s}/" for s in scopes)]:
        found = _call("POST", f"{base}/{scope}buckets/items/query", {"bucketQuery": every}, auth)["results"]
        buckets[scope] = {
            "objects": {
                o["_id"]: (
                    {k: v for k, v in o.items() if k not in ("_created", "_modified", "_version", "_owner")},
                    _request(f"{base}/{scope}buckets/items/objects/{o['_id']}/acl", headers=auth),
                )
                for o in found
            },
            "acl": _request(f"{base}/{scope}buckets/items/acl", headers=auth),
        }
    members = {g: _request(f"{base}/groups/{g}/members", headers=auth)["members"] for g in groups}
    return {
        "users": sorted(({k: v for k, v in u.items() if k != "_hasPassword"} for u in users), key=str),
        "groups": {g: (body, sorted(m["userID"] for m in members[g])) for g, body in groups.items()},
        "things": {
            t["_thingID"]: (t, _request(f"{base}/things/{t['_thingID']}/ownership", headers=auth))
            for t in things
        },
        "buckets": buckets,
    }


def test_karakuri_import_kii_copies_an_app_users_groups_things_objects_acls_and_server_code(
    tmp_path: Path,
) -> None:
    """From one local stack (any Kii-compatible site) into another, compared through the API."""
    source_state, target_state = tmp_path / "source", tmp_path / "target"
    with _running(source_state) as source, _running(target_state) as target:
        _wait_ready(source)
        _wait_ready(target)
        app = json.loads((source_state / "local-app.json").read_text())
        code, hooks = tmp_path / "code.js", tmp_path / "hooks.json"
        code.write_text("function first(params, context) { return 1; }")
        _karakuri(source_state, "servercode", "deploy", str(code))
        code.write_text(SERVER_CODE)
        hooks.write_text(HOOK_CONFIG)
        _karakuri(source_state, "servercode", "deploy", str(code), "--hook-config", str(hooks))
        scopes, ids = _fill_source(f"{app['baseURL']}/apps/{app['appID']}", _admin(app))

        report = json.loads(
            _karakuri(
                target_state,
                "import",
                "kii",
                "--site",
                app["baseURL"],
                "--app-id",
                app["appID"],
                "--app-key",
                app["appKey"],
                "--client-id",
                app["clientID"],
                "--client-secret",
                app["clientSecret"],
                "--bucket",
                "items",
            )
        )
        assert report["objects"] == {"items": 3, **{f"{s}/items": 1 for s in scopes}}
        assert (report["users"], report["groups"], report["things"]) == (3, 1, 1)
        assert len(report["serverCodeVersions"]) == 2

        def view(state: Path) -> dict[str, Any]:
            auth = _admin({**app, "baseURL": _api(state)})
            as_app = (
                "--app-id",
                app["appID"],
                "--client-id",
                app["clientID"],
                "--client-secret",
                app["clientSecret"],
            )
            return {
                **_everything(f"{_api(state)}/apps/{app['appID']}", auth, scopes),
                "current": _karakuri(  # the current version's source (version IDs are new)
                    state,
                    "servercode",
                    "get",
                    "--code-version",
                    _karakuri(state, "servercode", "get", *as_app),
                    *as_app,
                ),
                "hooks": json.loads(_karakuri(state, "servercode", "get-hook-config", *as_app)),
                "versions": len(json.loads(_karakuri(state, "servercode", "list", *as_app))["versions"]),
            }

        copied = view(target_state)
        assert copied == view(source_state)
        assert copied["current"] == SERVER_CODE
        assert set(copied["buckets"][""]["objects"]) == set(ids)
        assert len(copied["users"]) == 3 and len(copied["groups"]) == 1 and len(copied["things"]) == 1

        # Passwords do not travel: an imported user has none until it is reset (here by the admin).
        base = f"{_api(target_state)}/apps/{app['appID']}"
        alice = scopes[0].removeprefix("users/")
        login = {"username": "alice", "password": "pass1234"}
        with pytest.raises(urllib.error.HTTPError):
            _request(f"{base}/oauth2/token", login)
        admin = _admin({**app, "baseURL": _api(target_state)})
        user = _request(f"{base}/users/{alice}", headers=admin)
        assert user["_hasPassword"] is False and user["team"] == "red"
        _call("PUT", f"{base}/users/{alice}/password", {"newPassword": "again1234"}, admin)
        assert _request(f"{base}/oauth2/token", {**login, "password": "again1234"})["access_token"]
        _stop(source)
        _stop(target)
