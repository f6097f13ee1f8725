"""The local stack as people start it: `chalice local --stage local` in its own process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(url: str, body: dict[str, object] | None = None, headers: dict[str, str] | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _start(state: Path, **extra_env: str) -> subprocess.Popen[str]:
    """`chalice local --stage local` on free ports, as `make run` starts it."""
    port = _free_port()
    env = {
        **os.environ,
        **extra_env,
        "KARAKURI_LOCAL_PORT": str(port),
        "KARAKURI_LOCAL_AWS_PORT": str(_free_port()),
        "KARAKURI_LOCAL_MQTT_PORT": str(_free_port()),
        "KARAKURI_STATE_DIR": str(state),
        "KARAKURI_SCRYPT_LOG2_N": "4",  # a cheap KDF, as in every test (tests/conftest.py)
        "PYTHONUNBUFFERED": "1",
    }
    chalice = Path(sys.executable).parent / "chalice"
    command = [
        str(chalice),
        "local",
        "--stage",
        "local",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-autoreload",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    process.port = port  # type: ignore[attr-defined]
    process.state = state  # type: ignore[attr-defined]
    return process


@pytest.fixture
def chalice_local(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = _start(tmp_path / "state")
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def _wait_ready(process: subprocess.Popen[str]) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Serving on" in line:
            return lines
    raise AssertionError("chalice local did not start:\n" + "".join(lines))


def test_chalice_local_stage_serves_kii_runs_the_pump_and_stops_on_ctrl_c(
    chalice_local: subprocess.Popen[str],
) -> None:
    started = time.monotonic()
    banner = "".join(_wait_ready(chalice_local))
    startup = time.monotonic() - started
    credentials = json.loads((chalice_local.state / "local-app.json").read_text())  # type: ignore[attr-defined]
    assert credentials["appID"] in banner and credentials["clientSecret"] in banner
    assert credentials["baseURL"] == f"http://127.0.0.1:{chalice_local.port}"  # type: ignore[attr-defined]
    base = f"{credentials['baseURL']}/api/apps/{credentials['appID']}"
    created = _request(f"{base}/users", {"loginName": "alice", "password": "pass1234"})
    assert created["loginName"] == "alice"
    token = _request(
        f"{credentials['baseURL']}/api/oauth2/token",
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

    assert chalice_local.stdout is not None
    deadline = time.monotonic() + 5
    seen = ""
    while time.monotonic() < deadline and "trigger=USER_CREATED" not in seen:
        seen += chalice_local.stdout.readline()
    assert "trigger=USER_CREATED" in seen and created["userID"] in seen

    chalice_local.send_signal(signal.SIGINT)
    assert chalice_local.wait(timeout=10) is not None
    assert startup < 30, f"start-up took {startup:.1f}s"


def test_demo_app_is_reused_on_the_next_start(tmp_path: Path, chalice_local: subprocess.Popen[str]) -> None:
    _wait_ready(chalice_local)
    state = chalice_local.state  # type: ignore[attr-defined]
    first = json.loads((state / "local-app.json").read_text())
    chalice_local.send_signal(signal.SIGINT)
    chalice_local.wait(timeout=10)
    again = _start(state)
    port = again.port  # type: ignore[attr-defined]
    try:
        _wait_ready(again)
        second = json.loads((state / "local-app.json").read_text())
        assert second["appID"] == first["appID"] and second["clientSecret"] == first["clientSecret"]
        admin = _request(
            f"http://127.0.0.1:{port}/api/apps/{first['appID']}/oauth2/token",
            {"client_id": first["clientID"], "client_secret": first["clientSecret"]},
        )
        assert admin["access_token"]
    finally:
        again.send_signal(signal.SIGINT)
        again.wait(timeout=10)


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
        f"{created['baseURL']}/api/apps/{created['appID']}/oauth2/token",
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
    process = _start(tmp_path / "state", KARAKURI_SCRIPT_TIMEOUT="1")
    try:
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
        signed_up = time.monotonic()
        user = _request(
            f"{credentials['baseURL']}/api/apps/{credentials['appID']}/users",
            {"loginName": "hooked", "password": "pass1234"},
        )
        ran: list[dict[str, object]] = []
        while time.monotonic() - signed_up < 5 and not ran:
            ran = json.loads(cli("executions", "list", "--trigger", "USER_CREATED"))["executions"]
        assert ran and ran[0]["status"] == "SUCCESS" and ran[0]["endpoint"] == "note"
        assert int(ran[0]["startedAt"]) - int(user["_created"]) < 1000  # type: ignore[call-overload]
        got = json.loads(cli("executions", "get", str(ran[0]["executionID"])))
        assert got["logs"] == [{"level": "INFO", "message": "noting undefined"}]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
