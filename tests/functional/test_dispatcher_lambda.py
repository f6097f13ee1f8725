"""The dispatcher Lambda, invoked as AWS invokes it, with batches read from the moto stream."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Kii


def test_dispatcher_logs_each_event_in_one_line(kii: Kii, caplog: pytest.LogCaptureFixture) -> None:
    from chalice.test import Client

    from app import app

    caplog.set_level(logging.INFO, logger="karakuri.dispatcher")
    user_id, _ = kii.register("alice")
    batch = {"Records": kii.services.drain_records()}
    with Client(app) as client:
        result = client.lambda_.invoke("dispatcher", batch)
    assert result.payload == {"batchItemFailures": []}
    [line] = [r.getMessage() for r in caplog.records if r.name == "karakuri.dispatcher"]
    assert "trigger=USER_CREATED" in line and user_id in line and "causation=client" in line


def test_a_poison_record_is_reported_alone(kii: Kii) -> None:
    from chalice.test import Client

    from app import app

    kii.register("alice")
    kii.register("bob")
    good = kii.services.drain_records()
    poison = {
        "eventName": "INSERT",
        "eventSourceARN": kii.services.events_stream,
        "dynamodb": {"SequenceNumber": "999", "NewImage": {"eventID": {"S": "broken"}}},
    }
    with Client(app) as client:
        result = client.lambda_.invoke("dispatcher", {"Records": [good[0], poison, good[1]]})
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": "999"}]}


def test_expired_events_removed_by_ttl_are_ignored(kii: Kii) -> None:
    from chalice.test import Client

    from app import app

    removal = {"eventName": "REMOVE", "dynamodb": {"SequenceNumber": "5", "OldImage": {}}}
    with Client(app) as client:
        assert client.lambda_.invoke("dispatcher", {"Records": [removal]}).payload == {
            "batchItemFailures": []
        }
