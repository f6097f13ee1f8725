"""The template `make package` produces: `chalice package --merge-template infra/template.json`,
finalized and expanded into plain CloudFormation by scripts/sam_template.py (cfn-lint runs on
both in `make check`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.sam_template import expand, package

ROOT = Path(__file__).resolve().parents[2]
CFN_LINT = Path(sys.executable).parent / "cfn-lint"
FUNCTIONS = ("APIHandler", "Dispatcher", "Executor", "Scheduler", "Device", "IotAuthorizer")
SCRIPT_LIMIT_S = 20  # Kii's limit on one server-code execution


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    return package(ROOT)[0]


@pytest.fixture(scope="module")
def expanded() -> dict[str, Any]:
    return package(ROOT)[1]


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_dispatcher_reads_the_events_stream_with_per_record_failures(merged: dict[str, Any]) -> None:
    source = merged["Resources"]["Dispatcher"]["Properties"]["Events"]["DispatcherDynamodbEventSource"][
        "Properties"
    ]
    assert source["Stream"] == {"Fn::GetAtt": ["EventsTable", "StreamArn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BisectBatchOnFunctionError"] is True
    assert 0 < source["MaximumRetryAttempts"] <= 10
    assert 0 < source["MaximumRecordAgeInSeconds"] <= 24 * 3600  # the stream keeps records 24 h
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]
    }


def test_executor_runs_one_execution_per_message_within_kiis_limit(merged: dict[str, Any]) -> None:
    resources = merged["Resources"]
    executor = resources["Executor"]["Properties"]
    source = executor["Events"]["ExecutionsQueueEventSource"]
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["ExecutionsQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    batch = source["Properties"]["BatchSize"]
    # every execution of the batch may take Kii's 20 s, with room to start and record them
    assert SCRIPT_LIMIT_S * batch + 5 <= executor["Timeout"] <= 60
    queue = resources["ExecutionsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * executor["Timeout"]  # AWS's advice for SQS event sources
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["ExecutionsDeadLetterQueue", "Arn"]
    }
    assert 1 < queue["RedrivePolicy"]["maxReceiveCount"] <= 5
    assert "FifoQueue" not in queue  # a fair queue: standard, messages grouped by app


def test_dead_letters_are_kept_as_long_as_the_events_they_name(merged: dict[str, Any]) -> None:
    resources = merged["Resources"]
    event_retention = 7 * 24 * 3600  # KARAKURI_EVENT_RETENTION's default, the events table's TTL
    for queue in ("EventsDeadLetterQueue", "ExecutionsDeadLetterQueue"):
        assert resources[queue]["Properties"]["MessageRetentionPeriod"] == event_retention
    # a dead letter's expiry counts from its first enqueue: the queue must not outlive it
    assert resources["ExecutionsQueue"]["Properties"]["MessageRetentionPeriod"] < event_retention


def test_functions_get_the_stacks_resources_and_python_3_11(merged: dict[str, Any]) -> None:
    for name in FUNCTIONS:
        properties = merged["Resources"][name]["Properties"]
        assert properties["Runtime"] == "python3.11"
        assert properties["Tracing"] == {"Ref": "Tracing"}
        variables = properties["Environment"]["Variables"]
        assert variables["KARAKURI_DATA_TABLE"] == {"Ref": "DataTable"}
        assert variables["KARAKURI_STAGE"] == {"Ref": "AWS::StackName"}
        assert variables["KARAKURI_LOG_FORMAT"] == "json"
    for name in ("APIHandler", "Dispatcher", "Executor", "Scheduler", "Device"):
        variables = merged["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["KARAKURI_EXECUTIONS_QUEUE_URL"] == {"Ref": "ExecutionsQueue"}
        assert variables["KARAKURI_EVENTS_TABLE"] == {"Ref": "EventsTable"}


def test_every_function_logs_to_its_own_group_with_the_retention_parameter(merged: dict[str, Any]) -> None:
    resources = merged["Resources"]
    for name in FUNCTIONS:
        function = resources[name]
        suffix = function["Properties"]["FunctionName"]["Fn::Sub"].removeprefix("${AWS::StackName}-")
        group = resources[f"{name}LogGroup"]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{suffix}"}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert f"{name}LogGroup" in function["DependsOn"]


def _statements(merged: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = merged["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = merged["Resources"][role]["Properties"]["Policies"]
    found = []
    for statement in policy["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:  # X-Ray, only with Tracing=Active
            statement = statement["Fn::If"][1]
        found.append(statement)
    return found


def _actions(merged: dict[str, Any], function: str) -> set[str]:
    return {a for s in _statements(merged, function) for a in s["Action"]}


def test_each_function_has_its_own_role_scoped_to_this_stacks_resources(merged: dict[str, Any]) -> None:
    roles = {merged["Resources"][f]["Properties"]["Role"]["Fn::GetAtt"][0] for f in FUNCTIONS}
    assert len(roles) == len(FUNCTIONS)
    for function in FUNCTIONS:
        text = json.dumps(_statements(merged, function))
        assert "karakuri-*" not in text and "arn:*" not in text and "logs:*" not in text
        assert "logs:CreateLogGroup" not in text  # the template creates the groups
        logs = next(s for s in _statements(merged, function) if s["Sid"] == "OwnLogGroup")
        suffix = merged["Resources"][function]["Properties"]["FunctionName"]["Fn::Sub"].split("-", 1)[1]
        assert logs["Resource"]["Fn::Sub"].endswith(f":log-group:/aws/lambda/${{AWS::StackName}}-{suffix}:*")
        for statement in _statements(merged, function):
            if statement["Resource"] == "*":
                assert set(statement["Action"]) <= {
                    "iot:DescribeEndpoint",
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                }


def test_no_role_holds_dynamodb_actions_the_code_never_calls(merged: dict[str, Any]) -> None:
    unused = {"dynamodb:UpdateItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Scan"}
    for function in FUNCTIONS:
        assert not (_actions(merged, function) & unused)


def test_the_iot_authorizer_only_reads_tokens_and_is_capped(merged: dict[str, Any]) -> None:
    assert _actions(merged, "IotAuthorizer") == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    properties = merged["Resources"]["IotAuthorizer"]["Properties"]
    assert properties["ReservedConcurrentExecutions"] == {"Ref": "IotAuthorizerConcurrency"}


def test_the_consumers_enqueue_the_executor_consumes_and_the_api_reads_only_dead_letters(
    merged: dict[str, Any],
) -> None:
    for function in FUNCTIONS:
        actions = _actions(merged, function)
        assert ("sqs:ReceiveMessage" in actions) == (function in ("Executor", "APIHandler"))
        assert ("dynamodb:GetRecords" in actions) == (function == "Dispatcher")
    assert "sqs:SendMessage" in _actions(merged, "Dispatcher") & _actions(merged, "Scheduler")
    assert "s3:GetObject" not in _actions(merged, "Dispatcher") | _actions(merged, "Device")


def test_the_api_reads_only_the_executions_dead_letters_and_redrives_only_to_their_queue(
    merged: dict[str, Any],
) -> None:
    """The admin's GET/POST …/hooks/dead-letters (docs/hooks.md)."""
    statements = {s.get("Sid"): s for s in _statements(merged, "APIHandler")}
    dead, back = statements["RedriveDeadExecutions"], statements["RedriveToExecutions"]
    assert dead["Resource"] == {"Fn::GetAtt": ["ExecutionsDeadLetterQueue", "Arn"]}
    assert back["Resource"] == {"Fn::GetAtt": ["ExecutionsQueue", "Arn"]} and back["Action"] == [
        "sqs:SendMessage"
    ]
    receivers = [s for s in statements.values() if "sqs:ReceiveMessage" in s.get("Action", [])]
    assert receivers == [dead]


def test_only_the_dispatcher_delivers_push_through_sns_and_installation_topics(
    merged: dict[str, Any],
) -> None:
    for function in FUNCTIONS:
        assert ("sns:Publish" in _actions(merged, function)) == (function == "Dispatcher")
    variables = merged["Resources"]["Dispatcher"]["Properties"]["Environment"]["Variables"]
    assert variables["KARAKURI_SNS_PUSH"] == "1"
    topics = next(s for s in _statements(merged, "Dispatcher") if s["Sid"] == "DeviceAndInstallationTopics")
    assert topics["Resource"]["Fn::Sub"].endswith(":${AWS::AccountId}:topic/*")


def test_tables_survive_a_stack_deletion(merged: dict[str, Any]) -> None:
    for name in ("DataTable", "EventsTable"):
        table = merged["Resources"][name]
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True


def test_events_table_streams_new_images(merged: dict[str, Any]) -> None:
    events = merged["Resources"]["EventsTable"]["Properties"]
    assert events["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_api_gateway_answers_its_own_errors_with_kii_bodies(merged: dict[str, Any]) -> None:
    responses = merged["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    assert responses["THROTTLED"]["StatusCode"] == "429"
    assert responses["ACCESS_DENIED"]["StatusCode"] == "403"
    assert {
        "DEFAULT_4XX",
        "DEFAULT_5XX",
        "REQUEST_TOO_LARGE",
        "QUOTA_EXCEEDED",
        "INTEGRATION_TIMEOUT",
    } <= set(responses)
    for response in responses.values():
        body = json.loads(
            response["ResponseTemplates"]["application/json"].replace(
                "$context.error.messageString", '"a message"'
            )
        )
        assert set(body) == {"errorCode", "message"} and body["errorCode"].isupper()


def test_api_gateway_throttles_logs_access_and_calls_its_function_by_name(merged: dict[str, Any]) -> None:
    api = merged["Resources"]["RestAPI"]["Properties"]
    (settings,) = api["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = json.loads(api["AccessLogSetting"]["Format"])
    assert fields["requestId"] == "$context.requestId" and "status" in fields
    # no cycle: the function's environment names the API, so the API must not name the function's ARN
    assert "${APIHandler.Arn}" not in json.dumps(api["DefinitionBody"])
    assert "function:${AWS::StackName}-api" in json.dumps(api["DefinitionBody"])


def test_alarms_watch_dead_letters_lag_errors_and_throttles(merged: dict[str, Any]) -> None:
    alarms = _resources(merged, "AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"]["MetricName"], json.dumps(a["Properties"]["Dimensions"][0]["Value"]))
        for a in alarms.values()
    }
    for queue in ("EventsDeadLetterQueue", "ExecutionsDeadLetterQueue"):
        assert (
            "ApproximateNumberOfMessagesVisible",
            json.dumps({"Fn::GetAtt": [queue, "QueueName"]}),
        ) in watched
    assert (
        "ApproximateAgeOfOldestMessage",
        json.dumps({"Fn::GetAtt": ["ExecutionsQueue", "QueueName"]}),
    ) in watched
    assert ("IteratorAge", json.dumps({"Ref": "Dispatcher"})) in watched
    for function in ("Dispatcher", "Executor"):
        assert ("Errors", json.dumps({"Ref": function})) in watched
        assert ("Throttles", json.dumps({"Ref": function})) in watched
    assert ("Throttles", json.dumps({"Ref": "IotAuthorizer"})) in watched
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }


def test_bodies_bucket_is_encrypted_private_and_drops_abandoned_uploads(merged: dict[str, Any]) -> None:
    bucket = merged["Resources"]["BodiesBucket"]["Properties"]
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] > 0 for r in rules)
    for name in ("APIHandler", "Executor"):
        variables = merged["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["KARAKURI_BODIES_BUCKET"] == {"Ref": "BodiesBucket"}


def test_encrypted_buckets_have_a_rotated_kms_key_in_every_function(merged: dict[str, Any]) -> None:
    key = merged["Resources"]["DataKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    for name in ("APIHandler", "Dispatcher", "Executor", "Scheduler", "Device"):
        variables = merged["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["KARAKURI_DATA_KEY_ID"] == {"Ref": "DataKey"}


def test_the_expansion_is_plain_cloudformation(expanded: dict[str, Any]) -> None:
    kinds = {r["Type"] for r in expanded["Resources"].values()}
    assert not any(k.startswith("AWS::Serverless::") for k in kinds)
    assert "Transform" not in expanded
    mappings = _resources(expanded, "AWS::Lambda::EventSourceMapping")
    assert {m["Properties"]["FunctionName"]["Ref"] for m in mappings.values()} == {"Dispatcher", "Executor"}


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (("Dispatcher", "Events", "DispatcherDynamodbEventSource", "MaximumRetryAttempts"), 99999, "E3034"),
        (("APIHandler", "Timeout"), 5000, "E3717"),
    ],
)
def test_cfn_lint_catches_limits_only_the_expansion_shows(
    merged: dict[str, Any], tmp_path: Path, path: tuple[str, ...], value: int, rule: str
) -> None:
    broken = json.loads(json.dumps(merged))
    properties = broken["Resources"][path[0]]["Properties"]
    if path[1] == "Events":
        properties = properties["Events"][path[2]]["Properties"]
    properties[path[-1]] = value
    (tmp_path / "sam.json").write_text(json.dumps(broken))
    (tmp_path / "expanded.json").write_text(json.dumps(expand(broken)))
    found = subprocess.run(
        [str(CFN_LINT), str(tmp_path / "sam.json"), str(tmp_path / "expanded.json")],
        capture_output=True,
        text=True,
    )
    assert found.returncode != 0
    assert rule in found.stdout and "expanded.json" in found.stdout
