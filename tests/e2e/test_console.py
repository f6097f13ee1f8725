"""The developer console in a real headless Chromium against a live local stack: what a Kii
developer does in it, step by step, through the page's labels and roles (so the page stays
usable with a keyboard and a screen reader). Screenshots go to a temporary folder, or to
docs/console/ with KARAKURI_CONSOLE_SCREENSHOTS=docs/console (how the docs' pictures are made)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, Stack

# Ceilings for readiness waits on a busy machine, not expectations.
WAIT_MS = 60_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

SERVER_CODE = """
function onTask(params, context, done) {
  console.log("task created: " + params.uri);
  done("seen");
}
function add(params, context) {
  console.log("adding " + params.a + " and " + params.b);
  return {sum: params.a + params.b};
}
"""
HOOK_CONFIG = """{
  "kiicloud://buckets/tasks": [
    {"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "onTask"}
  ],
  "kiicloud://scheduler": {
    "tidy": {"what": "EXECUTE_SERVER_CODE", "cron": "0 3 * * *", "endpoint": "add", "parameters": {"a": 1, "b": 1}}
  }
}"""


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = os.environ.get("KARAKURI_CONSOLE_SCREENSHOTS")
    path = (ROOT / folder) if folder else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    outside: list[str] = []
    opened.on("request", lambda r: None if r.url.startswith(stack.base_url) else outside.append(r.url))
    try:
        yield opened
        assert outside == [], "the console reached outside its own origin"
    finally:
        context.close()


def _sign_in_to_demo(page: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    page.goto(f"{stack.base_url}/console")
    page.get_by_role("button", name="Sign in to the demo app").click()
    expect(page.get_by_role("navigation", name="Views")).to_be_visible()


def _as_admin(stack: Stack, method: str, path: str, body: Any, content_type: str = "application/json") -> Any:
    """One REST call as the demo app's admin, beside the page (as another client would)."""
    import json
    import urllib.request

    c = stack.credentials

    def call(url: str, data: bytes, headers: dict[str, str], verb: str = "POST") -> Any:
        request = urllib.request.Request(url, data=data, method=verb, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    token = call(
        f"{stack.base_url}/api/oauth2/token",
        json.dumps({"client_id": c["clientID"], "client_secret": c["clientSecret"]}).encode(),
        {"X-Kii-AppID": c["appID"], "Content-Type": "application/json"},
    )["access_token"]
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type, "X-Kii-AppID": c["appID"]}
    return call(f"{stack.base_url}{path}", data, headers, method)


def _put_state(stack: Stack, thing_id: str, state: dict[str, Any]) -> None:
    _as_admin(
        stack, "PUT", f"/thing-if/apps/{stack.credentials['appID']}/targets/thing:{thing_id}/states", state
    )


def _go(page: Any, view: str) -> None:
    page.get_by_role("navigation", name="Views").get_by_role("link", name=view, exact=True).click()


def _until(check: Callable[[], bool], refresh: Callable[[], None], seconds: float = 60) -> None:
    """Refreshes a view until ``check`` holds (a hook runs after its write, asynchronously)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the console did not show it in time")
        refresh()


def test_console_signs_in_with_an_apps_admin_credentials(page: Any, stack: Stack, shots: Path) -> None:
    from playwright.sync_api import expect

    c = stack.credentials
    page.goto(f"{stack.base_url}/console")
    expect(page.get_by_role("heading", name="karakuri console")).to_be_visible()
    page.screenshot(path=str(shots / "sign-in.png"))
    page.get_by_label("App ID", exact=True).fill(c["appID"])
    page.get_by_label("App key", exact=True).fill(c["appKey"])
    page.get_by_label("Client ID", exact=True).fill(c["clientID"])
    page.get_by_label("Client secret", exact=True).fill("not-the-secret")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("invalid_grant")

    page.get_by_label("Client secret", exact=True).fill(c["clientSecret"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Views")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(c["appID"])


def test_console_drives_data_server_code_executions_and_thing_if(
    page: Any, stack: Stack, shots: Path
) -> None:
    from playwright.sync_api import expect

    _sign_in_to_demo(page, stack)

    # Server code: deploy a file's source with a hook config, made current.
    _go(page, "Server code")
    page.get_by_label("Source", exact=True).fill(SERVER_CODE)
    page.get_by_label("Hook config (JSON, optional)", exact=True).fill(HOOK_CONFIG)
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Deployed version")).to_be_visible()
    versions = page.get_by_role("table", name="Versions")
    expect(versions.get_by_text("current")).to_be_visible()
    versions.get_by_role("button", name="View").first.click()
    expect(page.get_by_label("Hook config", exact=True)).to_contain_text("DATA_OBJECT_CREATED")

    # Data: a new object in the app's bucket "tasks", seen in the data browser; the write
    # fires the hook.
    _go(page, "Data")
    page.get_by_label("Bucket", exact=True).fill("tasks")
    page.get_by_role("button", name="Open bucket").click()
    page.get_by_label("New object (JSON)", exact=True).fill('{"title": "buy milk", "done": false}')
    page.get_by_role("button", name="Create object").click()
    objects = page.get_by_role("table", name="Objects")
    expect(objects).to_contain_text('title: "buy milk"')
    object_id = objects.get_by_role("button").first.inner_text()
    expect(page.get_by_label("Fields (JSON)", exact=True)).to_have_value(re.compile("buy milk"))
    acl = page.get_by_role("list", name="ACL entries", exact=True)
    expect(acl).to_contain_text("UserID:ANONYMOUS_USER")  # the app scope's default
    page.get_by_role(
        "button", name="Revoke READ_EXISTING_OBJECT from UserID:ANONYMOUS_USER", exact=True
    ).click()
    expect(acl).not_to_contain_text("UserID:ANONYMOUS_USER")
    page.get_by_label("Subject (UserID:…, GroupID:…, ThingID:…)", exact=True).fill("UserID:ANONYMOUS_USER")
    page.get_by_role("button", name="Grant", exact=True).click()
    expect(acl).to_contain_text("UserID:ANONYMOUS_USER")
    # The bucket's ACL: anonymous users may query the app's buckets by default; revoke, grant.
    page.get_by_role("button", name="The bucket's ACL").click()
    bucket_acl = page.get_by_role("list", name="Bucket ACL entries")
    anonymous_query = (
        bucket_acl.get_by_role("listitem")
        .filter(has_text="QUERY_OBJECTS_IN_BUCKET")
        .filter(has_text="UserID:ANONYMOUS_USER")
    )
    expect(anonymous_query).to_have_count(1)
    page.get_by_role(
        "button", name="Bucket ACL: Revoke QUERY_OBJECTS_IN_BUCKET from UserID:ANONYMOUS_USER"
    ).click()
    expect(anonymous_query).to_have_count(0)
    page.get_by_label("Bucket ACL: Action", exact=True).select_option("QUERY_OBJECTS_IN_BUCKET")
    page.get_by_label("Bucket ACL: Subject (UserID:…, GroupID:…, ThingID:…)", exact=True).fill(
        "UserID:ANONYMOUS_USER"
    )
    page.get_by_role("button", name="Grant on the bucket").click()
    expect(anonymous_query).to_have_count(1)
    page.get_by_label("Upload a body", exact=True).set_input_files(
        files=[{"name": "note.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    expect(page.get_by_role("status", name="Body")).to_contain_text("text/plain, 5 bytes")
    page.screenshot(path=str(shots / "data.png"), full_page=True)

    # Executions: the hook's run, with its log line.
    _go(page, "Executions")
    timeline = page.get_by_role("list", name="Timeline")
    run = timeline.get_by_role("button").filter(has_text="onTask")
    _until(lambda: run.count() > 0, lambda: page.get_by_role("button", name="Refresh", exact=True).click())
    expect(run.first).to_contain_text("DATA_OBJECT_CREATED")
    expect(run.first).to_contain_text("SUCCESS")  # a RUNNING run is looked at again by the view
    run.first.click()
    expect(timeline).to_contain_text(f"task created: kiicloud://buckets/tasks/objects/{object_id}")
    page.get_by_role("heading", name="Timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "executions.png"))

    # Above the timeline: the scheduler job of the hook config, with its next run (03:00 UTC,
    # today or tomorrow), and the dead letters (none: nothing was given up on).
    schedules = page.get_by_role("table", name="Schedules")
    tidy = schedules.get_by_role("row").filter(has_text="tidy")
    expect(tidy).to_contain_text("0 3 * * *")
    expect(tidy).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d 03:00:00Z"))
    expect(page.get_by_text("No dead letters")).to_be_visible()

    # Invoke an endpoint: its returned value, step count and log lines.
    _go(page, "Server code")
    page.get_by_label("Endpoint", exact=True).fill("add")
    page.get_by_label("Parameters (JSON)", exact=True).fill('{"a": 2, "b": 3}')
    page.get_by_role("button", name="Invoke", exact=True).click()
    result = page.get_by_role("status", name="Invocation result")
    expect(result).to_contain_text('"returnedValue"')
    expect(result.locator("pre.returned")).to_contain_text('"sum": 5')
    expect(result).to_contain_text(re.compile(r"HTTP 200 · step count \d+"))
    expect(result).to_contain_text("adding 2 and 3")
    result.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "server-code.png"))

    # The manual run joins the timeline.
    _go(page, "Executions")
    expect(timeline.get_by_role("button").filter(has_text="MANUAL").first).to_contain_text("add")

    # A second version, compared with the first.
    _go(page, "Server code")
    page.get_by_label("Source", exact=True).fill(
        SERVER_CODE.replace("{sum: params.a + params.b}", "{sum: params.a + params.b, v: 2}")
    )
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.get_by_role("table", name="Versions").get_by_role("row")).to_have_count(3)  # a header and two
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="lines differ")).to_contain_text("2 lines differ")
    expect(page.get_by_label("Differences", exact=True)).to_contain_text(
        "+   return {sum: params.a + params.b, v: 2};"
    )

    # Users: a user to issue commands as; Things: a thing, and a Thing-IF command sent to it.
    _go(page, "Users and groups")
    page.get_by_label("Login name", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill("pass1234")
    page.get_by_label("Email (optional)", exact=True).fill("alice@example.com")
    page.get_by_role("button", name="Create user").click()
    created = page.get_by_role("status").filter(has_text="Created user")
    expect(created).to_be_visible()
    user_id = created.locator("code").inner_text()
    page.get_by_role("button", name="Show codes sent").click()
    codes = page.get_by_role("table", name="Codes sent")
    expect(codes).to_contain_text("email-verification")
    expect(codes).to_contain_text("alice@example.com")

    _go(page, "Things")
    page.get_by_label("Vendor thing ID", exact=True).fill("lamp-1")
    page.get_by_label("Thing password", exact=True).fill("lamp-pass")
    page.get_by_role("button", name="Register thing").click()
    expect(page.get_by_role("heading", name=re.compile("^Thing th\\."))).to_be_visible()
    page.get_by_label("Issuer (user:ID or group:ID)", exact=True).fill(f"user:{user_id}")
    page.get_by_role("button", name="Send command").click()
    sent = page.get_by_role("status").filter(has_text="Sent command")
    expect(sent).to_be_visible()
    command_id = sent.locator("code").inner_text()
    commands = page.get_by_role("list", name="Commands")
    expect(commands).to_contain_text(command_id)
    expect(commands).to_contain_text("turnPower")
    # The thing reports a state (here over REST, as the admin): the open view shows it unasked.
    thing_id = page.get_by_role("heading", name=re.compile("^Thing th\\.")).locator("code").inner_text()
    _put_state(stack, thing_id, {"power": True, "brightness": 80})
    expect(page.get_by_label("State", exact=True)).to_contain_text('"brightness": 80')
    page.screenshot(path=str(shots / "things.png"))

    # Overview: the runs so far, by status and trigger.
    _go(page, "Overview")
    expect(page.get_by_role("list", name="Runs by trigger")).to_contain_text("DATA_OBJECT_CREATED")
    expect(page.get_by_role("list", name="Runs by status")).to_contain_text("SUCCESS")
    expect(page.get_by_role("list", name="Latest log lines")).to_contain_text("adding 2 and 3")
    page.screenshot(path=str(shots / "overview.png"))


def test_overview_lists_the_local_stacks_apps_and_creates_one_to_sign_in_to(
    page: Any, stack: Stack, shots: Path
) -> None:
    from playwright.sync_api import expect

    _sign_in_to_demo(page, stack)
    apps = page.get_by_role("table", name="Apps")
    expect(apps.get_by_role("row").filter(has_text=stack.credentials["appID"])).to_contain_text("signed in")
    page.get_by_label("New app's name", exact=True).fill("shop")
    page.get_by_role("button", name="Create app").click()
    created = page.get_by_role("status").filter(has_text="Created app")
    expect(created).to_contain_text("shop")
    new_app = created.get_by_label("New app's credentials").locator("dd code").first.inner_text()
    expect(apps).to_contain_text(new_app)
    page.get_by_role("heading", name="Apps on this local stack").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "apps.png"))
    page.get_by_role("button", name="Sign in to shop").click()
    expect(page.get_by_role("banner")).to_contain_text(new_app)
    expect(apps.get_by_role("row").filter(has_text=new_app)).to_contain_text("signed in")


def test_console_fits_a_phone_width(browser: Any, stack: Stack, shots: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        _sign_in_to_demo(page, stack)
        _go(page, "Executions")
        expect(page.get_by_role("heading", name="Executions")).to_be_visible()
        expect(page.get_by_role("list", name="Timeline")).to_have_attribute("aria-busy", "false")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"
        page.screenshot(path=str(shots / "phone.png"))
        # The overview with the local stack's apps, and the Live view, fit as well.
        for view, shown in (
            ("Overview", page.get_by_role("table", name="Apps")),
            ("Live", page.get_by_role("status").filter(has_text="Following")),
        ):
            _go(page, view)
            expect(shown).to_be_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{view} is {width}px wide on a {PHONE['width']}px screen"
    finally:
        context.close()


def test_console_moves_between_views_with_the_keyboard(page: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    _sign_in_to_demo(page, stack)
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to the view")).to_be_focused()
    link = page.get_by_role("navigation", name="Views").get_by_role("link", name="Live", exact=True)
    link.focus()
    page.keyboard.press("Enter")
    expect(link).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Live", exact=True)).to_be_visible()


def test_live_shows_each_new_log_line_as_it_comes(page: Any, stack: Stack, shots: Path) -> None:
    from playwright.sync_api import expect

    _sign_in_to_demo(page, stack)
    _go(page, "Live")
    # The local stack holds the view's request until the next line: no polling interval.
    expect(page.get_by_role("status").filter(has_text="Following")).to_contain_text("each line as it comes")
    deployed = _as_admin(
        stack,
        "POST",
        f"/api/apps/{stack.credentials['appID']}/server-code",
        "function live(params, context) { return 1; }",
        "application/javascript",
    )["versionID"]
    log = page.get_by_role("list", name="Developer log")
    expect(log).to_contain_text(f"Deployed server code version {deployed}")
    page.screenshot(path=str(shots / "live.png"))


def test_console_signs_out_when_the_api_no_longer_takes_its_token(page: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    _sign_in_to_demo(page, stack)
    page.evaluate(
        """() => {
          const key = "karakuri.console.session";
          sessionStorage.setItem(key, JSON.stringify({...JSON.parse(sessionStorage.getItem(key)), token: "revoked"}));
        }"""
    )
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("Signed out")
    expect(page.get_by_role("button", name="Sign in to the demo app")).to_be_visible()
