"""The embedded stream survives cancelled transactions (issue #14).

moto once replaced a table, stream shard included, when a transaction was cancelled: open
iterators then returned one phantom record and nothing ever again, so no hook of any app ran
until restart. Here a pump whose iterator was opened before the failures must still hand
every later write to the dispatcher.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib import wiring
from chalicelib.adapters.events import StreamRecordParser
from chalicelib.domain.events import Caller
from chalicelib.domain.models import Principal
from chalicelib.domain.scopes import Scope
from chalicelib.local import moto_patches
from chalicelib.local.pump import StreamPump
from tests.conftest import Kii

THING = "application/vnd.kii.ThingRegistrationRequest+json"


class _Dispatcher:
    """The dispatcher Lambda's handler, remembering the object IDs whose events reached it."""

    def __init__(self) -> None:
        self.objects: set[str] = set()
        self.triggers: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, batch: dict[str, Any]) -> Any:
        from app import dispatcher

        parser = StreamRecordParser()
        with self.lock:
            for record in batch["Records"]:
                event = parser.parse(record)
                if event is not None:
                    self.triggers.append(event.trigger.value)
                if event is not None and "objectID" in event.params:
                    self.objects.add(str(event.params["objectID"]))
        return dispatcher(batch, None)

    def wait_for(self, wanted: set[str], ceiling: float = 120.0) -> set[str]:
        deadline = time.monotonic() + ceiling
        while time.monotonic() < deadline and not wanted <= self.objects:
            time.sleep(0.02)
        return wanted - self.objects


def _create(kii: Kii, bucket: str, body: Any) -> Any:
    return kii.call("POST", f"/buckets/{bucket}/objects", body, kii.admin_token())


def test_writes_after_cancelled_transactions_all_reach_the_dispatcher(kii: Kii) -> None:
    settings = kii.services.container.settings
    dispatcher = _Dispatcher()
    wake = threading.Event()
    moto_patches.on_write(wake)
    pump = StreamPump(wiring.stream_reader(settings, kii.services.events_stream), dispatcher, wake)
    pump.pump_once()  # the iterator is open before anything fails
    pump.start()
    try:
        # a cancelled transaction: a duplicate vendorThingID
        body = {"_vendorThingID": "dev-1", "_password": "pw"}
        assert kii.call("POST", "/things", body, content_type=THING).status == 201
        assert kii.call("POST", "/things", body, content_type=THING).status == 409
        # a conditional-check failure: an If-Match race lost
        created = _create(kii, "races", {"n": 1}).body
        stale = kii.call(
            "PUT",
            f"/buckets/races/objects/{created['objectID']}",
            {"n": 2},
            kii.admin_token(),
            headers={"If-Match": "99"},
        )
        assert stale.status == 409
        # concurrent first writes into a new bucket: all but one bucket creation are cancelled
        admin = Caller(Principal("admin", kii.app.app_id))
        scope = Scope(kii.app.app_id, "app")
        objects = kii.services.container.objects
        with ThreadPoolExecutor(8) as pool:
            racing = list(
                pool.map(lambda n: objects.create(admin, scope, "fresh", {"n": n}, None), range(40))
            )
        # a write with a lone surrogate
        _create(kii, "odd", '{"text": "\\ud800"}')

        after = {_create(kii, "after", {"n": n}).body["objectID"] for n in range(100)}
        missing = dispatcher.wait_for(after | {o.object_id for o in racing})
        assert not missing, f"{len(missing)} writes never reached the dispatcher"
        # no phantom record of a cancelled transaction, and no iterator ever had to be rescued
        assert dispatcher.triggers.count("THING_CREATED") == 1
        health = pump.health()
        assert (health["status"], health["stuckShardsRecovered"], health["streamErrors"]) == ("ok", 0, 0)
    finally:
        pump.stop()
        moto_patches.forget(wake)


class _StuckShardClient:
    """A DynamoDB Streams client whose iterators opened before ``stick()`` return empty pages
    for ever, as moto's did after a cancelled transaction."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._fresh: set[str] = set()
        self._stuck = False

    def stick(self) -> None:
        self._stuck = True

    def describe_stream(self, **kwargs: Any) -> Any:
        return self._client.describe_stream(**kwargs)

    def get_shard_iterator(self, **kwargs: Any) -> Any:
        answer = self._client.get_shard_iterator(**kwargs)
        if self._stuck:
            self._fresh.add(answer["ShardIterator"])
        return answer

    def get_records(self, ShardIterator: str, Limit: int) -> Any:
        if self._stuck and ShardIterator not in self._fresh:
            return {"Records": [], "NextShardIterator": ShardIterator}
        answer = self._client.get_records(ShardIterator=ShardIterator, Limit=Limit)
        if self._stuck:
            self._fresh.add(answer["NextShardIterator"])
        return answer


def test_a_stuck_stream_shard_is_reported_and_read_again_on_the_next_check(kii: Kii) -> None:
    from chalicelib.adapters.streams import StreamReader

    client = _StuckShardClient(wiring.aws_client("dynamodbstreams", kii.services.container.settings))
    delivered: list[dict[str, Any]] = []
    pump = StreamPump(
        StreamReader(client, kii.services.events_stream), lambda b: delivered.extend(b["Records"])
    )
    pump.pump_once()
    client.stick()
    created = _create(kii, "notes", {"n": 1}).body["objectID"]
    assert pump.pump_once() == 0  # the kept iterator sees nothing
    assert pump.pump_once(verify=True) == 1  # the check finds the record and reopens the shard
    health = pump.health()
    assert health["stuckShardsRecovered"] == 1 and "stuck" in health["lastProblem"]
    pump.stop()
    parsed = [StreamRecordParser().parse(r) for r in delivered]
    deadline = time.monotonic() + 60
    while not parsed and time.monotonic() < deadline:
        time.sleep(0.01)
        parsed = [StreamRecordParser().parse(r) for r in delivered]
    assert [e.params["objectID"] for e in parsed if e is not None] == [created]
