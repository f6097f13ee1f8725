"""A cancelled transaction leaves moto's tables exactly as they were (local/moto_patches.py
undoes it in place, from the items at the keys it names): new items gone, replaced and deleted
items back, no stream record left behind."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.local.tables import table_definitions
from tests.conftest import TEST_SETTINGS
from tests.contract.streams import first_page

DATA, EVENTS = TEST_SETTINGS.data_table, TEST_SETTINGS.events_table
ABSENT = {"ConditionExpression": "attribute_not_exists(pk)"}


def _item(pk: str, sk: str, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **extra}


def _state(client: Any) -> dict[str, Any]:
    return {table: sorted(str(i) for i in client.scan(TableName=table)["Items"]) for table in (DATA, EVENTS)}


CANCELLED = [
    [  # a new item in a new partition, a new item in an old one, a replaced and a deleted item
        {"Put": {"TableName": DATA, "Item": _item("new", "1")}},
        {"Put": {"TableName": DATA, "Item": _item("a", "9")}},
        {"Put": {"TableName": DATA, "Item": _item("a", "1", v={"N": "2"})}},
        {"Delete": {"TableName": DATA, "Key": _item("a", "2")}},
        {"Put": {"TableName": EVENTS, "Item": _item("e", "2")}},
        {"ConditionCheck": {"TableName": DATA, "Key": _item("a", "3"), **ABSENT}},  # fails
    ],
    [  # the same item twice: moto refuses it after the first write
        {"Put": {"TableName": DATA, "Item": _item("b", "1")}},
        {"Put": {"TableName": DATA, "Item": _item("b", "1", v={"N": "1"})}},
    ],
    [  # an Update (whole-table undo)
        {"Put": {"TableName": DATA, "Item": _item("c", "1")}},
        {
            "Update": {
                "TableName": DATA,
                "Key": _item("a", "1"),
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"N": "5"}},
                **ABSENT,
            }
        },
    ],
]


@pytest.mark.parametrize("items", CANCELLED, ids=["mixed", "duplicate", "update"])
def test_a_cancelled_transaction_changes_nothing(items: list[dict[str, Any]]) -> None:
    from moto import mock_aws

    with mock_aws():
        arns = wiring.provision_tables(TEST_SETTINGS, table_definitions())
        client = wiring.aws_client("dynamodb", TEST_SETTINGS)
        for sk in ("1", "2", "3"):
            client.put_item(TableName=DATA, Item=_item("a", sk, v={"N": "1"}))
        client.put_item(TableName=EVENTS, Item=_item("e", "1"))
        before = _state(client)
        with pytest.raises(client.exceptions.ClientError):
            client.transact_write_items(TransactItems=items)
        assert _state(client) == before
        client.put_item(TableName=EVENTS, Item=_item("e", "3"))  # the stream goes on after it
        records = first_page(arns["events"])["Records"]
        assert [r["dynamodb"]["Keys"]["sk"]["S"] for r in records] == ["1", "3"]
