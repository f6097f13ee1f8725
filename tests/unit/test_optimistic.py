"""The optimistic-update loop and the shared store helpers: a refused write is read again,
a bounded number of times; a refused condition becomes the Kii error the store names."""

from __future__ import annotations

import pytest

from chalicelib.adapters.items import DATA, attributes, commit, fields, present
from chalicelib.adapters.table import Absent, MemoryTable, Put
from chalicelib.domain.models import Notification
from chalicelib.errors import Conflict, GroupNotFound, ObjectVersionIsStale
from chalicelib.services.optimistic import RETRIES, optimistic_update


def test_an_update_refused_by_a_concurrent_change_is_read_and_tried_again() -> None:
    rounds: list[int] = []

    def attempt() -> str:
        rounds.append(len(rounds))
        if len(rounds) < 3:
            raise Conflict()
        return "written"

    assert optimistic_update(attempt) == "written"
    assert len(rounds) == 3


def test_an_update_that_never_wins_gives_up_with_conflict_after_the_bounded_rounds() -> None:
    rounds: list[int] = []

    def attempt() -> None:
        rounds.append(1)
        raise Conflict()

    with pytest.raises(Conflict):
        optimistic_update(attempt)
    assert len(rounds) == RETRIES


def test_any_other_error_ends_the_update_at_once() -> None:
    rounds: list[int] = []

    def attempt() -> None:
        rounds.append(1)
        raise ObjectVersionIsStale()

    with pytest.raises(ObjectVersionIsStale):
        optimistic_update(attempt)
    assert len(rounds) == 1


def test_a_refused_condition_becomes_conflict_or_the_error_the_store_names() -> None:
    table = MemoryTable()
    item = {"pk": "P", "sk": "S"}
    commit(table, [Put(DATA, item, Absent())])
    with pytest.raises(Conflict):
        commit(table, [Put(DATA, item, Absent())])
    with pytest.raises(GroupNotFound):
        commit(table, [Put(DATA, item, Absent())], lambda _: GroupNotFound())


def test_item_attributes_leave_out_absent_values_and_read_back_as_the_record() -> None:
    names = {"userID": "user_id", "channel": "channel", "to": "to", "purpose": "purpose"}
    names.update(code="code", sentAt="sent_at")
    sent = Notification("app", "u1", "EMAIL", "a@example.com", "reset", "123456", 7)
    item = attributes(sent, names)
    assert item["sentAt"] == 7 and "appID" not in item
    assert Notification(app_id="app", **fields(item, names)) == sent
    assert present({"a": 1}, b=None, c=2) == {"a": 1, "c": 2}
