"""Should the dispatcher use aws-lambda-powertools' batch and idempotency utilities? Measured
side by side under the same in-process moto, on real stream records of the events table:

1. per-record failure handling: ``dispatcher/stream.handle_batch`` against powertools'
   ``BatchProcessor(EventType.DynamoDBStreams)`` + ``process_partial_response``, both with a
   record handler that parses the event and does nothing else (100-record batches);
2. exactly-once per (event, endpoint): our claim + finish on the execution record (two
   conditional writes, the record being what the executions API reads) against powertools'
   ``idempotent_function`` on its own table (its in-progress and completed writes) plus the
   execution record we would still have to write.

    .venv/bin/python bench/powertools.py [--records 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import warnings
from dataclasses import replace
from functools import partial
from typing import Any

from common import clock, save, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=300)
    args = parser.parse_args()

    import boto3
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from moto import mock_aws

    from chalicelib import config, wiring
    from chalicelib.adapters.events import StreamRecordParser
    from chalicelib.adapters.hooks import TableExecutionStore
    from chalicelib.dispatcher.stream import handle_batch
    from chalicelib.domain import ids
    from chalicelib.domain.events import Caller
    from chalicelib.domain.hooks import Execution
    from chalicelib.domain.models import Principal
    from chalicelib.domain.scopes import Scope
    from chalicelib.local import moto_patches
    from chalicelib.local.tables import table_definitions

    moto_patches.install()
    warnings.filterwarnings("ignore", message="Couldn't determine the remaining time left")
    samples: dict[str, list[float]] = {}
    with mock_aws():
        settings = replace(config.Settings(), scrypt_log2_n=4, data_table="pt-data", events_table="pt-events")
        arns = wiring.provision_tables(settings, table_definitions())
        services = wiring.build_for_aws(settings)
        boto3.client("dynamodb", region_name=settings.region).create_table(
            TableName="idempotency",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        app_id = services.apps.create("pt").app_id
        admin = Caller(Principal("admin", app_id))
        for n in range(args.records):
            services.objects.create(admin, Scope(app_id, "app"), "bench", {"n": n}, None)
        reader = wiring.stream_reader(settings, str(arns["events"]))
        records: list[dict[str, Any]] = []
        while batch := reader.poll(1000):
            records.extend(batch)
        records = [
            r
            for r in records
            if r["dynamodb"]["NewImage"].get("trigger", {}).get("S") == "DATA_OBJECT_CREATED"
        ]
        parser_ = StreamRecordParser()
        batches = [{"Records": records[i : i + 100]} for i in range(0, len(records), 100)]

        # 1. batch handling
        def ours(batch: dict[str, Any]) -> None:
            assert handle_batch(batch, parser_, lambda event: None) == {"batchItemFailures": []}

        processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

        def theirs(batch: dict[str, Any]) -> None:
            result = process_partial_response(
                event=batch,
                record_handler=lambda record: parser_.parse(record.raw_event),
                processor=processor,
            )
            assert result == {"batchItemFailures": []}

        for _ in range(5):
            for batch in batches:
                samples.setdefault("100-record batch: dispatcher/stream.handle_batch", []).append(
                    clock(partial(ours, batch))
                )
                samples.setdefault("100-record batch: powertools BatchProcessor", []).append(
                    clock(partial(theirs, batch))
                )

        # 2. exactly once
        store = TableExecutionStore(services.table)
        layer = DynamoDBPersistenceLayer(table_name="idempotency")
        idempotency = IdempotencyConfig(event_key_jmespath="key")

        @idempotent_function(data_keyword_argument="claim", persistence_store=layer, config=idempotency)
        def run_once(claim: dict[str, Any]) -> dict[str, Any]:
            return {"ran": claim["key"]}

        def execution(event_id: str) -> Execution:
            return Execution(
                app_id, ids.new_execution_id(), event_id, "DATA_OBJECT_CREATED", "p", "h", "v", 1, 1
            )

        def claim_and_finish(event_id: str) -> None:
            claimed = execution(event_id)
            assert store.create(claimed)
            assert store.replace(replace(claimed, status="SUCCESS", finished_at=2)) is not None

        def powertools_and_record(event_id: str) -> None:
            run_once(claim={"key": event_id})
            done = replace(execution(event_id), status="SUCCESS", finished_at=2)
            store.create(done)  # the execution record, written once

        for n in range(args.records):
            samples.setdefault("exactly once: claim + finish (ours)", []).append(
                clock(partial(claim_and_finish, f"ours-{n}"))
            )
            samples.setdefault("exactly once: powertools idempotency + record", []).append(
                clock(partial(powertools_and_record, f"pt-{n}"))
            )
    wiring.reset()

    results = {label: summary(values) for label, values in samples.items()}
    print(
        f"powertools vs ours, records={args.records}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, in-process moto"
    )
    print(f"{'':52} {'median ms':>10} {'p95 ms':>8}")
    for label, row in results.items():
        print(f"{label:52} {row['median_ms']:10.3f} {row['p95_ms']:8.3f}")
    save("powertools", results)


if __name__ == "__main__":
    main()
