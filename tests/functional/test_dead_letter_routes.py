"""The app admin's dead letters (GET …/hooks/dead-letters, POST …/{letterID}/redrive): the
executions the executor gave up on, from the SQS dead-letter queue (moto) or the local
stack's list, each app's own only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest

from chalicelib.domain.hooks import ClaimKey, ExecutionOrder
from tests.conftest import Kii


def order(app_id: str, name: str = "nightly") -> ExecutionOrder:
    return ExecutionOrder(
        kind="schedule",
        app_id=app_id,
        key=ClaimKey.job(1_795_000_000_000, name),
        trigger="SCHEDULE",
        path="kiicloud://scheduler",
        endpoint="nightly",
        version_id="v1",
        params={"n": 1},
        name=name,
    )


@dataclass
class Letters:
    put: Callable[[ExecutionOrder], str]  # -> the letter's ID
    redriven: Callable[[], list[ExecutionOrder]]  # what reached the executions queue


class Recorded:
    """The local pool's place: what the executions queue was sent."""

    def __init__(self) -> None:
        self.sent: list[ExecutionOrder] = []

    def send(self, sent: ExecutionOrder) -> None:
        self.sent.append(sent)


@pytest.fixture(params=["sqs", "local"])
def letters(request: pytest.FixtureRequest, kii: Kii) -> Iterator[Letters]:
    from chalicelib import wiring

    container = kii.services.container
    if request.param == "local":
        recorded = Recorded()
        memory = wiring.local_dead_letters(recorded.send)
        container.dead_letters.queue = memory
        yield Letters(lambda o: memory.put(o).letter_id, lambda: recorded.sent)
    else:
        sqs = wiring.aws_client("sqs", container.settings)
        executions = sqs.create_queue(QueueName="executions")["QueueUrl"]
        dead = sqs.create_queue(QueueName="executions-dlq")["QueueUrl"]
        settings = replace(
            container.settings, executions_queue_url=executions, executions_dead_letter_queue_url=dead
        )
        container.dead_letters.queue = wiring.dead_letter_queue(settings)

        def put(o: ExecutionOrder) -> str:
            return str(sqs.send_message(QueueUrl=dead, MessageBody=o.to_text())["MessageId"])

        def redriven() -> list[ExecutionOrder]:
            got = sqs.receive_message(QueueUrl=executions, MaxNumberOfMessages=10).get("Messages", [])
            return [ExecutionOrder.from_text(m["Body"]) for m in got]

        yield Letters(put, redriven)
    container.dead_letters.queue = None


def listed(kii: Kii, token: str) -> list[str]:
    reply = kii.call("GET", "/hooks/dead-letters", token=token)
    assert reply.status == 200, reply.body
    return [letter["letterID"] for letter in reply.body["deadLetters"]]


def test_the_admin_sees_the_apps_dead_letters_with_what_they_would_run(kii: Kii, letters: Letters) -> None:
    letter_id = letters.put(order(kii.app.app_id))
    reply = kii.call("GET", "/hooks/dead-letters", token=kii.admin_token())
    assert reply.status == 200, reply.body
    [letter] = reply.body["deadLetters"]
    assert letter["letterID"] == letter_id
    assert {k: letter[k] for k in ("kind", "trigger", "endpoint", "name", "params", "versionID")} == {
        "kind": "schedule",
        "trigger": "SCHEDULE",
        "endpoint": "nightly",
        "name": "nightly",
        "params": {"n": 1},
        "versionID": "v1",
    }
    assert isinstance(letter["sentAt"], int)


def test_a_redriven_letter_goes_back_to_the_executions_queue_and_leaves_the_list(
    kii: Kii, letters: Letters
) -> None:
    admin = kii.admin_token()
    letter_id = letters.put(order(kii.app.app_id))
    kept = letters.put(order(kii.app.app_id, "other"))
    reply = kii.call("POST", f"/hooks/dead-letters/{letter_id}/redrive", token=admin)
    assert reply.status == 204, reply.body
    assert [o.name for o in letters.redriven()] == ["nightly"]
    assert listed(kii, admin) == [kept]


def test_an_admin_never_sees_nor_redrives_another_apps_letters(
    kii: Kii, other_app: Kii, letters: Letters
) -> None:
    theirs = letters.put(order(kii.app.app_id))
    mine = letters.put(order(other_app.app.app_id))
    other_admin = other_app.admin_token()
    assert listed(other_app, other_admin) == [mine]
    refused = other_app.call("POST", f"/hooks/dead-letters/{theirs}/redrive", token=other_admin)
    assert (refused.status, refused.body["errorCode"]) == (404, "NOT_FOUND")
    assert refused.body["letterID"] == theirs
    crossed = kii.call("GET", "/hooks/dead-letters", token=other_admin)  # app A's path, B's token
    assert (crossed.status, crossed.body["errorCode"]) == (403, "WRONG_TOKEN")
    crossed = kii.call("POST", f"/hooks/dead-letters/{theirs}/redrive", token=other_admin)
    assert (crossed.status, crossed.body["errorCode"]) == (403, "WRONG_TOKEN")
    assert letters.redriven() == []
    assert listed(kii, kii.admin_token()) == [theirs]


def test_users_may_not_read_or_redrive_dead_letters(kii: Kii, letters: Letters) -> None:
    letter_id = letters.put(order(kii.app.app_id))
    _, user = kii.register("notadmin")
    for method, path in (
        ("GET", "/hooks/dead-letters"),
        ("POST", f"/hooks/dead-letters/{letter_id}/redrive"),
    ):
        reply = kii.call(method, path, token=user)
        assert (reply.status, reply.body["errorCode"]) == (403, "UNAUTHORIZED")
    assert letters.redriven() == []


def test_an_unknown_letter_is_not_found(kii: Kii, letters: Letters) -> None:
    reply = kii.call("POST", "/hooks/dead-letters/nope/redrive", token=kii.admin_token())
    assert (reply.status, reply.body["errorCode"]) == (404, "NOT_FOUND")


def test_without_a_dead_letter_queue_there_are_no_letters(kii: Kii) -> None:
    admin = kii.admin_token()
    assert listed(kii, admin) == []
    reply = kii.call("POST", "/hooks/dead-letters/any/redrive", token=admin)
    assert (reply.status, reply.body["errorCode"]) == (404, "NOT_FOUND")
