"""Body metadata and Thing-IF state history over the table port: the same behaviour on the
in-memory twin and on DynamoDB (moto)."""

from __future__ import annotations

import pytest

from chalicelib import wiring
from chalicelib.adapters.bodies import TableBodyStore
from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.thingif import TableThingIFStore
from chalicelib.domain.bodies import ObjectBody, ObjectRef
from chalicelib.domain.events import Caller, Trigger, new_event
from chalicelib.domain.models import Principal
from chalicelib.domain.objects import Bucket, KiiObject
from chalicelib.domain.scopes import Scope
from chalicelib.domain.thingif import ThingState
from chalicelib.errors import Conflict
from tests.contract.test_stores import _events

SCOPE = Scope("app1", "user", "u1")
REF = ObjectRef(SCOPE, "files", "o1")
CALLER = Caller(Principal("user", "app1", "u1"))


def _object(services: wiring.Container) -> None:
    obj = KiiObject(SCOPE, "files", "o1", {}, 1, 1, "u1", {})
    services.objects.store.put(obj, None, Bucket(SCOPE, "files", {}, 1), [])


def _body(version: int = 1) -> ObjectBody:
    return ObjectBody(REF, f"bodies/k{version}", "text/plain", 3, 10, f"e{version}", version)


def test_a_body_is_written_with_its_event_only_while_its_object_exists(services: wiring.Container) -> None:
    store = TableBodyStore(services.table, EventCodec(60_000))
    event = new_event(CALLER, Trigger.DATA_OBJECT_BODY_UPDATED, REF.hook_params(), 10)
    with pytest.raises(Conflict):
        store.put_body(_body(), None, [event])
    assert store.body(REF) is None
    assert _events(services) == []
    _object(services)
    store.put_body(_body(), None, [event])
    assert store.body(REF) == _body()
    assert [e.trigger for e in _events(services)] == [Trigger.DATA_OBJECT_BODY_UPDATED]


def test_a_body_changes_only_from_the_version_read(services: wiring.Container) -> None:
    store = TableBodyStore(services.table, EventCodec(60_000))
    _object(services)
    store.put_body(_body(1), None, [])
    store.put_body(_body(2), _body(1), [])
    with pytest.raises(Conflict):
        store.put_body(_body(3), _body(1), [])
    with pytest.raises(Conflict):
        store.delete_body(_body(1), [])
    store.delete_body(_body(2), [])
    assert store.body(REF) is None


def test_deleting_the_object_deletes_its_body(services: wiring.Container) -> None:
    store = TableBodyStore(services.table, EventCodec(60_000))
    _object(services)
    store.put_body(_body(), None, [])
    obj = services.objects.store.get(SCOPE, "files", "o1")
    assert obj is not None
    services.objects.store.delete(obj, [])
    assert store.body(REF) is None


def test_every_state_is_kept_in_order_with_its_retention(services: wiring.Container) -> None:
    store = TableThingIFStore(services.table, EventCodec(60_000), history_retention_seconds=3600)
    previous = None
    for version, created in enumerate((1_000, 2_000, 3_000), start=1):
        state = ThingState("app1", "th.1", {"a": {"t": version}}, created, version)
        store.put_state(state, previous, [])
        previous = state
    found = list(store.history("app1", "th.1", None))
    assert [(created, state["a"]["t"]) for _, created, state in found] == [(1_000, 1), (2_000, 2), (3_000, 3)]
    after_first = list(store.history("app1", "th.1", found[0][0]))
    assert [state["a"]["t"] for _, _, state in after_first] == [2, 3]
    none_kept = TableThingIFStore(services.table, EventCodec(60_000), history_retention_seconds=0)
    none_kept.put_state(ThingState("app1", "th.2", {"x": 1}, 1, 1), None, [])
    assert list(none_kept.history("app1", "th.2", None)) == []
