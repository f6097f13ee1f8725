"""The template `chalice package --merge-template infra/template.json` produces (cfn-lint runs
on it in `make check`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    out = ROOT / "build" / "package"
    if not (out / "sam.json").exists():
        chalice = Path(sys.executable).parent / "chalice"
        subprocess.run(
            [str(chalice), "package", "--stage", "dev", "--merge-template", "infra/template.json", str(out)],
            cwd=ROOT,
            check=True,
            env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
            capture_output=True,
        )
    return json.loads((out / "sam.json").read_text())


def test_dispatcher_reads_the_events_stream_with_per_record_failures(merged: dict[str, Any]) -> None:
    source = merged["Resources"]["Dispatcher"]["Properties"]["Events"]["DispatcherDynamodbEventSource"][
        "Properties"
    ]
    assert source["Stream"] == {"Fn::GetAtt": ["EventsTable", "StreamArn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BisectBatchOnFunctionError"] is True
    assert 0 < source["MaximumRetryAttempts"] <= 10 and source["MaximumRecordAgeInSeconds"] > 0
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]
    }


def test_functions_get_the_table_names_and_python_3_11(merged: dict[str, Any]) -> None:
    for name in ("APIHandler", "Dispatcher"):
        properties = merged["Resources"][name]["Properties"]
        assert properties["Runtime"] == "python3.11"
        variables = properties["Environment"]["Variables"]
        assert variables["KARAKURI_DATA_TABLE"] == {"Ref": "DataTable"}
        assert variables["KARAKURI_EVENTS_TABLE"] == {"Ref": "EventsTable"}


def test_events_table_streams_new_images(merged: dict[str, Any]) -> None:
    events = merged["Resources"]["EventsTable"]["Properties"]
    assert events["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_api_gateway_answers_its_own_errors_with_kii_bodies(merged: dict[str, Any]) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in merged["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::GatewayResponse"
    }
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "REQUEST_TOO_LARGE", "THROTTLED"} <= set(responses)
    for properties in responses.values():
        assert properties["RestApiId"] == {"Ref": "RestAPI"}
        assert '"errorCode":' in properties["ResponseTemplates"]["application/json"]


def test_bodies_bucket_is_encrypted_private_and_drops_abandoned_uploads(merged: dict[str, Any]) -> None:
    bucket = merged["Resources"]["BodiesBucket"]["Properties"]
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] > 0 for r in rules)
    for name in ("APIHandler", "Dispatcher"):
        variables = merged["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["KARAKURI_BODIES_BUCKET"] == {"Ref": "BodiesBucket"}


def test_encrypted_buckets_have_a_rotated_kms_key_in_every_function(merged: dict[str, Any]) -> None:
    key = merged["Resources"]["DataKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    for name in ("APIHandler", "Dispatcher", "Scheduler", "Device"):
        variables = merged["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["KARAKURI_DATA_KEY_ID"] == {"Ref": "DataKey"}
