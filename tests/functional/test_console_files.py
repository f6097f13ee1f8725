"""GET /console and its files: the built page, script and styles with their types and a
policy that keeps the page to its own origin; nothing else from the folder or beyond it."""

from __future__ import annotations

import pytest

from chalicelib.api import console
from tests.conftest import Kii

pytestmark = pytest.mark.skipif(
    not (console.ASSETS / "index.html").exists(), reason="the console is not built (`make console`)"
)


def test_console_page_is_served_as_html_with_a_same_origin_policy(kii: Kii) -> None:
    reply = kii.call("GET", "/console", content_type=None)
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert 'src="console/console.js"' in reply.body


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("console.js", "text/javascript"), ("styles.css", "text/css"), ("licenses.txt", "text/plain")],
)
def test_console_files_are_served_with_their_types(kii: Kii, name: str, content_type: str) -> None:
    reply = kii.call("GET", f"/console/{name}", content_type=None)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith(content_type)
    assert reply.body


@pytest.mark.parametrize("name", ["..%2F..%2Fapp.py", ".hidden.js", "console.js.map", "nope.js", "a%00.js"])
def test_console_serves_nothing_but_its_own_files(kii: Kii, name: str) -> None:
    reply = kii.call("GET", f"/console/{name}", content_type=None)
    assert reply.status == 404
    assert reply.body["errorCode"] == "NOT_FOUND"
