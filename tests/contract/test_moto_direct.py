"""The embedded stack's direct DynamoDB client (adapters/moto_direct.py) answers as boto3 on moto
does: the same requests, run once through each on a fresh moto, give the same results, the
same errors (class, code, message, cancellation reasons) and the same stream records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib import wiring
from chalicelib.adapters.moto_direct import MotoDynamoDB, MotoDynamoDBStreams
from chalicelib.local import moto_patches
from chalicelib.local.tables import table_definitions
from tests.conftest import TEST_SETTINGS
from tests.contract.streams import first_page

DATA, EVENTS = TEST_SETTINGS.data_table, TEST_SETTINGS.events_table


def _item(pk: str, sk: str, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **extra}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _query(pk: str, **extra: Any) -> dict[str, Any]:
    return {
        "TableName": DATA,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "pk"},
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        **extra,
    }


VALUES = {"n": {"N": "42"}, "f": {"N": "1.5"}, "b": {"BOOL": False}, "z": {"NULL": True}, "s": {"S": "é😀"}}
ABSENT = {"ConditionExpression": "attribute_not_exists(pk)"}
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("put_item", {"TableName": DATA, "Item": _item("a", "1", **VALUES)}),
    ("put_item", {"TableName": DATA, "Item": _item("a", "2", version={"N": "1"}), **ABSENT}),
    ("put_item", {"TableName": DATA, "Item": _item("a", "2"), **ABSENT}),  # condition fails
    (
        "put_item",
        {
            "TableName": DATA,
            "Item": _item("a", "2", version={"N": "2"}),
            "ConditionExpression": "#version = :version",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": {":version": {"N": "7"}},
        },
    ),
    ("put_item", {"TableName": DATA, "Item": _item("", "1")}),  # empty key
    ("put_item", {"TableName": DATA, "Item": _item("a", "3", x={"S": "\ud800"})}),  # lone surrogate
    ("put_item", {"TableName": DATA, "Item": _item("a", "3"), "ConditionExpression": "#x = :y"}),
    ("put_item", {"TableName": DATA, "Item": _item("a", "3", n={"N": "x"})}),  # not a number
    ("put_item", {"TableName": "nosuch", "Item": _item("a", "1")}),
    ("get_item", {"TableName": DATA, "Key": _key("a", "1"), "ConsistentRead": True}),
    ("get_item", {"TableName": DATA, "Key": _key("a", "9")}),
    ("get_item", {"TableName": DATA, "Key": {"pk": {"S": "a"}}}),
    ("get_item", {"TableName": DATA, "Key": {"pk": {"S": 1}, "sk": {"S": "1"}}}),  # botocore's validation
    ("query", _query("a", ConsistentRead=True)),
    ("query", _query("a", Limit=1)),
    ("query", _query("a", Limit=1, ExclusiveStartKey=_key("a", "1"), ScanIndexForward=False)),
    ("query", _query("nobody")),
    ("query", {**_query("a"), "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :p)"}),
    (
        "delete_item",
        {"TableName": DATA, "Key": _key("a", "9"), "ConditionExpression": "attribute_exists(pk)"},
    ),
    ("delete_item", {"TableName": DATA, "Key": _key("a", "2")}),
    (
        "transact_write_items",
        {
            "TransactItems": [
                {"Put": {"TableName": DATA, "Item": _item("t", "1")}},
                {"Put": {"TableName": EVENTS, "Item": _item("e", "1", appID={"S": "app1"})}},
            ]
        },
    ),
    (
        "transact_write_items",
        {
            "TransactItems": [
                {"Put": {"TableName": EVENTS, "Item": _item("e", "2")}},
                {"ConditionCheck": {"TableName": DATA, "Key": _key("t", "1"), **ABSENT}},
            ]
        },
    ),
    (
        "transact_write_items",
        {
            "TransactItems": [
                {"Put": {"TableName": DATA, "Item": _item("t", "2")}},
                {"Delete": {"TableName": DATA, "Key": _key("t", "2")}},
            ]
        },
    ),
    ("transact_write_items", {"TransactItems": [{"Put": {"TableName": EVENTS, "Item": _item("e", "3")}}]}),
]


def _answers(make: Callable[[Any], Any]) -> list[Any]:
    from moto import mock_aws

    moto_patches.install()
    with mock_aws():
        arns = wiring.provision_tables(TEST_SETTINGS, table_definitions())
        client = make(wiring.aws_client("dynamodb", TEST_SETTINGS))
        answers: list[Any] = []
        for operation, params in REQUESTS:
            try:
                reply = dict(getattr(client, operation)(**params))
                reply.pop("ResponseMetadata", None)
                answers.append(reply)
            except Exception as error:
                response = getattr(error, "response", {})
                answers.append(
                    (type(error).__name__, response.get("Error"), response.get("CancellationReasons"))
                )
        records = first_page(arns["events"])["Records"]
        answers.append([(r["eventName"], r["dynamodb"].get("NewImage")) for r in records])
        return answers


def test_the_direct_client_answers_as_boto3_on_moto_does() -> None:
    through_boto3 = _answers(lambda client: client)
    direct = _answers(lambda client: MotoDynamoDB(TEST_SETTINGS.region, client))
    assert len(direct) == len(REQUESTS) + 1
    for (operation, params), expected, got in zip(
        [*REQUESTS, ("stream", {})], through_boto3, direct, strict=True
    ):
        assert got == expected, (operation, params)
    assert through_boto3[-1] and through_boto3[2][1]["Code"] == "ConditionalCheckFailedException"


def test_other_operations_go_through_boto3() -> None:
    from moto import mock_aws

    with mock_aws():
        wiring.provision_tables(TEST_SETTINGS, table_definitions())
        client = MotoDynamoDB(TEST_SETTINGS.region, wiring.aws_client("dynamodb", TEST_SETTINGS))
        names = client.list_tables()["TableNames"]
        assert DATA in names and EVENTS in names


def test_stream_records_read_directly_are_those_boto3_reads() -> None:
    from moto import mock_aws

    with mock_aws():
        arns = wiring.provision_tables(TEST_SETTINGS, table_definitions())
        dynamodb = wiring.aws_client("dynamodb", TEST_SETTINGS)
        for n in range(3):
            dynamodb.put_item(TableName=EVENTS, Item=_item("e", str(n), appID={"S": "app1"}, n={"N": str(n)}))
        dynamodb.delete_item(TableName=EVENTS, Key=_key("e", "0"))
        streams = wiring.aws_client("dynamodbstreams", TEST_SETTINGS)
        direct = MotoDynamoDBStreams(TEST_SETTINGS.region, streams)

        def read(client: Any) -> dict[str, Any]:
            page = first_page(arns["events"], client, limit=10)
            page.pop("ResponseMetadata")
            page.pop("NextShardIterator")
            return page

        expected, got = read(streams), read(direct)
        assert [r["eventName"] for r in got["Records"]] == ["INSERT", "INSERT", "INSERT", "REMOVE"]
        for want, have in zip(expected["Records"], got["Records"], strict=True):
            want_at = want["dynamodb"].pop("ApproximateCreationDateTime")
            have_at = have["dynamodb"].pop("ApproximateCreationDateTime")
            assert abs(want_at.timestamp() - have_at.timestamp()) < 1
            assert want == have
        # the records are copies: changing them (as the pump does) changes nothing in moto
        got["Records"][0]["eventSourceARN"] = "changed"
        assert "eventSourceARN" not in read(direct)["Records"][0]
