"""What every entity store shares: the table names, JSON text attributes, deleting many items,
and transactions whose refused condition is a Kii error. Key layouts: docs/data.md."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.adapters.table import (
    MAX_TRANSACTION_ITEMS,
    ConditionFailed,
    Delete,
    Item,
    Key,
    KeyValueTable,
    Write,
    key_of,
)
from chalicelib.errors import Conflict

DATA = "data"
EVENTS = "events"


def json_text(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """Nested data is stored as compact JSON text (the table port holds flat items only);
    ``default`` turns what JSON cannot hold into what it can (as ``json.dumps``)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=default)


def key_item(key: Key) -> Item:
    return {"pk": key.pk, "sk": key.sk}


def delete_all(table: KeyValueTable, items: Sequence[Item]) -> None:
    """Deletes the items of ``DATA``, a transaction per ``MAX_TRANSACTION_ITEMS``."""
    for start in range(0, len(items), MAX_TRANSACTION_ITEMS):
        table.transact([Delete(DATA, key_of(i)) for i in items[start : start + MAX_TRANSACTION_ITEMS]])


def _conflict(_: ConditionFailed) -> Exception:
    return Conflict()


def commit(
    table: KeyValueTable,
    writes: Sequence[Write],
    refused: Callable[[ConditionFailed], Exception] = _conflict,
) -> None:
    """All the writes or none; a refused condition becomes ``refused(failure)`` (by default
    Conflict, which the services read as "changed meanwhile")."""
    try:
        table.transact(writes)
    except ConditionFailed as failed:
        raise refused(failed) from failed


def committed(table: KeyValueTable, writes: Sequence[Write]) -> bool:
    """All the writes (True), or none when a condition refused them (False): for callers to
    whom a refusal is an answer, not an error (a claim somebody else holds)."""
    try:
        table.transact(writes)
    except ConditionFailed:
        return False
    return True


def present(item: Item, **optional: Any) -> Item:
    """``item`` with those of the optional attributes that have a value (an absent attribute,
    not a null one, so that sparse indexes and ``attribute_not_exists`` see it as missing)."""
    item.update({name: value for name, value in optional.items() if value is not None})
    return item


def attributes(record: Any, names: Mapping[str, str]) -> Item:
    """``record``'s fields as item attributes (``names``: attribute -> field), None ones left out."""
    return present({}, **{attribute: getattr(record, name) for attribute, name in names.items()})


def fields(item: Item, names: Mapping[str, str]) -> dict[str, Any]:
    """The item's attributes as the record's fields (``names``: attribute -> field); an absent
    attribute takes the field's default. The port already gives numbers as int."""
    return {name: item[attribute] for attribute, name in names.items() if item.get(attribute) is not None}
