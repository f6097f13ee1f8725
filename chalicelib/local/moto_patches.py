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

3. Changes can be followed (``on_change``): every committed Put, Update and Delete is
   reported as ``(table name, key, item or None)`` — the local stack journals them to disk so
   data survives a restart (local/persist.py). Writes inside a transaction are reported only
   when it commits.

4. TransactWriteItems cost independent of table size: moto's deepcopy of each table (once
   per item) made a three-item transaction take 160 ms with a few thousand items
   (bench/registration.py, first run). karakuri's transactions only Put, Delete and
   ConditionCheck, which replace or remove whole Item objects and never mutate one in place,
   so keeping the items at the keys the transaction names (not the Items' contents, not the
   rest of the table) restores exactly the same state. (Copying the whole two-level index
   instead still cost a quarter of an object write with a few thousand items: BENCHMARKS.md.)
   A transaction whose keys cannot be told beforehand (an Update) copies the whole index.
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
    """What a transaction can change in a table, enough to undo its Puts and Deletes and the
    stream records they appended: the items at the keys it names (``keys``), or, when the keys
    cannot be told beforehand (an Update, a malformed operation), the whole item index."""

    def __init__(self, table: Any, keys: list[tuple[Any, Any]] | None) -> None:
        self.table = table
        self.items: Any = None
        # (hash key, range key, whether the partition existed, the item there before or None)
        self.touched: list[tuple[Any, Any, bool, Any]] = []
        if keys is None:
            if table.has_range_key:
                self.items = defaultdict(dict, {h: dict(r) for h, r in table.items.items()})
            else:
                self.items = dict(table.items)
        for hash_key, range_key in keys or []:
            partition = table.items.get(hash_key)
            if table.has_range_key:
                before = partition.get(range_key) if partition is not None else None
                self.touched.append((hash_key, range_key, partition is not None, before))
            else:
                self.touched.append((hash_key, None, partition is not None, partition))
        shard = table.stream_shard
        self.stream_length = len(shard.items) if shard is not None else 0

    def restore(self, tables: dict[str, Any], name: str) -> None:
        tables[name] = self.table
        items = self.table.items
        if self.items is not None:
            self.table.items = self.items
        for hash_key, range_key, existed, before in reversed(self.touched):
            if not self.table.has_range_key:
                if before is not None:
                    items[hash_key] = before
                else:
                    items.pop(hash_key, None)
                continue
            partition = items.get(hash_key)
            if before is not None:
                items[hash_key][range_key] = before
            elif partition is not None:
                partition.pop(range_key, None)
                if not existed and not partition:
                    del items[hash_key]
        shard = self.table.stream_shard
        if shard is not None:
            del shard.items[self.stream_length :]


def _keys(table: Any, operations: list[tuple[str, dict[str, Any]]]) -> list[tuple[Any, Any]] | None:
    """The (hash, range) keys of a transaction's operations on ``table``, as moto indexes its
    items; None when one is not a Put, Delete or ConditionCheck with its key attributes."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    keys = []
    for kind, operation in operations:
        attributes = operation.get("Item") if kind == "Put" else operation.get("Key")
        if kind not in ("Put", "Delete", "ConditionCheck") or not isinstance(attributes, dict):
            return None
        try:
            hash_key = DynamoType(attributes[table.hash_key_attr])
            range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        keys.append((hash_key, range_key))
    return keys


LOCK = threading.RLock()
_READS = ("get_item", "query", "scan")
_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item")
_STREAM_READS = ("describe_stream", "get_shard_iterator", "get_records")
_listeners: list[threading.Event] = []
Change = tuple[str, dict[str, Any], dict[str, Any] | None]  # table, key, item (None: deleted)
_followers: list[Callable[[Change], None]] = []
_local = threading.local()  # .pending: a transaction's changes; .quiet: a restore in progress


def on_change(follower: Callable[[Change], None]) -> None:
    """Call ``follower`` (under the DynamoDB lock) with every committed item change."""
    _followers.append(follower)


def forget_changes(follower: Callable[[Change], None]) -> None:
    if follower in _followers:
        _followers.remove(follower)


def _changed(change: Change) -> None:
    if getattr(_local, "quiet", False):
        return
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending.append(change)
        return
    for follower in list(_followers):
        follower(change)


def _key(table: Any, attributes: dict[str, Any]) -> dict[str, Any]:
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: attributes[name] for name in names if name in attributes}


def _followed(method: Callable[..., Any], deletes: bool) -> Callable[..., Any]:
    @functools.wraps(method)
    def follow(backend: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        result = method(backend, table_name, *args, **kwargs)
        table = backend.get_table(table_name)
        if deletes:
            if result is not None:
                _changed((table_name, _key(table, result.to_json()["Attributes"]), None))
        elif result is not None:
            attributes = result.to_json()["Attributes"]
            _changed((table_name, _key(table, attributes), attributes))
        return result

    return follow


def put_quietly(backend: Any, table_name: str, items: list[dict[str, Any]]) -> None:
    """Put items back as they were (a restore): no stream record, no change reported."""
    with LOCK:
        table = backend.get_table(table_name)
        shard, table.stream_shard = table.stream_shard, None
        _local.quiet = True
        try:
            for item in items:
                backend.put_item(table_name, item)
        finally:
            _local.quiet = False
            table.stream_shard = shard


def backend(region: str) -> Any:
    """The embedded DynamoDB of this process (the moto server answers from the same one)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region]


def tables(backend: Any) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, as DynamoDB JSON (a consistent snapshot)."""
    with LOCK:
        return {
            name: [item.to_json()["Attributes"] for item in table.all_items()]
            for name, table in backend.tables.items()
        }


def on_write(event: threading.Event) -> None:
    """Set ``event`` after every write to a table with a stream (the local stream pump
    sleeps on it instead of polling)."""
    _listeners.append(event)


def forget(event: threading.Event) -> None:
    if event in _listeners:
        _listeners.remove(event)


def _notify() -> None:
    for event in list(_listeners):
        event.set()


def _streams(backend: Any, table_names: Any) -> bool:
    """Whether a write to these tables appends to a stream (only then is the pump woken)."""
    return any(getattr(backend.tables.get(name), "stream_shard", None) is not None for name in table_names)


def _serialized(method: Callable[..., Any], notify: bool = False) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(backend: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            result = method(backend, *args, **kwargs)
        if notify and (not args or not isinstance(args[0], str) or _streams(backend, args[:1])):
            _notify()
        return result

    return locked


def _transact(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def transact(backend: Any, transact_items: list[dict[str, Any]]) -> Any:
        with LOCK:
            by_table: dict[Any, list[tuple[str, dict[str, Any]]]] = {}
            for entry in transact_items:
                for kind, operation in (entry or {}).items():
                    if isinstance(operation, dict):
                        by_table.setdefault(operation.get("TableName"), []).append((kind, operation))
            names = set(by_table)
            snapshots = {
                n: _Snapshot(backend.tables[n], _keys(backend.tables[n], by_table[n]))
                for n in names
                if n in backend.tables
            }
            _local.pending = []
            try:
                result = method(backend, transact_items)
            except BaseException:
                for name, snapshot in snapshots.items():
                    snapshot.restore(backend.tables, name)
                raise
            else:
                changes = _local.pending
                _local.pending = None
                for change in changes:
                    _changed(change)
            finally:
                _local.pending = None
        if _streams(backend, names):
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
    dynamodb.put_item = _followed(dynamodb.put_item, deletes=False)  # type: ignore[method-assign]
    dynamodb.update_item = _followed(dynamodb.update_item, deletes=False)  # type: ignore[method-assign]
    dynamodb.delete_item = _followed(dynamodb.delete_item, deletes=True)  # type: ignore[method-assign]
    for name in _READS + _WRITES:
        setattr(dynamodb, name, _serialized(getattr(dynamodb, name), notify=name in _WRITES))
    dynamodb.transact_write_items = _transact(dynamodb.transact_write_items)  # type: ignore[method-assign]
    shards = streams.DynamoDBStreamsBackend
    for name in _STREAM_READS:
        setattr(shards, name, _serialized(getattr(shards, name)))
    _installed = True
