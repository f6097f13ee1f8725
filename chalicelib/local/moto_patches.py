"""Make moto's DynamoDB behave like DynamoDB where karakuri depends on it (local stack, tests).

1. Atomic writes. moto has no locking: two threads can both pass a transaction's condition
   check and both write, so an optimistic update is lost (the local server is threaded).
   Writes and reads of the DynamoDB backend are serialized by one lock, as DynamoDB's
   per-item atomicity would have them.

2. TransactWriteItems cost independent of table size.

moto 5.2.5 backs every transaction up by ``copy.deepcopy`` of each table it touches, once
per item, so a write costs O(items in the table): with a few thousand items a three-item
transaction took 160 ms (bench/registration.py, first run). karakuri's transactions only
Put, Delete and ConditionCheck, which replace or remove whole Item objects and never mutate
one in place, so a backup that copies the two-level item index (not the Items) and the stream
shard's record list restores exactly the same state on rollback.
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
    """Stands in for the ``copy`` module inside moto.dynamodb.models."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if type(value) is Table:
            return _backup(value)
        return copy.deepcopy(value, memo)


def _backup(table: Any) -> Any:
    clone = copy.copy(table)
    if table.has_range_key:
        clone.items = defaultdict(dict, {h: dict(r) for h, r in table.items.items()})
    else:
        clone.items = defaultdict(dict, table.items)
    if table.stream_shard is not None:
        shard = copy.copy(table.stream_shard)
        shard.items = list(table.stream_shard.items)
        shard.table = clone
        clone.stream_shard = shard
    return clone


_LOCK = threading.RLock()
_SERIALIZED = (
    "put_item",
    "get_item",
    "query",
    "update_item",
    "delete_item",
    "transact_write_items",
    "batch_write_item",
    "scan",
)


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return locked


def install() -> None:
    global _installed
    if _installed:
        return
    import moto.dynamodb.models as models

    models.copy = _CopyShim()  # type: ignore[assignment,attr-defined]
    for name in _SERIALIZED:
        setattr(models.DynamoDBBackend, name, _serialized(getattr(models.DynamoDBBackend, name)))
    _installed = True
