"""User registration and login over REST vs. the bare DynamoDB transaction registration
performs, side by side under the same in-process moto, in one run.

    .venv/bin/python bench/registration.py [--n 50]

Rows:
  rest (scrypt 2^17)   POST /users through Chalice's test client with the production KDF cost
  rest (scrypt 2^4)    the same with a trivial KDF cost: what the REST path costs besides hashing
  login (scrypt 2^17)  POST /oauth2/token (password grant) at the production cost
  login (scrypt 2^4)   the same with a trivial KDF cost
  scrypt 2^17 alone    the password hash registration and login compute (OWASP's minimum)
  scrypt 2^14 alone    the cost karakuri used before
  bare transaction     boto3 transact_write_items of the same three items (user, login-name
                       claim, USER_CREATED event), serialized beforehand
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

COST = 17
LABELS = (
    "rest (scrypt 2^17)",
    "rest (scrypt 2^4)",
    "login (scrypt 2^17)",
    "login (scrypt 2^4)",
    "scrypt 2^17 alone",
    "scrypt 2^14 alone",
    "bare transaction",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--stock-moto", action="store_true", help="without chalicelib/local/moto_patches.py")
    args = parser.parse_args()

    from boto3.dynamodb.types import TypeSerializer
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import config, wiring
    from chalicelib.adapters.events import EventCodec
    from chalicelib.adapters.security import ScryptHasher
    from chalicelib.adapters.users import _user_item
    from chalicelib.domain import ids
    from chalicelib.domain.events import Caller, Trigger, new_event, user_params
    from chalicelib.domain.models import Principal, User
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions

    if not args.stock_moto:
        moto_patches.install()
    with mock_aws():
        base = replace(config.Settings(), data_table="bench-data", events_table="bench-events")
        wiring.provision_tables(base, table_definitions())
        client = wiring.aws_client("dynamodb", base)
        serializer = TypeSerializer()

        hasher, old_hasher = ScryptHasher(COST), ScryptHasher(14)
        codec = EventCodec(7 * 24 * 3600 * 1000)
        caller = Caller(Principal("anonymous", "benchapp"))

        def prepared(i: int) -> list[dict[str, object]]:
            now = int(time.time() * 1000)
            user = User(
                app_id="benchapp",
                user_id=ids.new_user_id(),
                internal_user_id=i + 1,
                created_at=now,
                modified_at=now,
                login_name=f"bare{i}",
                password_hash=hasher.hash("pass1234"),
            )
            items = [
                (_user_item(user), base.data_table),
                (
                    {
                        "pk": f"APP#benchapp#IDENTITY#login_name#bare{i}",
                        "sk": "#IDENTITY",
                        "userID": user.user_id,
                    },
                    base.data_table,
                ),
                (
                    codec.to_item(new_event(caller, Trigger.USER_CREATED, user_params(user.user_id), now)),
                    base.events_table,
                ),
            ]
            return [
                {
                    "Put": {
                        "TableName": table,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "Item": {k: serializer.serialize(v) for k, v in item.items()},
                    }
                }
                for item, table in items
            ]

        containers = {cost: wiring.build_for_aws(replace(base, scrypt_log2_n=cost)) for cost in (COST, 4)}
        apps = {cost: c.apps.create("bench").app_id for cost, c in containers.items()}
        samples: dict[str, list[float]] = {label: [] for label in LABELS}
        batches = [prepared(i) for i in range(args.n + 1)]
        with Client(app) as http:

            def register(cost: int, i: int) -> None:
                wiring.use(containers[cost])
                body = json.dumps({"loginName": f"user{cost}x{i}", "password": "pass1234"})
                reply = http.http.post(
                    f"/api/apps/{apps[cost]}/users",
                    body=body,
                    headers={"Content-Type": "application/vnd.kii.RegistrationRequest+json"},
                )
                assert reply.status_code == 201, reply.body

            def login(cost: int, i: int) -> None:
                wiring.use(containers[cost])
                body = json.dumps({"username": f"user{cost}x{i}", "password": "pass1234"})
                reply = http.http.post(
                    "/api/oauth2/token",
                    body=body,
                    headers={"Content-Type": "application/json", "X-Kii-AppID": apps[cost]},
                )
                assert reply.status_code == 200, reply.body

            register(COST, -1)
            register(4, -1)
            client.transact_write_items(TransactItems=batches[-1])
            # Interleaved, so every row sees the same table sizes and the same machine noise.
            for i in range(args.n):
                samples["rest (scrypt 2^17)"].append(clock(partial(register, COST, i)))
                samples["rest (scrypt 2^4)"].append(clock(partial(register, 4, i)))
                samples["login (scrypt 2^17)"].append(clock(partial(login, COST, i)))
                samples["login (scrypt 2^4)"].append(clock(partial(login, 4, i)))
                samples["scrypt 2^17 alone"].append(clock(partial(hasher.hash, "pass1234")))
                samples["scrypt 2^14 alone"].append(clock(partial(old_hasher.hash, "pass1234")))
                samples["bare transaction"].append(
                    clock(partial(client.transact_write_items, TransactItems=batches[i]))
                )
        results = {label: summary(values) for label, values in samples.items()}
    wiring.reset()

    bare = results["bare transaction"]["median_ms"]
    moto_kind = "stock" if args.stock_moto else "patched"
    print(
        f"user registration, n={args.n}, {moto_kind} moto, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores"
    )
    print(f"{'':22} {'median ms':>10} {'p95 ms':>8} {'x bare':>8}")
    for label, row in results.items():
        print(f"{label:22} {row['median_ms']:10.2f} {row['p95_ms']:8.2f} {row['median_ms'] / bare:8.1f}")
    save(f"registration{'-stock-moto' if args.stock_moto else ''}", results)


if __name__ == "__main__":
    main()
