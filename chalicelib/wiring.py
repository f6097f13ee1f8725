"""The one place that builds adapters and services: lazily, cached, resettable by tests."""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib import config
from chalicelib.adapters import aws
from chalicelib.adapters.apps import TableAppStore
from chalicelib.adapters.bodies import MemoryBlobStore, S3BlobStore, TableBodyStore
from chalicelib.adapters.crypto import EnvelopeCipher, KmsDataKeys, LocalDataKeys
from chalicelib.adapters.events import EventCodec, MemoryRecordParser, StreamRecordParser
from chalicelib.adapters.groups import TableGroupStore
from chalicelib.adapters.hooks import TableExecutionStore, TableHookStore
from chalicelib.adapters.installations import TableInstallationStore
from chalicelib.adapters.iot import IotDataPublisher
from chalicelib.adapters.notifications import RecordingNotifier
from chalicelib.adapters.objects import TableObjectStore
from chalicelib.adapters.outbound import OutboundHttp, own_api, parse_rules
from chalicelib.adapters.push import RecordingSender, SnsSender, TablePushLog, TableTopicStore
from chalicelib.adapters.queues import MemoryDeadLetters, SqsDeadLetters, SqsExecutionQueue
from chalicelib.adapters.sandbox import Sandbox
from chalicelib.adapters.scopes import TableScopeAclStore
from chalicelib.adapters.security import ScryptHasher, SystemClock
from chalicelib.adapters.servercode import TableExecutionLog, TableServerCodeStore
from chalicelib.adapters.table import DynamoTable, KeyValueTable, MemoryTable
from chalicelib.adapters.tasks import TableTaskStore
from chalicelib.adapters.thingif import TableThingIFStore
from chalicelib.adapters.things import TableThingStore
from chalicelib.adapters.tokens import TableTokenStore
from chalicelib.adapters.users import TableCodeStore, TableUserStore
from chalicelib.domain.hooks import ExecutionOrder
from chalicelib.domain.ports import (
    BlobStore,
    Clock,
    CommandPublisher,
    DeadLetterQueue,
    EventRecordParser,
    ExecutionQueue,
    ExecutionStore,
    FieldCipher,
    HookStore,
    MobilePushSender,
    ScriptEngine,
    SentNotifications,
)
from chalicelib.runtime.executions import Executions, ServerCodeRunner
from chalicelib.runtime.executor import PRELUDE, Executor, Runner
from chalicelib.runtime.host import Host
from chalicelib.services.apps import AppService
from chalicelib.services.auth import AuthService
from chalicelib.services.bodies import BodyService
from chalicelib.services.dead_letters import DeadLetterService
from chalicelib.services.groups import GroupService
from chalicelib.services.installations import InstallationService, MqttBroker
from chalicelib.services.log_followers import LogFollowers
from chalicelib.services.objects import ObjectService
from chalicelib.services.push import PushService
from chalicelib.services.servercode import ServerCodeService
from chalicelib.services.tasks import TaskService
from chalicelib.services.thingif import ThingIFService
from chalicelib.services.things import ThingService
from chalicelib.services.users import UserService


@dataclass
class Container:
    settings: config.Settings
    table: KeyValueTable
    clock: Clock
    apps: AppService
    auth: AuthService
    users: UserService
    groups: GroupService
    objects: ObjectService
    things: ThingService
    installations: InstallationService
    sent_notifications: SentNotifications
    records: EventRecordParser
    servercode: ServerCodeService
    hooks: HookStore
    thingif: ThingIFService
    bodies: BodyService
    execution_store: ExecutionStore
    push: PushService
    tasks: TaskService
    _runner: ServerCodeRunner | None = field(default=None, repr=False)
    _runner_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _executions: Executions | None = field(default=None, repr=False)
    # Where hooks, schedules and triggers wait for an executor (SQS in AWS, the local stack's
    # pool); None runs them where they are submitted.
    queue: ExecutionQueue | None = None
    # What the executor gave up on (the executions dead-letter queue, the local pool's list).
    dead_letters: DeadLetterService = field(default_factory=DeadLetterService)

    @property
    def runner(self) -> ServerCodeRunner:
        """Built on first use: loading a script engine costs a few hundred milliseconds."""
        with self._runner_lock:
            if self._runner is None:
                self._runner = Runner(self.servercode, self.auth, self.script_executor())
            return self._runner

    def script_executor(self) -> Executor:
        host = Host(
            self.auth,
            self.users,
            self.groups,
            self.objects,
            self.things,
            outbound=outbound(self.settings),
            push=self.push,
            bodies=self.bodies,
            api_base=self.settings.base_url,
        )
        return Executor(sandbox(self.settings), host, self.settings.script_timeout_seconds)

    def use_runner(self, runner: ServerCodeRunner | None) -> None:
        """Run server code with ``runner`` (tests wire a fake); None goes back to the real one."""
        with self._runner_lock:
            self._runner = runner

    @property
    def executions(self) -> Executions:
        """Every run of server code (hook, schedule, trigger, manual) goes through here."""
        runner = self.runner
        with self._runner_lock:
            current = self._executions
            if current is None or current.runner is not runner or current.queue is not self.queue:
                current = self._executions = Executions(
                    self.execution_store,
                    runner,
                    self.clock,
                    self.thingif,
                    self.auth,
                    self.settings.base_url,
                    int(self.settings.script_timeout_seconds * 1000),
                    self.queue,
                )
            return current

    def __post_init__(self) -> None:
        # Deploys find endpoints that the file's top level assigns to globals by evaluating it.
        self.servercode.global_functions = lambda app, source, names: self._probe().global_functions(
            app, source, names
        )

    def _probe(self) -> Executor:
        """The real runner's executor (a fake runner has none: a fresh one probes)."""
        runner = self.runner
        return runner.executor if isinstance(runner, Runner) else self.script_executor()


ENGINES = ("js2py", "quickjs")
_sandboxes: dict[tuple[str, int, int], Sandbox] = {}
_sandboxes_lock = threading.Lock()


def sandbox(settings: config.Settings) -> Sandbox:
    """The process's sandbox for these settings: one zygote and pool per process, shared by
    every container (workers are per app anyway), ended when the process exits."""
    key = (settings.script_engine, settings.script_memory_mb, settings.script_workers_per_app)
    with _sandboxes_lock:
        found = _sandboxes.get(key)
        if found is None:
            if settings.script_engine not in ENGINES:  # fail here, not in a worker
                raise ValueError(f"Unknown script engine {settings.script_engine!r}: use js2py or quickjs")
            found = _sandboxes[key] = Sandbox(
                settings.script_engine,
                PRELUDE,
                settings.script_memory_mb * 1024 * 1024,
                per_app=settings.script_workers_per_app,
            )
            if len(_sandboxes) == 1:
                atexit.register(close_sandboxes)
        return found


def outbound(settings: config.Settings) -> OutboundHttp:
    """Outbound HTTP for server code (``$.ajax``) under the configured egress policy."""
    return OutboundHttp(
        allow=parse_rules(settings.outbound_allow) + own_api(settings.base_url),
        deny=parse_rules(settings.outbound_deny),
        max_response_bytes=settings.outbound_max_response_bytes,
    )


def close_sandboxes() -> None:
    with _sandboxes_lock:
        for each in _sandboxes.values():
            each.close()
        _sandboxes.clear()


def script_engine(name: str) -> ScriptEngine:
    if name == "quickjs":
        from chalicelib.adapters.quickjs_engine import QuickJsEngine

        return QuickJsEngine()
    if name == "js2py":
        from chalicelib.adapters.js2py_engine import Js2PyEngine

        return Js2PyEngine()
    raise ValueError(f"Unknown script engine {name!r}: use js2py or quickjs")


def build(
    settings: config.Settings,
    table: KeyValueTable,
    clock: Clock | None = None,
    records: EventRecordParser | None = None,
    blobs: BlobStore | None = None,
    cipher: FieldCipher | None = None,
    publisher: CommandPublisher | None = None,
    broker: Callable[[], MqttBroker] | None = None,
    sender: MobilePushSender | None = None,
    queue: ExecutionQueue | None = None,
    dead_letters: DeadLetterQueue | None = None,
    followers: LogFollowers | None = None,
) -> Container:
    """The services over ``table``; ``publisher`` sends Thing-IF commands to things (None:
    things fetch them over REST); ``broker`` is where devices connect (default: the local
    stack's broker); ``sender`` delivers mobile push (default: recorded only); ``queue`` is where
    executions wait for an executor (None: they run where they are submitted); ``dead_letters``
    holds the executions given up on (None: none are kept); ``followers`` let readers of the
    developer log wait for its next line (None: they poll)."""
    clock = clock or SystemClock()
    blobs = blobs or MemoryBlobStore()
    cipher = cipher or EnvelopeCipher(LocalDataKeys(local_master_key(settings)))
    codec = EventCodec(settings.event_retention_seconds * 1000)
    hasher = ScryptHasher(settings.scrypt_log2_n)
    app_store, user_store = TableAppStore(table), TableUserStore(table, codec)
    group_store, notifier = TableGroupStore(table, codec), RecordingNotifier(table)
    thing_store = TableThingStore(table, codec)
    object_store = TableObjectStore(table, codec, blobs, cipher)
    topic_store, scope_acls = TableTopicStore(table, codec), TableScopeAclStore(table)
    scope_contents = (topic_store, object_store, scope_acls)  # what a deleted scope takes along
    hook_store = TableHookStore(table)
    execution_store = TableExecutionStore(table, settings.execution_retention_seconds)
    auth = AuthService(
        app_store,
        user_store,
        TableTokenStore(table),
        hasher,
        clock,
        settings.access_token_ttl_seconds * 1000,
        settings.refresh_token_ttl_seconds * 1000,
        thing_store,
    )
    users = UserService(
        user_store,
        group_store,
        TableCodeStore(table),
        notifier,
        hasher,
        auth,
        clock,
        settings.verification_code_ttl_seconds * 1000,
        settings.reset_code_ttl_seconds * 1000,
        scope_contents,
    )
    things = ThingService(thing_store, user_store, group_store, hasher, auth, clock, scope_contents)
    objects = ObjectService(object_store, user_store, group_store, clock, things, scope_acls)
    installation_store = TableInstallationStore(table, codec)
    push_log = TablePushLog(table)
    installations = InstallationService(
        installation_store,
        user_store,
        thing_store,
        clock,
        broker or (lambda: MqttBroker(settings.local_host, settings.local_mqtt_port)),
        settings.mqtt_credentials_ttl_seconds * 1000,
    )
    return Container(
        settings=settings,
        table=table,
        clock=clock,
        apps=AppService(app_store, clock),
        auth=auth,
        users=users,
        groups=GroupService(group_store, user_store, clock, scope_contents),
        objects=objects,
        things=things,
        installations=installations,
        sent_notifications=notifier,
        records=records or (MemoryRecordParser() if isinstance(table, MemoryTable) else StreamRecordParser()),
        servercode=ServerCodeService(
            TableServerCodeStore(table),
            TableExecutionLog(table),
            clock,
            hook_store,
            execution_store,
            followers=followers,
        ),
        hooks=hook_store,
        thingif=ThingIFService(
            things,
            TableThingIFStore(table, codec, settings.state_history_retention_seconds),
            auth,
            clock,
            publisher,
            installations=installations,
        ),
        bodies=BodyService(TableBodyStore(table, codec), blobs, objects, clock, settings.base_url),
        execution_store=execution_store,
        push=PushService(
            topic_store, objects, installation_store, push_log, sender or RecordingSender(), clock
        ),
        tasks=TaskService(TableTaskStore(table), auth, clock),
        queue=queue,
        dead_letters=DeadLetterService(dead_letters),
    )


def local_master_key(settings: config.Settings) -> bytes:
    """The master key of encrypted buckets without KMS: the configured one, or one derived from
    the stage (the local stack's data is not secret; in AWS, KMS wraps the data keys)."""
    if settings.local_data_key:
        return bytes.fromhex(settings.local_data_key)
    return hashlib.sha256(f"karakuri-local-data-key:{settings.stage}".encode()).digest()


def aws_client(service: str, settings: config.Settings) -> Any:
    return aws.client(service, settings.region, settings.aws_endpoint)


def build_for_aws(
    settings: config.Settings,
    clock: Clock | None = None,
    direct_moto: bool = False,
    publisher: CommandPublisher | None = None,
    queue: ExecutionQueue | None = None,
    dead_letters: DeadLetterQueue | None = None,
    followers: LogFollowers | None = None,
) -> Container:
    """The services over DynamoDB and S3. ``direct_moto``: DynamoDB is the in-process moto of
    the embedded stack, reached through its request handler rather than boto3
    (adapters/moto_direct.py). Commands go to ``publisher`` if given (the local stack's broker),
    else through AWS IoT Core when ``iot_publish`` is set. Executions wait in ``queue`` if given
    (the local stack's pool), else in the stage's SQS queue when it has one."""
    table = DynamoTable(
        dynamodb_client(settings, direct_moto),
        {"data": settings.data_table, "events": settings.events_table},
    )
    blobs = S3BlobStore(aws_client("s3", settings), settings.bodies_bucket)
    cipher = (
        EnvelopeCipher(KmsDataKeys(aws_client("kms", settings), settings.data_key_id))
        if settings.data_key_id
        else None
    )
    broker: Callable[[], MqttBroker] | None = None
    if publisher is None and settings.iot_publish:
        iot = publisher = IotDataPublisher(
            lambda url: aws.client("iot-data", settings.region, url or settings.aws_endpoint),
            lambda: (
                aws_client("iot", settings)
                .describe_endpoint(endpointType="iot:Data-ATS")
                .get("endpointAddress")
            ),
        )
        # Devices reach IoT Core over TLS only: MQTT on 8883, MQTT over WebSocket on 443.
        broker = lambda: MqttBroker(  # noqa: E731
            iot.endpoint_host() or "", port_tcp=0, port_ssl=8883, port_ws=0, port_wss=443
        )
    # Mobile push through Amazon SNS when the stage has it (docs/push.md); else recorded only.
    sender = SnsSender(aws_client("sns", settings), TablePushLog(table)) if settings.sns_push else None
    return build(
        settings,
        table,
        clock,
        blobs=blobs,
        cipher=cipher,
        publisher=publisher,
        broker=broker,
        sender=sender,
        queue=queue or executions_queue(settings),
        dead_letters=dead_letters or dead_letter_queue(settings),
        followers=followers,
    )


def executions_queue(settings: config.Settings) -> ExecutionQueue | None:
    """The SQS executions queue, when the stage has one."""
    if not settings.executions_queue_url:
        return None
    return SqsExecutionQueue(aws_client("sqs", settings), settings.executions_queue_url)


def dead_letter_queue(settings: config.Settings) -> SqsDeadLetters | None:
    """The executions dead-letter queue, when the stage has one (and its executions queue)."""
    if not (settings.executions_dead_letter_queue_url and settings.executions_queue_url):
        return None
    return SqsDeadLetters(
        aws_client("sqs", settings), settings.executions_dead_letter_queue_url, settings.executions_queue_url
    )


def local_dead_letters(resend: Callable[[ExecutionOrder], None]) -> MemoryDeadLetters:
    """The local stack's dead-letter list (what its executor pool gave up on), redriven to
    ``resend`` (the pool)."""
    return MemoryDeadLetters(SystemClock(), resend)


def build_in_memory(settings: config.Settings | None = None, clock: Clock | None = None) -> Container:
    return build(settings or config.Settings(scrypt_log2_n=4), MemoryTable(), clock)


_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    global _container
    with _lock:
        if _container is None:
            _container = build_for_aws(config.settings())
        return _container


def use(replacement: Container | None) -> None:
    """Install a container (tests, the local stack) or, with None, forget the current one."""
    global _container
    with _lock:
        _container = replacement


def reset() -> None:
    config.reset()
    use(None)


def provision_tables(
    settings: config.Settings, definitions: dict[str, dict[str, Any]]
) -> dict[str, str | None]:
    """Create the tables (logical name -> CloudFormation properties) where they are missing;
    returns each table's stream ARN. Used by the local stack and the tests."""
    from chalicelib.adapters.streams import create_table

    client = aws_client("dynamodb", settings)
    names = {"data": settings.data_table, "events": settings.events_table}
    return {logical: create_table(client, names[logical], props) for logical, props in definitions.items()}


def provision_bodies_bucket(settings: config.Settings) -> None:
    """Create the bodies' S3 bucket where it is missing (the local stack and the tests; in AWS
    infra/template.json creates it)."""
    client = aws_client("s3", settings)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if settings.bodies_bucket not in existing:
        client.create_bucket(Bucket=settings.bodies_bucket)


def stream_reader(settings: config.Settings, stream_arn: str, direct_moto: bool = False) -> Any:
    from chalicelib.adapters.streams import StreamReader

    client = aws_client("dynamodbstreams", settings)
    if direct_moto:
        from chalicelib.adapters.moto_direct import MotoDynamoDBStreams

        client = MotoDynamoDBStreams(settings.region, client)
    return StreamReader(client, stream_arn)


def dynamodb_client(settings: config.Settings, direct_moto: bool = False) -> Any:
    client = aws_client("dynamodb", settings)
    if direct_moto:
        from chalicelib.adapters.moto_direct import MotoDynamoDB

        client = MotoDynamoDB(settings.region, client)
    return client


def table_names(settings: config.Settings) -> dict[str, str]:
    """Logical table name -> its DynamoDB name."""
    return {"data": settings.data_table, "events": settings.events_table}


def read_table(settings: config.Settings, logical: str) -> list[dict[str, Any]]:
    """Every item of a table, as DynamoDB JSON (the local stack's export)."""
    from chalicelib.adapters.streams import scan_items

    return scan_items(aws_client("dynamodb", settings), table_names(settings)[logical])


def app_list(settings: config.Settings) -> list[dict[str, Any]]:
    """Every app of the stage, oldest first: ID, name, creation time (a scan of the data
    table: `karakuri app list`, and the local stack's ``GET /local/apps``)."""
    found = [item for item in read_table(settings, "data") if item["sk"]["S"] == "#APP"]
    apps = [
        {
            "appID": a["appID"]["S"],
            "name": a.get("name", {}).get("S", ""),
            "createdAt": int(a["createdAt"]["N"]),
        }
        for a in found
    ]
    return sorted(apps, key=lambda a: (a["createdAt"], a["appID"]))


def events_between(settings: config.Settings, first_ms: int, last_ms: int) -> list[dict[str, Any]]:
    """The events table's items (DynamoDB JSON) that occurred in the window: a scan of the
    whole table, for an operator's redrive of a range the stream no longer holds."""
    from chalicelib.adapters.streams import scan_items

    return scan_items(
        aws_client("dynamodb", settings), settings.events_table, ("occurredAt", first_ms, last_ms)
    )


def write_table(settings: config.Settings, logical: str, items: list[dict[str, Any]]) -> int:
    """Puts items given as DynamoDB JSON (the local stack's import)."""
    from chalicelib.adapters.streams import put_items

    return put_items(aws_client("dynamodb", settings), table_names(settings)[logical], items)


_json_logs = False


def observe(event: Any, get_response: Any) -> Any:
    """Chalice middleware of every entry point (app.py). Log lines carry the invocation's IDs; in
    Lambda (``KARAKURI_LOG_FORMAT=json``) they are JSON, and each invocation but an HTTP request's
    (API Gateway measures those) writes its metrics: duration, errors, and a batch's count,
    failures and age (docs/operations.md)."""
    global _json_logs
    import logging
    import time

    from chalicelib.adapters import telemetry

    http = isinstance(getattr(event, "context", None), dict)  # a Request: API Gateway's context
    context = getattr(event, "lambda_context", None) if http else getattr(event, "context", None)
    function = str(getattr(context, "function_name", "") or "local")
    fields = {"function": function, "requestId": getattr(context, "aws_request_id", None)}
    if http:
        fields["apiRequestId"] = event.context.get("requestId")
    else:
        fields.update(telemetry.record_ids(event.to_dict()))
    json_format = config.settings().log_format == "json"
    if json_format and not _json_logs:
        telemetry.use_json_logs(logging.getLogger("karakuri"))
        _json_logs = True
    with telemetry.invocation(fields):
        if http or not json_format:
            return get_response(event)
        metrics = telemetry.Metrics(function, telemetry.stdout)
        started = time.perf_counter()
        result: Any = None
        try:
            result = get_response(event)
            return result
        except Exception:
            metrics.add("Errors", 1)
            raise
        finally:
            now = container().clock.now_ms()
            metrics.add("Duration", round((time.perf_counter() - started) * 1000, 1), "Milliseconds")
            telemetry.batch_metrics(metrics, event.to_dict(), result, now)
            metrics.flush(now, {"requestId": fields["requestId"]})
