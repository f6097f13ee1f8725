"""Ports: what services need from the outside world, as Protocols (pure).

Every store writes the events it is given in the same transaction as the entity change, so
an event exists if and only if its change does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from chalicelib.domain.acl import ScopeAcl
from chalicelib.domain.bodies import ObjectBody, ObjectRef, Publication, Upload
from chalicelib.domain.dead_letters import DeadLetter
from chalicelib.domain.events import Event
from chalicelib.domain.hooks import Activation, Execution, ExecutionOrder
from chalicelib.domain.installations import Installation
from chalicelib.domain.models import App, CodePurpose, CodeRecord, Group, Notification, TokenRecord, User
from chalicelib.domain.objects import Bucket, KiiObject
from chalicelib.domain.push import Delivery, Subscriber, Target, Topic
from chalicelib.domain.scopes import Scope
from chalicelib.domain.scripts import CodeVersion
from chalicelib.domain.tasks import Task
from chalicelib.domain.thingif import Command, ThingState, ThingTrigger
from chalicelib.domain.things import Owner, Thing


class Clock(Protocol):
    def now_ms(self) -> int: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, encoded: str) -> bool: ...

    def needs_rehash(self, encoded: str) -> bool:
        """True when ``encoded`` was made at another cost than the current one."""


class AppStore(Protocol):
    def get(self, app_id: str) -> App | None: ...

    def get_by_client_id(self, client_id: str) -> App | None: ...

    def create(self, app: App) -> None:
        """Raises AppAlreadyExists if the app ID or client ID is taken."""

    def set_require_password_for_thing_ownership(self, app_id: str, required: bool) -> None:
        """Kii's ``requirePasswordForThingOwnership`` app setting; AppNotFound if no such app."""


class UserStore(Protocol):
    def get(self, app_id: str, user_id: str) -> User | None: ...

    def find(self, app_id: str, kind: str, value: str) -> User | None:
        """Look a user up by a unique identity: ``login_name``, ``email`` or ``phone``."""

    def all(self, app_id: str, after: str | None = None) -> Iterator[User]:
        """Every user of the app in userID order, after the userID ``after``."""

    def create(self, user: User, events: Sequence[Event]) -> None:
        """Raises UserAlreadyExists (with ``field``) when an identity is taken."""

    def save(self, user: User, previous: User, events: Sequence[Event]) -> None:
        """Replace ``previous`` by ``user`` if nobody changed it meanwhile (Conflict otherwise),
        moving identity claims that changed (UserAlreadyExists when a new one is taken)."""

    def delete(self, user: User, events: Sequence[Event]) -> None: ...


class GroupStore(Protocol):
    def get(self, app_id: str, group_id: str) -> Group | None: ...

    def create(self, group: Group, members: Sequence[str], events: Sequence[Event]) -> None:
        """Raises GroupAlreadyExists."""

    def save(self, group: Group, previous: Group, events: Sequence[Event]) -> None: ...

    def delete(self, group: Group, events: Sequence[Event]) -> None:
        """Delete the group and its memberships."""

    def members(self, app_id: str, group_id: str) -> list[str]: ...

    def is_member(self, app_id: str, group_id: str, user_id: str) -> bool: ...

    def add_members(self, group: Group, user_ids: Sequence[str], events: Sequence[Event]) -> None:
        """Add memberships (already-present ones are kept); the group must still exist."""

    def remove_members(self, group: Group, user_ids: Sequence[str], events: Sequence[Event]) -> None: ...

    def groups_of_member(self, app_id: str, user_id: str) -> list[Group]: ...

    def groups_owned_by(self, app_id: str, user_id: str) -> list[Group]: ...

    def forget_member(self, app_id: str, user_id: str) -> None:
        """Drop every membership of a deleted user (no events: USER_DELETED covers it)."""


class ScopeContents(Protocol):
    """What lives in a scope (its buckets, topics, ACL) and goes when the scope's user, group
    or thing is deleted."""

    def drop_scope(self, scope: Scope) -> None: ...


class ScopeAclStore(Protocol):
    """Scope ACLs that were granted or revoked (the others are Kii's defaults)."""

    def get(self, scope: Scope) -> ScopeAcl | None: ...
    def save(self, acl: ScopeAcl, previous: ScopeAcl) -> None:
        """Conflict when the ACL changed meanwhile (``previous`` at version 0: was never stored)."""

    def drop_scope(self, scope: Scope) -> None: ...


class ObjectStore(Protocol):
    def bucket(self, scope: Scope, bucket_id: str) -> Bucket | None: ...
    def get(self, scope: Scope, bucket_id: str, object_id: str) -> KiiObject | None: ...
    def objects(self, scope: Scope, bucket_id: str) -> list[KiiObject]: ...
    def by_created(
        self, scope: Scope, bucket_id: str, descending: bool, after: tuple[int, str] | None
    ) -> Iterator[KiiObject]:
        """The bucket's objects in creation order, strictly after (created, objectID), lazily."""

    def put(
        self, obj: KiiObject, previous: KiiObject | None, new_bucket: Bucket | None, events: Sequence[Event]
    ) -> None: ...
    def delete(self, obj: KiiObject, events: Sequence[Event]) -> None: ...
    def save_bucket(self, bucket: Bucket, previous: Bucket) -> None: ...
    def drop_bucket(self, bucket: Bucket) -> None: ...
    def drop_scope(self, scope: Scope) -> None: ...


class ThingStore(Protocol):
    def get(self, app_id: str, thing_id: str) -> Thing | None: ...
    def find_by_vendor_id(self, app_id: str, vendor_thing_id: str) -> Thing | None: ...
    def all(self, app_id: str, after: str | None = None) -> Iterator[Thing]:
        """Every thing of the app in thingID order, after the thingID ``after``."""

    def create(self, thing: Thing, events: Sequence[Event]) -> None:
        """Raises ThingAlreadyExists when the vendorThingID is taken."""

    def save(self, thing: Thing, previous: Thing, events: Sequence[Event]) -> None: ...
    def delete(self, thing: Thing, events: Sequence[Event]) -> None: ...
    def owners(self, app_id: str, thing_id: str) -> list[Owner]: ...
    def is_owner(self, app_id: str, thing_id: str, owner: Owner) -> bool: ...
    def add_owner(self, thing: Thing, owner: Owner, events: Sequence[Event]) -> None: ...
    def remove_owner(self, thing: Thing, owner: Owner, events: Sequence[Event]) -> None: ...
    def owned_by(self, app_id: str, owner: Owner) -> list[str]: ...


class InstallationStore(Protocol):
    def get(self, app_id: str, installation_id: str) -> Installation | None: ...
    def find(self, app_id: str, device_type: str, registration_id: str) -> Installation | None: ...
    def of_owner(self, app_id: str, owner_kind: str, owner_id: str) -> list[Installation]: ...
    def create(self, installation: Installation, events: Sequence[Event]) -> None: ...
    def save(self, installation: Installation, previous: Installation) -> None:
        """Raises Conflict when the installation changed since ``previous`` was read."""

    def delete(self, installation: Installation, events: Sequence[Event]) -> None: ...


class TokenStore(Protocol):
    def put(self, record: TokenRecord) -> None: ...

    def get(self, digest: str) -> TokenRecord | None: ...

    def delete(self, digest: str) -> None: ...

    def delete_for_principal(self, app_id: str, principal_id: str, keep: str | None = None) -> None:
        """Every token of the principal but the one whose digest is ``keep``."""


class CodeStore(Protocol):
    def put(self, record: CodeRecord) -> None: ...

    def get(self, app_id: str, user_id: str, purpose: CodePurpose) -> CodeRecord | None: ...

    def delete(self, app_id: str, user_id: str, purpose: CodePurpose) -> None: ...


class Notifier(Protocol):
    """Delivers verification and reset codes (e-mail, SMS)."""

    def send(self, notification: Notification) -> None: ...


class SentNotifications(Protocol):
    """What a recording notifier delivered, for the app admin and the tests to read."""

    def sent(self, app_id: str) -> list[Notification]: ...


class EventRecordParser(Protocol):
    """Turns one raw stream record (as Lambda delivers it) into an Event."""

    def parse(self, record: Mapping[str, Any]) -> Event | None: ...


class ScriptProgram(Protocol):
    """One loaded JavaScript program (the prelude and one server-code file) in its own realm.
    Only strings cross: a global function is called with one string and returns one string.
    Raises ``ScriptTimeout`` when ``seconds`` pass (``None``: no limit of its own, as inside a
    sandbox worker) and ``ScriptFailure`` when the engine fails."""

    def call(self, function: str, argument: str, seconds: float | None) -> str: ...

    def add(self, source: str, seconds: float | None) -> ScriptProgram:
        """Runs the server-code file in this realm; ``reset`` runs it again."""

    def reset(self, seconds: float | None) -> None:
        """Fresh top-level state: the globals as the prelude left them, the file run again."""


class ScriptEngine(Protocol):
    name: str

    def realm(self, prelude: tuple[str, ...], seconds: float | None) -> ScriptProgram:
        """A realm with the prelude run (and, where built-ins are shared, hardened)."""

    def load(self, sources: tuple[str, ...], seconds: float | None) -> ScriptProgram:
        """``realm(sources[:-1])`` with ``sources[-1]`` added as the file."""


class Sandbox(Protocol):
    """Where server code runs: worker processes apart from the server (adapters/sandbox.py)."""

    memory_bytes: int

    def ready(self) -> None:
        """Starts the sandbox if needed; its own start-up counts in no execution's time."""

    def program(
        self, app_id: str, version_id: str, source: str, seconds: float
    ) -> AbstractContextManager[SandboxedProgram]: ...


class SandboxedProgram(Protocol):
    """A program in a sandbox worker: ``call`` raises ``ScriptTimeout`` (the worker was killed
    at its deadline), ``ScriptMemoryExceeded`` or ``ScriptFailure``."""

    def call(self, function: str, argument: str, seconds: float) -> str: ...


class ServerCodeStore(Protocol):
    """Versions (metadata and source apart, so listing reads no sources), the current
    pointer and each version's hook config."""

    def put_version(self, version: CodeVersion, source: str) -> None: ...
    def version(self, app_id: str, version_id: str) -> CodeVersion | None: ...
    def versions(self, app_id: str) -> list[CodeVersion]: ...
    def source(self, app_id: str, version_id: str) -> str | None: ...
    def delete_version(self, app_id: str, version_id: str) -> None:
        """Deletes the version, its source and its hook config; unsets it if current."""

    def current(self, app_id: str) -> str | None: ...
    def set_current(self, app_id: str, version_id: str | None) -> None: ...
    def hook_config(self, app_id: str, version_id: str) -> str | None: ...
    def put_hook_config(self, app_id: str, version_id: str, text: str) -> None: ...
    def delete_hook_config(self, app_id: str, version_id: str) -> bool: ...


class ExecutionLog(Protocol):
    """The developer log of an app: a bounded ring of records, newest kept."""

    def append(self, app_id: str, record: Mapping[str, Any]) -> None: ...
    def read(self, app_id: str, after: int = 0) -> list[dict[str, Any]]:
        """Records with a sequence number above ``after``, oldest first."""


class HookStore(Protocol):
    """Activations: which version and hook config were current from when."""

    def activate(self, app_id: str, activation: Activation, scheduled: bool = False) -> None:
        """Records an activation; ``scheduled`` lists the app for the scheduler tick."""

    def scheduled(self) -> list[tuple[str, Activation]]:
        """Apps whose current hook config has scheduler jobs, with that activation."""

    def activations(self, app_id: str) -> list[Activation]:
        """Newest first."""

    def latest_activation(self, app_id: str) -> Activation | None: ...


class ExecutionStore(Protocol):
    """Execution records: each is also the claim of its (claim key, endpoint), written before
    the endpoint runs, so a redelivered event or message does not run it twice."""

    def create(self, execution: Execution) -> bool:
        """Writes a new claim; False when its (claim key, endpoint) is claimed already."""

    def find(self, app_id: str, key: str) -> Execution | None:
        """The claim of ``Execution.key``."""

    def replace(self, execution: Execution) -> Execution | None:
        """Writes the next revision of a claim read at ``execution.revision``; None when the
        claim changed since (another worker took it)."""

    def get(self, app_id: str, execution_id: str) -> Execution | None: ...
    def executions(
        self, app_id: str, after: str | None = None, descending: bool = True
    ) -> Iterator[tuple[str, Execution]]:
        """In the order of their claim keys (newest first by default), lazily, with each
        one's pagination key."""


class TaskStore(Protocol):
    """Scheduled tasks, and the due index the scheduler reads them from (every app's, by time)."""

    def create(self, task: Task) -> None: ...

    def get(self, app_id: str, task_id: str) -> Task | None: ...

    def tasks(self, app_id: str, after: str | None = None) -> Iterator[Task]:
        """The app's tasks in creation order, after the taskID ``after``, lazily."""

    def due(self, now_ms: int) -> Iterator[tuple[str, str]]:
        """(appID, taskID) of the scheduled tasks whose time is ``now_ms`` or before, oldest first."""

    def replace(self, task: Task) -> Task | None:
        """Writes the next revision of a task read at ``task.revision`` and takes it out of the
        due index; None when it changed since (another tick claimed it, or it was cancelled)."""


class ExecutionQueue(Protocol):
    """Where claimed executions wait for an executor: one message per execution, fair per app
    (one app's flood or slow code does not delay another's)."""

    def send(self, order: ExecutionOrder) -> None:
        """Raises TemporarilyUnavailable when the queue cannot take it now."""


class DeadLetterQueue(Protocol):
    """The executions the executor gave up on (the executions dead-letter queue), read and
    redriven one app at a time: no call reaches another app's letters."""

    def letters(self, app_id: str, limit: int) -> list[DeadLetter]:
        """The app's letters, oldest first, left in the queue."""

    def redrive(self, app_id: str, letter_id: str) -> bool:
        """Sends the app's letter back to the executions queue and removes it; False when
        the app has no letter of that ID."""


class ThingIFStore(Protocol):
    def state(self, app_id: str, thing_id: str) -> ThingState | None: ...
    def put_state(self, state: ThingState, previous: ThingState | None, events: Sequence[Event]) -> None:
        """With the state's event, in one transaction; Conflict when the state changed."""

    def history(
        self, app_id: str, thing_id: str, after: str | None
    ) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """The thing's past states as (key, created, state), oldest first, after ``after``."""

    def put_command(self, command: Command, new: bool) -> None: ...
    def command(self, app_id: str, thing_id: str, command_id: str) -> Command | None: ...
    def commands(self, app_id: str, thing_id: str, after: str | None) -> Iterator[Command]: ...
    def put_trigger(self, trigger: ThingTrigger, new: bool) -> None: ...
    def trigger(self, app_id: str, thing_id: str, trigger_id: str) -> ThingTrigger | None: ...
    def triggers(self, app_id: str, thing_id: str, after: str | None = None) -> Iterator[ThingTrigger]: ...
    def delete_trigger(self, trigger: ThingTrigger) -> None: ...
    def scheduled_triggers(self) -> list[ThingTrigger]: ...
    def add_result(self, app_id: str, trigger_id: str, key: str, result: dict[str, Any]) -> None: ...
    def results(
        self, app_id: str, trigger_id: str, after: str | None
    ) -> Iterator[tuple[str, dict[str, Any]]]: ...


class CommandPublisher(Protocol):
    """Delivers over MQTT (the local broker, AWS IoT): Thing-IF commands to a thing's command
    topic, and any payload to a topic by name (an MQTT installation's ``mqttTopic``: commands
    and push messages, docs/devices.md)."""

    def publish(self, app_id: str, thing_id: str, payload: dict[str, Any]) -> None: ...
    def publish_topic(self, topic: str, payload: bytes) -> None: ...


class BlobStore(Protocol):
    """Bytes by key: S3, or its in-memory twin. Shaped after S3 (multipart parts of >= 5 MiB
    but the last) so that the twin fails where S3 would."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str, start: int | None = None, end: int | None = None) -> bytes:
        """The whole blob, or bytes ``start``..``end`` inclusive; BlobNotFound if absent."""

    def size(self, key: str) -> int | None: ...
    def copy(self, source: str, target: str) -> None: ...
    def delete(self, key: str) -> None:
        """Absent keys are fine."""

    def delete_prefix(self, prefix: str) -> int:
        """Every blob under ``prefix`` (and its unfinished multipart uploads); how many."""

    def start_multipart(self, key: str, content_type: str) -> str: ...
    def upload_part(self, key: str, multipart_id: str, number: int, data: bytes) -> str: ...
    def complete_multipart(self, key: str, multipart_id: str, parts: Sequence[tuple[int, str]]) -> None: ...
    def abort_multipart(self, key: str, multipart_id: str) -> None: ...
    def presigned_url(self, key: str, seconds: int) -> str | None:
        """A URL that reads the blob without credentials for ``seconds``, or None where the
        store cannot make one (the in-memory twin)."""


class BodyStore(Protocol):
    """Body metadata, uploads and publications; each write with its events, in one transaction."""

    def body(self, ref: ObjectRef) -> ObjectBody | None: ...
    def put_body(self, body: ObjectBody, previous: ObjectBody | None, events: Sequence[Event]) -> None:
        """Conflict when the body changed meanwhile or the object is gone."""

    def delete_body(self, body: ObjectBody, events: Sequence[Event]) -> None: ...
    def upload(self, ref: ObjectRef, upload_id: str) -> Upload | None: ...
    def put_upload(self, upload: Upload, previous: Upload | None) -> None: ...
    def delete_upload(self, upload: Upload) -> None: ...
    def publication(self, app_id: str, publication_id: str) -> Publication | None: ...
    def put_publication(
        self, publication: Publication, body: ObjectBody, events: Sequence[Event]
    ) -> None: ...


class FieldCipher(Protocol):
    """Seals values at rest (the documents of encrypted buckets), bound to a context (where the
    value is stored): a sealed value opens only with the same context."""

    def seal(self, plaintext: bytes, context: str) -> str: ...
    def open(self, sealed: str, context: str) -> bytes: ...


class TopicStore(Protocol):
    """Push topics and the subscriptions to topics and buckets."""

    def topic(self, scope: Scope, topic_id: str) -> Topic | None: ...
    def topics(self, scope: Scope, after: str | None, limit: int) -> tuple[list[Topic], str | None]:
        """A page of the scope's topics by ID, and the ID to continue after (None at the end)."""

    def create_topic(self, topic: Topic) -> None:
        """Raises TopicAlreadyExists."""

    def save_topic(self, topic: Topic, previous: Topic) -> None:
        """Conflict when the topic changed meanwhile or is gone."""

    def delete_topic(self, topic: Topic) -> None:
        """The topic and its subscriptions."""

    def send(self, topic: Topic, events: Sequence[Event]) -> None:
        """Writes the message's event if the topic still exists (TopicNotFound otherwise)."""

    def subscribe(self, target: Target, subscriber: Subscriber, at: int) -> None:
        """Raises PushSubscriptionAlreadyExists."""

    def unsubscribe(self, target: Target, subscriber: Subscriber) -> None:
        """Raises PushSubscriptionNotFound."""

    def is_subscribed(self, target: Target, subscriber: Subscriber) -> bool: ...
    def subscribers(self, target: Target) -> list[tuple[Subscriber, int]]:
        """Each subscriber with the time it subscribed."""

    def drop_scope(self, scope: Scope) -> None:
        """The scope's topics with their subscriptions, and the subscriptions of the scope's
        user or thing (deleted with it) to anything."""


class PushLog(Protocol):
    """Every delivery of a push to an installation, kept for a week."""

    def delivered(self, app_id: str, push_id: str) -> set[str]:
        """The installations a push has a record for (one read, whatever the fan-out)."""

    def record(self, delivery: Delivery) -> None: ...
    def deliveries(self, app_id: str, limit: int = 100) -> list[Delivery]:
        """Newest first."""

    def platform_application(self, app_id: str, platform: str) -> str | None:
        """The app's Amazon SNS platform application for ``GCM``, ``APNS`` or ``APNS_SANDBOX``."""

    def set_platform_application(self, app_id: str, platform: str, arn: str | None) -> None: ...


class MobilePushSender(Protocol):
    """Sends to ANDROID (FCM), IOS (APNs) and JPUSH installations: Amazon SNS mobile push in
    AWS, a recording sender locally. Raises ``PushRejected`` when the platform refuses the
    device for good (a retry would not help); anything else is retried."""

    def send(
        self, app_id: str, device_type: str, token: str, development: bool, payload: dict[str, Any]
    ) -> str:
        """Sends, and says where to (an SNS endpoint ARN, or "recorded")."""
