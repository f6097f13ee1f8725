"""The same store behaviours on the in-memory twin and on DynamoDB (moto)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.adapters.table import Absent, ConditionFailed, Key, MemoryTable, Put, VersionIs
from chalicelib.domain.events import Caller, Trigger, new_event, user_params
from chalicelib.domain.models import CodeRecord, Group, Principal, TokenRecord, User
from chalicelib.errors import AppAlreadyExists, Conflict, GroupAlreadyExists, UserAlreadyExists
from tests.conftest import TEST_SETTINGS


def _events(services: wiring.Container) -> list[Any]:
    table = services.table
    if isinstance(table, MemoryTable):
        return [services.records.parse(i) for i in table.stream]
    client = table.client  # type: ignore[attr-defined]
    return [
        services.records.parse({"eventName": "INSERT", "dynamodb": {"NewImage": item}})
        for item in client.scan(TableName=TEST_SETTINGS.events_table)["Items"]
    ]


def _user(user_id: str = "u1", login: str = "alice", **extra: Any) -> User:
    return User(
        app_id="app1",
        user_id=user_id,
        internal_user_id=1,
        created_at=1,
        modified_at=1,
        login_name=login,
        **extra,
    )


CALLER = Caller(Principal("anonymous", "app1"))


def test_transaction_is_all_or_nothing(services: wiring.Container) -> None:
    table = services.table
    table.transact([Put("data", {"pk": "a", "sk": "1", "version": 1})])
    with pytest.raises(ConditionFailed) as failed:
        table.transact([Put("data", {"pk": "b", "sk": "1"}), Put("data", {"pk": "a", "sk": "1"}, Absent())])
    assert failed.value.index == 1
    assert table.get("data", Key("b", "1")) is None
    with pytest.raises(ConditionFailed):
        table.transact([Put("data", {"pk": "a", "sk": "1", "version": 2}, VersionIs(5))])
    table.transact([Put("data", {"pk": "a", "sk": "1", "version": 2}, VersionIs(1))])
    assert table.get("data", Key("a", "1")) == {"pk": "a", "sk": "1", "version": 2}


def test_query_returns_a_partition_in_sort_key_order(services: wiring.Container) -> None:
    table = services.table
    table.transact(
        [Put("data", {"pk": "p", "sk": f"X#{n}", "n": n}) for n in (3, 1, 2)]
        + [Put("data", {"pk": "p", "sk": "Y#1"})]
    )
    assert [i["n"] for i in table.query("data", "p", "X#")] == [1, 2, 3]


def test_app_ids_and_client_ids_are_unique(services: wiring.Container) -> None:
    created = services.apps.create("one")
    from chalicelib.services.apps import AppCredentials

    with pytest.raises(AppAlreadyExists):
        services.apps.register(AppCredentials(created.app_id, "k", "other-client", "s", "dup"))
    assert services.auth.apps.get_by_client_id(created.client_id) is not None


def test_user_identities_are_unique_and_written_with_the_event(services: wiring.Container) -> None:
    store = services.users.users
    event = new_event(CALLER, Trigger.USER_CREATED, user_params("u1"), 1)
    store.create(_user(email="a@x.io"), [event])
    with pytest.raises(UserAlreadyExists):
        store.create(_user("u2", "ALICE"), [new_event(CALLER, Trigger.USER_CREATED, user_params("u2"), 2)])
    assert store.find("app1", "email", "A@X.IO") is not None
    assert [e.event_id for e in _events(services)] == [event.event_id]


def test_user_save_is_optimistic_and_moves_identity_claims(services: wiring.Container) -> None:
    store = services.users.users
    original = _user()
    store.create(original, [])
    renamed = original.changed(2, login_name="alicia")
    store.save(renamed, original, [])
    with pytest.raises(Conflict):
        store.save(original.changed(3, display_name="stale"), original, [])
    assert store.find("app1", "login_name", "alice") is None
    assert store.find("app1", "login_name", "alicia") == renamed


def test_deleted_user_frees_identities(services: wiring.Container) -> None:
    store = services.users.users
    user = _user()
    store.create(user, [])
    store.delete(user, [])
    assert store.get("app1", "u1") is None
    store.create(_user("u2"), [])


def test_group_membership_indexes(services: wiring.Container) -> None:
    store = services.groups.groups
    group = Group("app1", "g1", "team", "u1", 1, 1)
    store.create(group, ["u1", "u2"], [])
    with pytest.raises(GroupAlreadyExists):
        store.create(group, ["u1"], [])
    store.add_members(group, ["u3"], [])
    assert store.members("app1", "g1") == ["u1", "u2", "u3"]
    assert [g.group_id for g in store.groups_of_member("app1", "u3")] == ["g1"]
    assert [g.group_id for g in store.groups_owned_by("app1", "u1")] == ["g1"]
    store.forget_member("app1", "u3")
    assert store.groups_of_member("app1", "u3") == []
    store.delete(group, [])
    assert store.get("app1", "g1") is None and store.members("app1", "g1") == []


def test_tokens_and_codes_round_trip(services: wiring.Container) -> None:
    tokens = services.auth.tokens
    record = TokenRecord("d1", "access", "app1", "user", "u1", 1, 2)
    tokens.put(record)
    assert tokens.get("d1") == record
    tokens.delete_for_principal("app1", "u1")
    assert tokens.get("d1") is None
    codes = services.users.codes
    code = CodeRecord("app1", "u1", "email", "123456", "a@x.io", 10, 2)
    codes.put(code)
    assert codes.get("app1", "u1", "email") == code
    codes.delete("app1", "u1", "email")
    assert codes.get("app1", "u1", "email") is None


def test_failed_transaction_rolls_back_items_and_stream_records(services: wiring.Container) -> None:
    store = services.users.users
    store.create(_user(), [new_event(CALLER, Trigger.USER_CREATED, user_params("u1"), 1)])
    clash = _user("u2", "bob", email=None)
    clash = User(**{**clash.__dict__, "login_name": "ALICE"})
    with pytest.raises(UserAlreadyExists):
        store.create(clash, [new_event(CALLER, Trigger.USER_CREATED, user_params("u2"), 2)])
    assert store.get("app1", "u2") is None
    assert len(_events(services)) == 1
    if not isinstance(services.table, MemoryTable):
        from chalicelib.adapters.streams import StreamReader

        client = wiring.aws_client("dynamodbstreams", TEST_SETTINGS)
        arn = services.table.client.describe_table(TableName=TEST_SETTINGS.events_table)["Table"][
            "LatestStreamArn"
        ]  # type: ignore[attr-defined]
        assert len(StreamReader(client, arn).poll(100)) == 1


def test_ordered_reads_a_partition_lazily_after_a_key(services: wiring.Container) -> None:
    table = services.table
    for start in range(0, 250, 50):
        table.transact(
            [
                Put("data", {"pk": f"o{n}", "sk": "x", "gsi1pk": "p", "gsi1sk": f"{n:03d}"})
                for n in range(start, start + 50)
            ]
        )
    forward = [i["gsi1sk"] for i in table.ordered("data", "p", "gsi1", after="100")]
    assert forward[:2] == ["101", "102"] and len(forward) == 149
    backward = table.ordered("data", "p", "gsi1", descending=True, after="100")
    assert [next(backward)["gsi1sk"] for _ in range(2)] == ["099", "098"]
