"""Objects under the same in-process moto, in one run:

1. REST object create vs. the bare DynamoDB transaction it performs (the object, the check
   that its bucket exists, the DATA_OBJECT_CREATED event), interleaved.
2. Query latency against bucket size (1k and 10k objects): the first page (50 objects) in
   Kii's default order, served by the by-creation index, against the same page ordered by
   a plain field, which reads and sorts the whole bucket.

    .venv/bin/python bench/objects.py [--n 200] [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from functools import partial

from common import clock, save, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    from boto3.dynamodb.types import TypeSerializer
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import config, wiring
    from chalicelib.adapters.events import EventCodec
    from chalicelib.adapters.objects import _object_item, bucket_pk
    from chalicelib.adapters.table import Put
    from chalicelib.domain import acl, ids
    from chalicelib.domain.events import Caller, Trigger, new_event
    from chalicelib.domain.models import Principal
    from chalicelib.domain.objects import KiiObject
    from chalicelib.domain.scopes import Scope
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions

    moto_patches.install()
    results: dict[str, dict[str, float]] = {}
    with mock_aws():
        settings = replace(
            config.Settings(), scrypt_log2_n=4, data_table="bench-data", events_table="bench-events"
        )
        wiring.provision_tables(settings, table_definitions())
        container = wiring.build_for_aws(settings)
        wiring.use(container)
        client = wiring.aws_client("dynamodb", settings)
        serializer = TypeSerializer()
        app_id = container.apps.create("bench").app_id
        scope = Scope(app_id, "app")
        admin = Caller(Principal("admin", app_id, "bench"))
        codec = EventCodec(3600_000)

        with Client(app) as http:
            token = json.loads(
                http.http.post(
                    f"/api/apps/{app_id}/users",
                    body=json.dumps({"loginName": "bench", "password": "pass1234"}),
                    headers={"Content-Type": "application/vnd.kii.RegistrationAndAuthorizationRequest+json"},
                ).body
            )["_accessToken"]
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

            def rest_create() -> None:
                reply = http.http.post(
                    f"/api/apps/{app_id}/buckets/create/objects",
                    body=json.dumps({"score": 1, "name": "x"}),
                    headers=headers,
                )
                assert reply.status_code == 201, reply.body

            def bare_transaction(i: int) -> None:
                now = int(time.time() * 1000)
                obj = KiiObject(
                    scope,
                    "create",
                    ids.new_object_id(),
                    {"score": 1, "name": "x"},
                    now,
                    now,
                    "u",
                    acl.default_object_acl(scope, admin.principal),
                )
                event = codec.to_item(new_event(admin, Trigger.DATA_OBJECT_CREATED, obj.hook_params(), now))
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": settings.data_table,
                                "ConditionExpression": "attribute_not_exists(pk)",
                                "Item": {k: serializer.serialize(v) for k, v in _object_item(obj).items()},
                            }
                        },
                        {
                            "ConditionCheck": {
                                "TableName": settings.data_table,
                                "ConditionExpression": "attribute_exists(pk)",
                                "Key": {"pk": {"S": bucket_pk(scope, "create")}, "sk": {"S": "#BUCKET"}},
                            }
                        },
                        {
                            "Put": {
                                "TableName": settings.events_table,
                                "ConditionExpression": "attribute_not_exists(pk)",
                                "Item": {k: serializer.serialize(v) for k, v in event.items()},
                            }
                        },
                    ]
                )

            rest_create()
            rest, bare = [], []
            for i in range(args.n):
                rest.append(clock(rest_create))
                bare.append(clock(partial(bare_transaction, i)))
            results["object create: REST"] = summary(rest)
            results["object create: bare transaction"] = summary(bare)

            def bare_read(page_only: bool) -> None:
                """What DynamoDB must do for the query: one page of the by-creation index, or
                every page of the bucket's partition."""
                request: dict[str, object] = {"TableName": settings.data_table}
                if page_only:
                    request.update(
                        IndexName="gsi1",
                        KeyConditionExpression="gsi1pk = :p",
                        Limit=51,
                        ExpressionAttributeValues={":p": {"S": bucket_pk(scope, "big") + "#BY_CREATED"}},
                    )
                    client.query(**request)
                    return
                request.update(
                    KeyConditionExpression="pk = :p AND begins_with(sk, :o)",
                    ExpressionAttributeValues={":p": {"S": bucket_pk(scope, "big")}, ":o": {"S": "OBJ#"}},
                )
                while True:
                    page = client.query(**request)
                    if "LastEvaluatedKey" not in page:
                        return
                    request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

            # Populate a bucket to 1k, measure, then to 10k, measure.
            container.objects.create(admin, scope, "big", {"score": -1}, None)
            count = 1
            for size in (1_000, 10_000):
                while count < size:
                    batch = []
                    for _ in range(min(100, size - count)):
                        now = int(time.time() * 1000)
                        obj = KiiObject(
                            scope,
                            "big",
                            ids.new_object_id(),
                            {"score": count % 997, "n": count},
                            now,
                            now,
                            None,
                            acl.default_object_acl(scope, admin.principal),
                        )
                        batch.append(Put("data", _object_item(obj)))
                        count += 1
                    container.table.transact(batch)
                for label, order in (
                    ("indexed (default order)", None),
                    ("non-indexed (orderBy score)", "score"),
                ):
                    query: dict[str, object] = {"clause": {"type": "all"}}
                    if order:
                        query["orderBy"] = order
                    body = json.dumps({"bucketQuery": query, "bestEffortLimit": 50})

                    def run_query(body: str = body) -> None:
                        reply = http.http.post(
                            f"/api/apps/{app_id}/buckets/big/query", body=body, headers=headers
                        )
                        assert reply.status_code == 200 and len(json.loads(reply.body)["results"]) == 50

                    run_query()
                    runs = args.runs if order is None or size < 10_000 else max(3, args.runs // 3)
                    results[f"query {size // 1000}k: {label}"] = summary(
                        [clock(run_query) for _ in range(runs)]
                    )
                    what = "page" if order is None else "partition"
                    bare_rows = [clock(partial(bare_read, order is None)) for _ in range(runs)]
                    results[f"query {size // 1000}k: bare DynamoDB read, {what}"] = summary(bare_rows)
    wiring.reset()

    print(
        f"objects, n={args.n}, query runs={args.runs}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, in-process moto"
    )
    print(f"{'':52} {'median ms':>10} {'p95 ms':>8}")
    for label, row in results.items():
        print(f"{label:52} {row['median_ms']:10.2f} {row['p95_ms']:8.2f}")
    save("objects", results)


if __name__ == "__main__":
    main()
