"""The hook config ("Server Hook config file") of a server-code version: parsed once,
validated against Kii's rules when uploaded, then resolved by pure lookups (pure).

Kii's rules (kii-servercode.md §4.1, §6.2): known paths only; each path allows its own
triggers; ``what`` is ``EXECUTE_SERVER_CODE``; every endpoint exists in the code; one
endpoint per (path, trigger), else a registration error; a path written twice means the last
one wins (plain JSON parsing); scheduler jobs have a valid five-field cron.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, get_args

from chalicelib.domain.cron import Cron
from chalicelib.domain.values import check_json
from chalicelib.errors import InvalidHookConfig, InvalidInputData

BUCKET_TRIGGERS = (
    "DATA_OBJECT_CREATED",
    "DATA_OBJECT_UPDATED",
    "DATA_OBJECT_DELETED",
    "DATA_OBJECT_BODY_UPDATED",
    "DATA_OBJECT_BODY_DELETED",
    "DATA_OBJECT_BODY_PUBLISHED",
)
PATH_TRIGGERS: dict[str, tuple[str, ...]] = {
    "kiicloud://users": (
        "USER_CREATED",
        "USER_EMAIL_VERIFIED",
        "USER_PHONE_VERIFIED",
        "USER_PASSWORD_RESET_COMPLETED",
        "USER_PASSWORD_CHANGED",
        "USER_DELETED",
        "USER_UPDATED",
    ),
    "kiicloud://groups": ("GROUP_CREATED", "GROUP_DELETED", "GROUP_MEMBERS_ADDED", "GROUP_MEMBERS_REMOVED"),
    "kiicloud://things": (
        "THING_CREATED",
        "THING_ENABLED",
        "THING_DISABLED",
        "THING_USER_OWNER_ADDED",
        "THING_GROUP_OWNER_ADDED",
        "THING_USER_OWNER_REMOVED",
        "THING_GROUP_OWNER_REMOVED",
        "THING_FIELDS_UPDATED",
        "THING_DELETED",
        "THING_CONNECTED",
        "THING_DISCONNECTED",
    ),
    "kiicloud://installations": ("INSTALLATION_CREATED", "INSTALLATION_DELETED"),
}
# Encrypted buckets are hooked as Kii names them everywhere: ``buckets/CRYPTO:{name}``.
BUCKET_PATH = re.compile(
    r"^kiicloud://(?:(users|groups|things)/\*/)?buckets/((?:CRYPTO:)?[a-zA-Z0-9_\-]{2,64})$"
)
SCHEDULER = "kiicloud://scheduler"
WHAT = "EXECUTE_SERVER_CODE"


@dataclass(frozen=True)
class Hook:
    path: str
    when: str
    endpoint: str


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    cron: Cron
    endpoint: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HookConfig:
    hooks: tuple[Hook, ...]
    jobs: tuple[ScheduledJob, ...]
    document: dict[str, Any]

    def endpoint_for(self, path: str, when: str) -> str | None:
        for hook in self.hooks:
            if hook.path == path and hook.when == when:
                return hook.endpoint
        return None


def _strip_comments(text: str) -> str:
    """Configs copied from Kii's docs sometimes carry ``/* */`` or ``//`` comments; strings
    are left alone."""
    return re.sub(
        r'"(?:\\.|[^"\\])*"|/\*.*?\*/|//[^\n]*',
        lambda m: m.group(0) if m.group(0)[0] == '"' else "",
        text,
        flags=re.S,
    )


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_hook_config(text: str, endpoints: Collection[str] | None) -> HookConfig:
    """``endpoints`` None skips the endpoint check (a config already checked at upload)."""
    try:
        document = json.loads(_strip_comments(text), parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise InvalidHookConfig(
            f"The hook config is not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except (ValueError, RecursionError):  # a number of over 4,300 digits, 1,000 levels of nesting
        raise InvalidHookConfig("The hook config is not JSON karakuri accepts") from None
    try:
        check_json(document, "The hook config")
    except InvalidInputData as error:
        raise InvalidHookConfig(error.message) from None
    if not isinstance(document, dict):
        raise InvalidHookConfig("The hook config must be a JSON object of paths")
    hooks: list[Hook] = []
    jobs: list[ScheduledJob] = []
    for path, value in document.items():
        if path == SCHEDULER:
            jobs.extend(_jobs(value, endpoints))
        else:
            hooks.extend(_hooks(path, value, endpoints))
    return HookConfig(tuple(hooks), tuple(jobs), document)


@lru_cache(maxsize=256)
def parsed_config(text: str) -> HookConfig:
    """A hook config already checked at upload, parsed once per process (shared by the
    batches and ticks of a warm process)."""
    return parse_hook_config(text, None)


def _allowed_triggers(path: str) -> tuple[str, ...]:
    if path in PATH_TRIGGERS:
        return PATH_TRIGGERS[path]
    if BUCKET_PATH.match(path):
        return BUCKET_TRIGGERS
    raise InvalidHookConfig(
        f"Unknown hook path {path!r}: use kiicloud://users, groups, things, installations, "
        "scheduler, buckets/<bucket> or (users|groups|things)/*/buckets/<bucket>"
    )


def _hooks(path: str, value: Any, endpoints: Collection[str] | None) -> list[Hook]:
    allowed = _allowed_triggers(path)
    if not isinstance(value, list):
        raise InvalidHookConfig(f"{path}: a list of {{when, what, endpoint}} is expected")
    found: dict[str, Hook] = {}
    for index, entry in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(entry, dict):
            raise InvalidHookConfig(f"{where}: an object {{when, what, endpoint}} is expected")
        when, what, endpoint = entry.get("when"), entry.get("what"), entry.get("endpoint")
        if when not in allowed:
            raise InvalidHookConfig(
                f"{where}: {when!r} is not a trigger of {path}; use one of {', '.join(allowed)}"
            )
        _check_target(where, what, endpoint, endpoints)
        previous = found.get(str(when))
        if previous is not None and previous.endpoint != endpoint:
            raise InvalidHookConfig(
                f"{where}: {when} already runs {previous.endpoint!r}; one endpoint per trigger "
                "(branch inside one endpoint instead)"
            )
        found[str(when)] = Hook(path, str(when), str(endpoint))
    return list(found.values())


def _jobs(value: Any, endpoints: Collection[str] | None) -> list[ScheduledJob]:
    if not isinstance(value, dict):
        raise InvalidHookConfig(f"{SCHEDULER}: an object of jobs by name is expected")
    jobs = []
    for name, job in value.items():
        where = f"{SCHEDULER}.{name}"
        if not isinstance(job, dict):
            raise InvalidHookConfig(f"{where}: an object {{what, cron, endpoint, parameters}} is expected")
        _check_target(where, job.get("what"), job.get("endpoint"), endpoints)
        try:
            cron = Cron.parse(job.get("cron"))  # type: ignore[arg-type]
        except InvalidInputData as error:
            raise InvalidHookConfig(f"{where}: {error.message}") from None
        parameters = job.get("parameters", {})
        if not isinstance(parameters, dict):
            raise InvalidHookConfig(f"{where}: parameters must be an object")
        jobs.append(ScheduledJob(str(name), cron, str(job["endpoint"]), parameters))
    return jobs


def _check_target(where: str, what: Any, endpoint: Any, endpoints: Collection[str] | None) -> None:
    if what != WHAT:
        raise InvalidHookConfig(f"{where}: 'what' must be {WHAT}")
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidHookConfig(f"{where}: 'endpoint' must name a function of the server code")
    if endpoints is not None and endpoint not in endpoints:
        raise InvalidHookConfig(f"{where}: the server code has no endpoint {endpoint!r}")


_SCOPE_PATHS = {"APP_AND_USER": "users", "APP_AND_GROUP": "groups", "APP_AND_THING": "things"}
_ENTITY_PATHS = {
    "USER_": "kiicloud://users",
    "GROUP_": "kiicloud://groups",
    "THING_": "kiicloud://things",
    "INSTALLATION_": "kiicloud://installations",
}


def hook_path(trigger: str, params: dict[str, Any]) -> str | None:
    """The hook config path an event is matched under: the bucket path with ``*`` for the
    scope's owner (kii-servercode.md §4.1), or the entity kind's path."""
    if trigger.startswith("DATA_OBJECT_"):
        scope = params.get("objectScope") or {}
        kind = _SCOPE_PATHS.get(scope.get("type", ""))
        prefix = f"kiicloud://{kind}/*/" if kind else "kiicloud://"
        return f"{prefix}buckets/{params.get('bucketID')}"
    for start, path in _ENTITY_PATHS.items():
        if trigger.startswith(start):
            return path
    return None


@dataclass(frozen=True)
class Activation:
    """From ``at`` on, this version (and this hook config, as it then was) is current; a
    ``None`` version means none is. Events are matched against the activation that was in
    force when they occurred, so a config change takes effect for the events after it."""

    at: int
    version_id: str | None
    config: str | None


def active_at(activations: list[Activation], at: int) -> Activation | None:
    """The activation in force at ``at``; ``activations`` newest first."""
    return next((a for a in activations if a.at <= at), None)


SCHEDULE_TRIGGER = "SCHEDULE"
THING_IF = "THING_IF"

ExecutionStatus = str  # Kii's RUNNING | SUCCESS | FAILED; QUEUED (claimed, waiting for an
# executor) and INTERRUPTED (taken over by a retry)
FINISHED = ("SUCCESS", "FAILED")
RunKind = Literal["hook", "schedule", "trigger", "command"]
ClaimKind = Literal["event", "state_trigger", "job", "scheduled_trigger"]


@dataclass(frozen=True)
class ClaimKey:
    """What an execution is claimed for. One execution exists per key and endpoint, so a
    redelivered event, an overlapping tick or a repeated evaluation finds the claim instead of
    running again. ``subject`` is the event ID, the job name or the trigger ID."""

    kind: ClaimKind
    subject: str
    event_id: str | None = None  # state_trigger: the state event evaluated
    minute: int | None = None  # job, scheduled_trigger: the minute due (None: SCHEDULE_ONCE)

    @classmethod
    def event(cls, event_id: str) -> ClaimKey:
        return cls("event", event_id)

    @classmethod
    def state_trigger(cls, event_id: str, trigger_id: str) -> ClaimKey:
        return cls("state_trigger", trigger_id, event_id=event_id)

    @classmethod
    def job(cls, minute: int, name: str) -> ClaimKey:
        return cls("job", name, minute=minute)

    @classmethod
    def scheduled_trigger(cls, minute: int | None, trigger_id: str) -> ClaimKey:
        return cls("scheduled_trigger", trigger_id, minute=minute)

    def __str__(self) -> str:
        """The stored form (the record's ``eventID``): the formats of earlier releases, so
        claims written before an upgrade still hold."""
        if self.kind == "state_trigger":
            return f"{self.event_id}#{self.subject}"
        if self.kind == "job":
            return f"{self.minute:013d}-schedule-{self.subject}"
        if self.kind == "scheduled_trigger":
            due = "once" if self.minute is None else f"{self.minute:013d}"
            return f"{due}-thing-if-{self.subject}"
        return self.subject

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": self.kind, "subject": self.subject}
        if self.event_id is not None:
            body["eventID"] = self.event_id
        if self.minute is not None:
            body["minute"] = self.minute
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ClaimKey:
        kind = body["kind"]
        if kind not in get_args(ClaimKind):
            raise ValueError(f"Unknown claim kind {kind!r}")
        minute = body.get("minute")
        return cls(kind, str(body["subject"]), body.get("eventID"), None if minute is None else int(minute))


@dataclass(frozen=True)
class ExecutionOrder:
    """One execution, as the dispatcher resolved it: what is claimed, and what the executor
    needs to run it (the message of the executions queue). It holds no token: a hook's
    caller token is minted when it runs, a trigger's executor is looked up then."""

    kind: RunKind  # hook | schedule | trigger (Thing-IF server code) | command (Thing-IF)
    app_id: str
    key: ClaimKey
    trigger: str  # the record's trigger: the event's Kii trigger, SCHEDULE or THING_IF
    path: str
    endpoint: str
    version_id: str
    params: dict[str, Any] = field(default_factory=dict)
    actor_kind: str = "anonymous"  # hook: who caused the event (user, thing, ...)
    actor_id: str | None = None
    depth: int = 0  # the event's causation depth
    name: str | None = None  # schedule: the job
    thing_id: str | None = None  # trigger, command
    trigger_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": self.kind,
            "appID": self.app_id,
            "key": self.key.to_json(),
            "trigger": self.trigger,
            "path": self.path,
            "endpoint": self.endpoint,
            "versionID": self.version_id,
            "params": self.params,
            "actor": {"kind": self.actor_kind, "id": self.actor_id},
            "depth": self.depth,
        }
        for name, value in (("name", self.name), ("thingID", self.thing_id), ("triggerID", self.trigger_id)):
            if value is not None:
                body[name] = value
        return body

    def to_text(self) -> str:
        """The queue message's body."""
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_text(cls, text: str) -> ExecutionOrder:
        """A queue message's body; ValueError when it is not an order this release wrote."""
        try:
            return cls.from_json(json.loads(text))
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"Not an execution order: {error!r}") from None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ExecutionOrder:
        """Raises ValueError (or KeyError, TypeError) on a body this release did not write."""
        kind = body["kind"]
        if kind not in get_args(RunKind):
            raise ValueError(f"Unknown execution kind {kind!r}")
        actor = body.get("actor") or {}
        return cls(
            kind=kind,
            app_id=str(body["appID"]),
            key=ClaimKey.from_json(body["key"]),
            trigger=str(body["trigger"]),
            path=str(body["path"]),
            endpoint=str(body["endpoint"]),
            version_id=str(body["versionID"]),
            params=dict(body.get("params") or {}),
            actor_kind=str(actor.get("kind") or "anonymous"),
            actor_id=actor.get("id"),
            depth=int(body.get("depth") or 0),
            name=body.get("name"),
            thing_id=body.get("thingID"),
            trigger_id=body.get("triggerID"),
        )


@dataclass(frozen=True)
class Execution:
    """One run of one endpoint (a hook, a scheduled job, a Thing-IF trigger): claimed before
    it runs, finished after. ``event_id`` is the claim key's stored form."""

    app_id: str
    execution_id: str
    event_id: str
    trigger: str
    path: str
    endpoint: str
    version_id: str
    attempt: int
    started_at: int
    status: ExecutionStatus = "RUNNING"
    finished_at: int | None = None
    result: dict[str, Any] | None = None  # {} or {"returnedValue": ...}
    error: dict[str, Any] | None = None  # {"errorCode", "message"}
    logs: tuple[dict[str, Any], ...] = ()
    revision: int = 1
    name: str | None = None  # the job of a scheduled execution

    @property
    def key(self) -> str:
        return f"{self.event_id}#{self.endpoint}"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "executionID": self.execution_id,
            "eventID": self.event_id,
            "appID": self.app_id,
            "trigger": self.trigger,
            "path": self.path,
            "endpoint": self.endpoint,
            "versionID": self.version_id,
            "attempt": self.attempt,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "status": self.status,
            "logs": list(self.logs),
        }
        if self.result is not None:
            body.update(self.result)
        if self.error is not None:
            body["error"] = self.error
        if self.trigger == SCHEDULE_TRIGGER:
            # Kii's schedule execution history fields (kii-servercode.md §5).
            body["scheduleExecutionID"] = self.execution_id
            body["name"] = self.name
            if self.result is not None:
                body["result"] = json.dumps(self.result.get("returnedValue"), ensure_ascii=False)
            elif self.error is not None:
                body["result"] = str(self.error.get("message"))
        return body
