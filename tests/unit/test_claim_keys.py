"""Claim keys keep the stored forms of earlier releases (claims written before an upgrade
still hold), and an execution order survives the queue as JSON."""

from __future__ import annotations

import pytest

from chalicelib.domain.hooks import ClaimKey, ExecutionOrder

MINUTE = 1_793_491_260_000


@pytest.mark.parametrize(
    ("key", "stored"),
    [
        (ClaimKey.event("1793491200008-abc"), "1793491200008-abc"),
        (ClaimKey.state_trigger("1793491200008-abc", "trg1"), "1793491200008-abc#trg1"),
        (ClaimKey.job(MINUTE, "nightly"), f"{MINUTE:013d}-schedule-nightly"),
        (ClaimKey.scheduled_trigger(MINUTE, "trg1"), f"{MINUTE:013d}-thing-if-trg1"),
        (ClaimKey.scheduled_trigger(None, "trg1"), "once-thing-if-trg1"),
    ],
)
def test_claim_keys_are_stored_as_earlier_releases_stored_them(key: ClaimKey, stored: str) -> None:
    assert str(key) == stored
    assert ClaimKey.from_json(key.to_json()) == key


def test_an_execution_order_survives_the_queue_and_carries_no_token() -> None:
    order = ExecutionOrder(
        kind="hook",
        app_id="app1",
        key=ClaimKey.event("e1"),
        trigger="USER_CREATED",
        path="kiicloud://users",
        endpoint="record",
        version_id="v1",
        params={"userID": "u1", "nested": {"n": [1, 2.5, None]}},
        actor_kind="user",
        actor_id="u1",
        depth=1,
    )
    text = order.to_text()
    assert ExecutionOrder.from_text(text) == order
    assert "token" not in text.lower()


@pytest.mark.parametrize(
    "text", ["", "[]", '{"kind": "hook"}', '{"kind": "dance", "appID": "a"}', "not json"]
)
def test_a_message_that_is_not_an_order_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        ExecutionOrder.from_text(text)
