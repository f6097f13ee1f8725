"""The deployment as AWS would run it: the packaged SAM template expanded into CloudFormation
(aws-sam-translator, scripts/sam_template.py), created as a stack in moto's CloudFormation, then
the Lambda handlers driven against the resources the stack created, with the environment the
stack gave each function.

moto lacks some resource types; they are left out (with what depends on them) and listed here:
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from chalicelib import config, wiring
from chalicelib.adapters import telemetry
from chalicelib.adapters.security import ManualClock
from scripts.sam_template import CODE_BUCKET, CODE_KEY, package
from tests.conftest import TEST_EPOCH_MS, Kii, MotoServices

ROOT = Path(__file__).resolve().parents[2]

# moto 5.2 has no CloudFormation model for these; everything that refers to them goes too.
MOTO_LACKS = {
    "AWS::CloudWatch::Alarm",  # (moto's CloudWatch has alarms, its CloudFormation does not)
    "AWS::IoT::TopicRule",
    "AWS::IoT::Authorizer",
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::Stage",
    # moto does not import a RestApi's Body, so a deployment of it "contains no methods"
    "AWS::ApiGateway::Deployment",
}


def for_moto(template: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The template without what moto lacks; returns it and the logical IDs left out."""
    moto = json.loads(json.dumps(template))
    resources = moto["Resources"]
    left_out = {k for k, r in resources.items() if r["Type"] in MOTO_LACKS}

    def refers(node: Any) -> bool:
        text = json.dumps(node)
        return any(f'"{k}"' in text or "${" + k in text for k in left_out)

    for name in list(resources):
        if name in left_out:
            del resources[name]
        elif refers(resources[name]):
            left_out.add(name)
            del resources[name]
    for name in [o for o, output in moto.get("Outputs", {}).items() if refers(output)]:
        del moto["Outputs"][name]
    # moto reads a KMS key's CloudFormation tags as TagKey/TagValue (AWS: Key/Value)
    key = resources["DataKey"]["Properties"]
    key["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in key["Tags"]]
    return moto, left_out


@dataclass
class Stack:
    cfn: Any
    outputs: dict[str, str]
    left_out: set[str]

    def client(self, service: str) -> Any:
        return wiring.aws_client(service, config.Settings())

    def physical(self, logical: str) -> str:
        found = self.cfn.describe_stack_resource(StackName="dev", LogicalResourceId=logical)
        return str(found["StackResourceDetail"]["PhysicalResourceId"])

    def environment(self, function: str) -> dict[str, str]:
        configuration = self.client("lambda").get_function_configuration(FunctionName=self.physical(function))
        return dict(configuration["Environment"]["Variables"])


@pytest.fixture
def stack() -> Iterator[Stack]:
    from moto import mock_aws

    _, expanded = package(ROOT)
    template, left_out = for_moto(expanded)
    with mock_aws():
        s3 = wiring.aws_client("s3", config.Settings())
        s3.create_bucket(Bucket=CODE_BUCKET)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:  # moto stores the code, never runs it
            archive.writestr("app.py", "")
        s3.put_object(Bucket=CODE_BUCKET, Key=CODE_KEY, Body=code.getvalue())
        cfn = wiring.aws_client("cloudformation", config.Settings())
        cfn.create_stack(StackName="dev", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"])
        described = cfn.describe_stacks(StackName="dev")["Stacks"][0]
        assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
        _detach_motos_own_delivery(outputs["EventsTableName"])
        yield Stack(cfn, outputs, left_out)
    wiring.reset()


def _detach_motos_own_delivery(events_table: str) -> None:
    """The tests hand records and messages to the handlers as the event source mappings would;
    moto would also invoke the functions itself, in Docker."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    functions = wiring.aws_client("lambda", config.Settings())
    for mapping in functions.list_event_source_mappings()["EventSourceMappings"]:
        functions.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)  # SQS
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(events_table)
    table.lambda_event_source_mappings.clear()  # moto's streams ignore Enabled


def test_only_what_moto_lacks_is_left_out(stack: Stack) -> None:
    assert stack.left_out == {
        *(k for k in _alarms()),
        "DeviceStateRule",
        "DevicePresenceRule",
        "DeviceApiRule",
        "DeviceAuthorizer",
        "DeviceStatePermission",
        "DevicePresencePermission",
        "DeviceApiPermission",
        "DeviceAuthorizerPermission",
        "ApiGatewayAccount",
        "RestAPIapiStage",
        *(k for k in _expanded() if k.startswith("RestAPIDeployment")),
    }


def _expanded() -> dict[str, Any]:
    return dict(package(ROOT)[1]["Resources"])


def _alarms() -> list[str]:
    return [k for k, r in _expanded().items() if r["Type"] == "AWS::CloudWatch::Alarm"]


def test_the_stack_creates_retained_tables_queues_and_mappings_as_the_template_says(stack: Stack) -> None:
    dynamodb = stack.client("dynamodb")
    assert stack.outputs["DataTableName"] == "karakuri-dev-data"
    events = dynamodb.describe_table(TableName=stack.outputs["EventsTableName"])["Table"]
    assert events["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}

    sqs = stack.client("sqs")
    queue = sqs.get_queue_attributes(QueueUrl=stack.outputs["ExecutionsQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]
    redrive = json.loads(queue["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(
        stack.outputs["ExecutionsDeadLetterQueueUrl"].split("/")[-1]
    )
    assert int(queue["VisibilityTimeout"]) >= 6 * 40

    functions = stack.client("lambda")
    executor = functions.get_function_configuration(FunctionName="dev-executor")
    assert executor["Timeout"] == 40
    env = stack.environment("Executor")
    assert env["KARAKURI_EXECUTIONS_QUEUE_URL"] == stack.outputs["ExecutionsQueueUrl"]
    assert env["KARAKURI_STAGE"] == "dev" and env["KARAKURI_LOG_FORMAT"] == "json"

    mappings = {
        m["FunctionArn"].split(":")[-1]: m
        for m in functions.list_event_source_mappings()["EventSourceMappings"]
    }
    assert set(mappings) == {"dev-dispatcher", "dev-executor"}
    assert mappings["dev-dispatcher"]["EventSourceArn"] == events["LatestStreamArn"]
    assert mappings["dev-dispatcher"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mappings["dev-executor"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mappings["dev-executor"]["EventSourceArn"].endswith(
        stack.outputs["ExecutionsQueueUrl"].split("/")[-1]
    )
    assert mappings["dev-executor"]["BatchSize"] == 1


def test_handlers_run_against_the_created_resources_with_the_stacks_environment(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's registration through the API function, its event through the dispatcher and, where
    the dispatcher enqueues executions, the executor: the hook's execution is recorded."""
    from chalice.test import Client

    from app import app
    from tests.functional.test_hooks import deploy, executions

    environment = stack.environment("APIHandler")
    for function in ("Dispatcher", "Executor", "Scheduler"):  # one process plays every function
        shared = {k: v for k, v in stack.environment(function).items() if k in environment}
        assert shared.items() <= environment.items()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KARAKURI_LOG_FORMAT")  # pytest captures the plain lines
    services = _services_of_the_stack()
    settings = services.container.settings
    assert (
        settings.data_table == "karakuri-dev-data"
        and settings.bodies_bucket == stack.outputs["BodiesBucketName"]
    )
    with Client(app) as client:
        kii = Kii(client.http, services.container.apps.create("deployed"), services)
        assert services.dispatch() == {"batchItemFailures": []}
        admin = kii.admin_token()
        deploy(
            kii,
            admin,
            {
                "kiicloud://users": [
                    {"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "record"}
                ]
            },
        )
        services.dispatch()
        kii.register("alice")
        assert services.dispatch() == {"batchItemFailures": []}
        _run_enqueued_executions(stack)
        [run] = [e for e in executions(kii, admin) if e.get("endpoint") == "record"]
        assert run["status"] == "SUCCESS", run
        assert run["returnedValue"]["params"]["uri"].startswith("kiicloud://users/")


def _services_of_the_stack() -> MotoServices:
    """The services as a function of the stack builds them from its environment (set by the
    test), on the test's clock."""
    wiring.reset()
    settings = replace(config.settings(), scrypt_log2_n=4)
    clock = ManualClock(TEST_EPOCH_MS)
    container = wiring.build_for_aws(settings, clock)
    wiring.use(container)
    dynamodb = wiring.aws_client("dynamodb", settings)
    stream = dynamodb.describe_table(TableName=settings.events_table)["Table"]["LatestStreamArn"]
    return MotoServices(container, stream, clock)


def _run_enqueued_executions(stack: Stack) -> None:
    """What the executor's event source mapping does: each message of the executions queue, as
    an SQS event of one record, to the executor's handler (none while hooks still run inline)."""
    from app import executor

    sqs = stack.client("sqs")
    url = stack.outputs["ExecutionsQueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", []):
        for message in messages:
            record = {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {  # Lambda's spelling of SQS's message attributes
                    name: {k[0].lower() + k[1:]: v for k, v in value.items()}
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            }
            assert executor({"Records": [record]}, None) == {"batchItemFailures": []}
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@dataclass
class LambdaContext:
    function_name: str
    aws_request_id: str


def test_in_lambda_every_invocation_writes_json_logs_and_its_metrics(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    from chalice.test import Client

    from app import app, dispatcher

    for name, value in stack.environment("Dispatcher").items():
        monkeypatch.setenv(name, value)
    services = _services_of_the_stack()
    assert services.container.settings.log_format == "json"
    with Client(app) as client:
        Kii(client.http, services.container.apps.create("metered"), services).register("bob")
    records = services.drain_records()
    handlers = logging.getLogger("karakuri").handlers
    formatters = [h.formatter for h in handlers]
    try:
        assert dispatcher({"Records": records}, LambdaContext("dev-dispatcher", "req-7")) == {
            "batchItemFailures": []
        }
        assert all(isinstance(h.formatter, telemetry.JsonFormatter) for h in handlers)
    finally:
        for handler, formatter in zip(handlers, formatters, strict=True):
            handler.setFormatter(formatter)
        monkeypatch.setattr(wiring, "_json_logs", False)
    [document] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert document["Function"] == "dev-dispatcher" and document["requestId"] == "req-7"
    assert document["Events"] == len(records) > 0 and document["EventFailures"] == 0
    assert document["Duration"] >= 0 and document["StreamAge"] >= 0


def test_chalice_deploy_is_refused_before_it_creates_anything() -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens: any AWS call would fail otherwise
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    chalice = Path(sys.executable).parent / "chalice"
    done = subprocess.run(
        [str(chalice), "deploy", "--stage", "dev"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert (
        "`chalice deploy` is not supported" in done.stderr and "make deploy STAGE=dev BUCKET=" in done.stderr
    )
    assert "Creating" not in done.stdout + done.stderr
    assert not (ROOT / ".chalice" / "deployed" / "dev.json").exists()
