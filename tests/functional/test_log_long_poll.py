"""The developer log long-polled (GET …/server-code/logs?since=N&wait=S), as the console's
Live view follows it on the local stack: a reader with nothing new gets the app's next line
when it comes; where no follower is wired (AWS) the answer comes at once and says so."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.services.log_followers import LogFollowers
from tests.conftest import Kii

WAIT_CEILING_S = 60  # a readiness ceiling on a busy machine, not an expectation


@pytest.fixture
def followers(kii: Kii) -> Iterator[LogFollowers]:
    servercode = kii.services.container.servercode
    servercode.followers = LogFollowers()
    yield servercode.followers
    servercode.followers = None


def _log(kii: Kii, message: str) -> None:
    kii.services.container.servercode.record(kii.app.app_id, "servercode.log", "INFO", message)


def _last(kii: Kii, admin: str) -> int:
    return int(kii.call("GET", "/server-code/logs", token=admin).body["last"])


def test_a_reader_with_nothing_new_gets_the_apps_next_line_when_it_comes(
    kii: Kii, followers: LogFollowers
) -> None:
    admin = kii.admin_token()
    since = _last(kii, admin)
    answers: list[Any] = []
    reader = threading.Thread(
        target=lambda: answers.append(
            kii.call("GET", f"/server-code/logs?since={since}&wait=25", token=admin)
        )
    )
    reader.start()
    assert followers.wait_for_waiting(kii.app.app_id, WAIT_CEILING_S)
    _log(kii, "hello, reader")
    reader.join(WAIT_CEILING_S)
    [answer] = answers
    assert answer.status == 200, answer.body
    assert [line["message"] for line in answer.body["logs"]] == ["hello, reader"]
    assert answer.body["wait"] == 25 and answer.body["last"] > since


def test_a_reader_with_lines_waiting_gets_them_at_once(kii: Kii, followers: LogFollowers) -> None:
    admin = kii.admin_token()
    since = _last(kii, admin)
    _log(kii, "already here")
    answer = kii.call("GET", f"/server-code/logs?since={since}&wait=25", token=admin)
    assert [line["message"] for line in answer.body["logs"]] == ["already here"]


def test_a_wait_with_nothing_new_ends_empty(kii: Kii, followers: LogFollowers) -> None:
    admin = kii.admin_token()
    since = _last(kii, admin)
    answer = kii.call("GET", f"/server-code/logs?since={since}&wait=1", token=admin)
    assert answer.status == 200 and answer.body == {"logs": [], "last": since, "wait": 1}


def test_another_apps_lines_do_not_end_a_wait() -> None:
    followers = LogFollowers()
    mark = followers.mark("a")
    followers.appended("b")
    assert followers.wait("a", mark, 0.01) is False
    followers.appended("a")
    assert followers.wait("a", mark, WAIT_CEILING_S) is True


def test_without_followers_the_answer_comes_at_once_and_says_to_poll(kii: Kii) -> None:
    admin = kii.admin_token()
    answer = kii.call("GET", "/server-code/logs?since=0&wait=25", token=admin)
    assert answer.status == 200 and answer.body["wait"] == 0


@pytest.mark.parametrize("wait", ["-1", "26", "soon"])
def test_a_wait_outside_0_to_25_seconds_is_refused(kii: Kii, wait: str) -> None:
    answer = kii.call("GET", f"/server-code/logs?wait={wait}", token=kii.admin_token())
    assert (answer.status, answer.body["errorCode"]) == (400, "INVALID_INPUT_DATA")
    assert answer.body["field"] == "wait"


def test_only_the_apps_admin_may_follow_its_log(kii: Kii, other_app: Kii, followers: LogFollowers) -> None:
    _, user = kii.register("follower")
    refused = kii.call("GET", "/server-code/logs?wait=1", token=user)
    assert (refused.status, refused.body["errorCode"]) == (403, "UNAUTHORIZED")
    crossed = kii.call("GET", "/server-code/logs?wait=1", token=other_app.admin_token())
    assert (crossed.status, crossed.body["errorCode"]) == (403, "WRONG_TOKEN")
