"""A small key-value table port with two implementations: DynamoDB (boto3) and in memory.

The entity stores (a module per entity in ``adapters/``) are written once against this port, so the
in-memory twin and the DynamoDB adapter share every line of key layout and codec; the
contract tests run the same cases on both. Items are plain dicts of str/int/bool/None
values (nested data is stored as JSON text by the stores); tables are named logically
(``data``, ``events``) and the DynamoDB implementation maps them to real table names.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from chalicelib.errors import Conflict, InvalidInputData, TemporarilyUnavailable

Item = dict[str, Any]


@dataclass(frozen=True)
class Key:
    pk: str
    sk: str


@dataclass(frozen=True)
class Exists:
    pass


@dataclass(frozen=True)
class Absent:
    pass


@dataclass(frozen=True)
class VersionIs:
    version: int


Condition = Exists | Absent | VersionIs


@dataclass(frozen=True)
class Put:
    table: str
    item: Item
    condition: Condition | None = None


@dataclass(frozen=True)
class Delete:
    table: str
    key: Key
    condition: Condition | None = None


@dataclass(frozen=True)
class Check:
    table: str
    key: Key
    condition: Condition


Write = Put | Delete | Check
MAX_TRANSACTION_ITEMS = 100
ORDERED_PAGE = 100  # items per DynamoDB page when a partition is read lazily in order


class ConditionFailed(Exception):
    """The condition of the write at ``index`` did not hold; nothing was written."""

    def __init__(self, index: int) -> None:
        super().__init__(f"condition of write {index} failed")
        self.index = index


class KeyValueTable(Protocol):
    def get(self, table: str, key: Key) -> Item | None: ...

    def query(self, table: str, pk: str, prefix: str = "", index: str | None = None) -> list[Item]:
        """All items of a partition (of the table, or of ``index``), in sort-key order."""

    def ordered(
        self,
        table: str,
        pk: str,
        index: str | None = None,
        descending: bool = False,
        after: str | None = None,
    ) -> Iterator[Item]:
        """A partition in sort-key order, strictly after ``after``, read lazily page by page."""

    def transact(self, writes: Sequence[Write]) -> None:
        """All or nothing; raises ConditionFailed naming the first failed write."""


def key_of(item: Mapping[str, Any]) -> Key:
    return Key(item["pk"], item["sk"])


# --------------------------------------------------------------------------------------------
class MemoryTable:
    """The in-memory twin: a dict per table and a lock, with DynamoDB's transaction rules.
    Writes to ``events`` are also appended to ``stream``, like a DynamoDB stream."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[Key, Item]] = {}
        self._lock = threading.Lock()
        self.stream: list[Item] = []

    def _table(self, name: str) -> dict[Key, Item]:
        return self._tables.setdefault(name, {})

    def snapshot(self) -> Any:
        """Everything stored, to ``restore`` later (tests run many cases from one world)."""
        with self._lock:
            return copy.deepcopy((self._tables, self.stream))

    def restore(self, snapshot: Any) -> None:
        with self._lock:
            self._tables, self.stream = copy.deepcopy(snapshot)

    def get(self, table: str, key: Key) -> Item | None:
        with self._lock:
            item = self._table(table).get(key)
            return dict(item) if item is not None else None

    def query(self, table: str, pk: str, prefix: str = "", index: str | None = None) -> list[Item]:
        pk_name, sk_name = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
        with self._lock:
            found = [
                dict(i)
                for i in self._table(table).values()
                if i.get(pk_name) == pk and str(i.get(sk_name, "")).startswith(prefix)
            ]
        return sorted(found, key=lambda i: str(i.get(sk_name, "")))

    def ordered(
        self,
        table: str,
        pk: str,
        index: str | None = None,
        descending: bool = False,
        after: str | None = None,
    ) -> Iterator[Item]:
        if after is not None and not _is_key(after):
            raise InvalidInputData("'paginationKey' is not one this server issued", field="paginationKey")
        sk_name = f"{index}sk" if index else "sk"
        items = self.query(table, pk, "", index)
        if descending:
            items.reverse()
        for item in items:
            key = str(item.get(sk_name, ""))
            if after is None or (key < after if descending else key > after):
                yield item

    def transact(self, writes: Sequence[Write]) -> None:
        if len(writes) > MAX_TRANSACTION_ITEMS:
            raise ValueError("a transaction holds at most 100 writes")
        with self._lock:
            for index, write in enumerate(writes):
                key = key_of(write.item) if isinstance(write, Put) else write.key
                if write.condition is not None and not _holds(
                    write.condition, self._table(write.table).get(key)
                ):
                    raise ConditionFailed(index)
            for write in writes:
                if isinstance(write, Put):
                    self._table(write.table)[key_of(write.item)] = dict(write.item)
                    if write.table == "events":
                        self.stream.append(dict(write.item))
                elif isinstance(write, Delete):
                    self._table(write.table).pop(write.key, None)


def _holds(condition: Condition, current: Item | None) -> bool:
    if isinstance(condition, Exists):
        return current is not None
    if isinstance(condition, Absent):
        return current is None
    return current is not None and current.get("version") == condition.version


# --------------------------------------------------------------------------------------------
@dataclass
class DynamoTable:
    """The DynamoDB implementation over a low-level boto3 client."""

    client: Any
    table_names: Mapping[str, str]
    _serializer: Any = field(default=None, init=False)
    _deserializer: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self._serializer = TypeSerializer()
        self._deserializer = TypeDeserializer()

    def _name(self, table: str) -> str:
        return self.table_names[table]

    def _encode(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self._serializer.serialize(v) for k, v in item.items()}

    def _decode(self, raw: Mapping[str, Any]) -> Item:
        return decode_item(raw, self._deserializer)

    def get(self, table: str, key: Key) -> Item | None:
        with _aws_errors():
            found = self.client.get_item(
                TableName=self._name(table),
                Key=self._encode({"pk": key.pk, "sk": key.sk}),
                ConsistentRead=True,
            )
        raw = found.get("Item")
        return self._decode(raw) if raw else None

    def query(self, table: str, pk: str, prefix: str = "", index: str | None = None) -> list[Item]:
        pk_name, sk_name = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
        expression = "#pk = :pk" + (" AND begins_with(#sk, :prefix)" if prefix else "")
        names = {"#pk": pk_name, **({"#sk": sk_name} if prefix else {})}
        values = {":pk": {"S": pk}, **({":prefix": {"S": prefix}} if prefix else {})}
        request: dict[str, Any] = {
            "TableName": self._name(table),
            "KeyConditionExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if index:
            request["IndexName"] = index
        else:
            request["ConsistentRead"] = True
        return [self._decode(raw) for raw in self._pages(request)]

    def ordered(
        self,
        table: str,
        pk: str,
        index: str | None = None,
        descending: bool = False,
        after: str | None = None,
    ) -> Iterator[Item]:
        if after is not None and not _is_key(after):
            # ``after`` is a client's pagination key: DynamoDB refuses an empty or oversized one.
            raise InvalidInputData("'paginationKey' is not one this server issued", field="paginationKey")
        pk_name, sk_name = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
        expression = "#pk = :pk" + ("" if after is None else f" AND #sk {'<' if descending else '>'} :after")
        request: dict[str, Any] = {
            "TableName": self._name(table),
            "KeyConditionExpression": expression,
            "ExpressionAttributeNames": {"#pk": pk_name, **({"#sk": sk_name} if after is not None else {})},
            "ExpressionAttributeValues": {
                ":pk": {"S": pk},
                **({":after": {"S": after}} if after is not None else {}),
            },
            "ScanIndexForward": not descending,
            "Limit": ORDERED_PAGE,
        }
        if index:
            request["IndexName"] = index
        for raw in self._pages(request):
            yield self._decode(raw)

    def _pages(self, request: dict[str, Any]) -> Iterator[Mapping[str, Any]]:
        while True:
            with _aws_errors():
                page = self.client.query(**request)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def transact(self, writes: Sequence[Write]) -> None:
        if len(writes) > MAX_TRANSACTION_ITEMS:
            raise ValueError("a transaction holds at most 100 writes")
        if len(writes) == 1 and not isinstance(writes[0], Check):
            self._write_one(writes[0])
            return
        items = [self._transact_item(w) for w in writes]
        from botocore.exceptions import ClientError

        try:
            with _aws_errors(passthrough=("TransactionCanceledException",)):
                self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            for index, reason in enumerate(reasons):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise ConditionFailed(index) from error
            if any(r.get("Code") == "TransactionConflict" for r in reasons):
                raise Conflict() from error
            raise TemporarilyUnavailable() from error

    def _write_one(self, write: Put | Delete) -> None:
        """One item is atomic on its own: a conditional PutItem/DeleteItem costs half the
        write capacity of a one-item transaction."""
        from botocore.exceptions import ClientError

        body = self._transact_item(write)["Put" if isinstance(write, Put) else "Delete"]
        try:
            with _aws_errors(passthrough=("ConditionalCheckFailedException",)):
                if isinstance(write, Put):
                    self.client.put_item(**body)
                else:
                    self.client.delete_item(**body)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise ConditionFailed(0) from error
            raise TemporarilyUnavailable() from error

    def _transact_item(self, write: Write) -> dict[str, Any]:
        table = self._name(write.table)
        if isinstance(write, Put):
            body: dict[str, Any] = {"TableName": table, "Item": self._encode(write.item)}
            kind = "Put"
        else:
            body = {"TableName": table, "Key": self._encode({"pk": write.key.pk, "sk": write.key.sk})}
            kind = "Delete" if isinstance(write, Delete) else "ConditionCheck"
        if write.condition is not None:
            body.update(_condition_expression(write.condition))
        return {kind: body}


def _condition_expression(condition: Condition) -> dict[str, Any]:
    if isinstance(condition, Exists):
        return {"ConditionExpression": "attribute_exists(pk)"}
    if isinstance(condition, Absent):
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    return {
        "ConditionExpression": "#version = :version",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":version": {"N": str(condition.version)}},
    }


def decode_item(raw: Mapping[str, Any], deserializer: Any) -> Item:
    return {k: _plain(deserializer.deserialize(v)) for k, v in raw.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


def _is_key(text: str) -> bool:
    """A string DynamoDB takes as a sort key: 1 to 1,024 bytes of UTF-8."""
    try:
        return 0 < len(text.encode("utf-8")) <= 1024
    except UnicodeEncodeError:
        return False


@contextmanager
def _aws_errors(passthrough: tuple[str, ...] = ()) -> Iterator[None]:
    """Turn AWS's retryable failures into TemporarilyUnavailable (503); let the rest through."""
    from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in passthrough and code in _RETRYABLE:
            raise TemporarilyUnavailable() from error
        raise
    except (ConnectionError, ReadTimeoutError) as error:
        raise TemporarilyUnavailable() from error
