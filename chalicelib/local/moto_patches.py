"""Make moto's DynamoDB behave like DynamoDB where karakuri depends on it (local stack, tests).

1. Atomic writes. moto has no locking: two threads can both pass a transaction's condition
   check and both write, so an optimistic update is lost (the local server is threaded).
   Writes and reads of the DynamoDB backend, and reads of its streams, are serialized by one
   lock, as DynamoDB's per-item atomicity would have them.

2. A cancelled transaction leaves the stream alive and emits nothing.

   moto 5.2.5 backs a transaction up by ``copy.deepcopy`` of each table it touches and, when
   the transaction is cancelled, *replaces* the table by that copy — stream shard included.
   Every open shard iterator still points at the old shard object: it returns the records
   the cancelled transaction wrote before it failed (a phantom event), then nothing, for
   ever, because later writes go to the copy's shard under the same shard ID. The local
   stream pump would idle silently and no hook would run again. (Real DynamoDB writes no
   stream record for a cancelled transaction, and shards do not change identity.)

   Here the transaction is rolled back *in place*: the table object and its shard stay the
   same, the item index is put back and the shard's record list is cut back to its length
   before the transaction, so the next write takes the next sequence number and every
   iterator sees it. Because stream reads take the same lock, no reader can see a record
   that is rolled back.

3. TransactWriteItems cost independent of table size: moto's deepcopy of each table (once
   per item) made a three-item transaction take 160 ms with a few thousand items
   (bench/registration.py, first run). karakuri's transactions only Put, Delete and
   ConditionCheck, which replace or remove whole Item objects and never mutate one in place,
   so copying the two-level item index (not the Items) restores exactly the same state.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

_installed = False


class _CopyShim:
    """Stands in for the ``copy`` module inside moto.dynamodb.models: moto's own backup of a
    table becomes the table itself, so its rollback (``tables[name] = backup``) changes
    nothing; :func:`_transact` takes and restores the real snapshot."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if type(value) is Table:
            return value
        return copy.deepcopy(value, memo)


class _Snapshot:
    """A table's item index and stream length, enough to undo Puts, Deletes and the stream
    records they appended."""

    def __init__(self, table: Any) -> None:
        self.table = table
        if table.has_range_key:
            self.items: Any = defaultdict(dict, {h: dict(r) for h, r in table.items.items()})
        else:
            self.items = dict(table.items)
        shard = table.stream_shard
        self.stream_length = len(shard.items) if shard is not None else 0

    def restore(self, tables: dict[str, Any], name: str) -> None:
        tables[name] = self.table
        self.table.items = self.items
        shard = self.table.stream_shard
        if shard is not None:
            del shard.items[self.stream_length :]


_LOCK = threading.RLock()
_READS = ("get_item", "query", "scan")
_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item")
_STREAM_READS = ("describe_stream", "get_shard_iterator", "get_records")
_listeners: list[threading.Event] = []


def on_write(event: threading.Event) -> None:
    """Set ``event`` after every write to the embedded DynamoDB (the local stream pump
    sleeps on it instead of polling)."""
    _listeners.append(event)


def forget(event: threading.Event) -> None:
    if event in _listeners:
        _listeners.remove(event)


def _notify() -> None:
    for event in list(_listeners):
        event.set()


def _serialized(method: Callable[..., Any], notify: bool = False) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            result = method(*args, **kwargs)
        if notify:
            _notify()
        return result

    return locked


def _transact(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def transact(backend: Any, transact_items: list[dict[str, Any]]) -> Any:
        with _LOCK:
            names = {next(iter(op.values())).get("TableName") for op in transact_items if op}
            snapshots = {n: _Snapshot(backend.tables[n]) for n in names if n in backend.tables}
            try:
                result = method(backend, transact_items)
            except BaseException:
                for name, snapshot in snapshots.items():
                    snapshot.restore(backend.tables, name)
                raise
        _notify()
        return result

    return transact


def install() -> None:
    global _installed
    if _installed:
        return
    import moto.dynamodb.models as models
    import moto.dynamodbstreams.models as streams

    models.copy = _CopyShim()  # type: ignore[assignment,attr-defined]
    dynamodb = models.DynamoDBBackend
    for name in _READS + _WRITES:
        setattr(dynamodb, name, _serialized(getattr(dynamodb, name), notify=name in _WRITES))
    dynamodb.transact_write_items = _transact(dynamodb.transact_write_items)  # type: ignore[method-assign]
    shards = streams.DynamoDBStreamsBackend
    for name in _STREAM_READS:
        setattr(shards, name, _serialized(getattr(shards, name)))
    _installed = True
