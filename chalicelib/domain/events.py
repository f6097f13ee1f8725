"""Events: what changed, written in the same transaction as the change (the event outbox) (pure).

An event names the Kii trigger, carries Kii's hook ``params`` (kii-servercode.md §4.2), the
acting principal (an ID, never a token) and its causation: where the write came from, the
execution behind it and how deep in a chain of executions it is. Kii's loop rule ("writes
made by hook-invoked server code fire no further hooks") is decided from the causation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from chalicelib.domain import ids
from chalicelib.domain.models import Principal


class Trigger(StrEnum):
    USER_CREATED = "USER_CREATED"
    USER_UPDATED = "USER_UPDATED"
    USER_PASSWORD_CHANGED = "USER_PASSWORD_CHANGED"
    USER_PASSWORD_RESET_COMPLETED = "USER_PASSWORD_RESET_COMPLETED"
    USER_EMAIL_VERIFIED = "USER_EMAIL_VERIFIED"
    USER_PHONE_VERIFIED = "USER_PHONE_VERIFIED"
    USER_DELETED = "USER_DELETED"
    GROUP_CREATED = "GROUP_CREATED"
    GROUP_DELETED = "GROUP_DELETED"
    GROUP_MEMBERS_ADDED = "GROUP_MEMBERS_ADDED"
    GROUP_MEMBERS_REMOVED = "GROUP_MEMBERS_REMOVED"
    DATA_OBJECT_CREATED = "DATA_OBJECT_CREATED"
    DATA_OBJECT_UPDATED = "DATA_OBJECT_UPDATED"
    DATA_OBJECT_DELETED = "DATA_OBJECT_DELETED"
    # Kii's Java client lists these as hook triggers (kii-rest-api.md §5.11); params as objects'.
    DATA_OBJECT_BODY_UPDATED = "DATA_OBJECT_BODY_UPDATED"
    DATA_OBJECT_BODY_DELETED = "DATA_OBJECT_BODY_DELETED"
    DATA_OBJECT_BODY_PUBLISHED = "DATA_OBJECT_BODY_PUBLISHED"
    THING_CREATED = "THING_CREATED"
    THING_ENABLED = "THING_ENABLED"
    THING_DISABLED = "THING_DISABLED"
    THING_USER_OWNER_ADDED = "THING_USER_OWNER_ADDED"
    THING_GROUP_OWNER_ADDED = "THING_GROUP_OWNER_ADDED"
    THING_USER_OWNER_REMOVED = "THING_USER_OWNER_REMOVED"
    THING_GROUP_OWNER_REMOVED = "THING_GROUP_OWNER_REMOVED"
    THING_FIELDS_UPDATED = "THING_FIELDS_UPDATED"
    THING_DELETED = "THING_DELETED"
    THING_CONNECTED = "THING_CONNECTED"
    THING_DISCONNECTED = "THING_DISCONNECTED"
    # Thing-IF: a state upload, carrying the previous and the current state. Not a hook
    # trigger: the dispatcher evaluates the thing's Thing-IF triggers with it.
    TIF_STATE_UPDATED = "TIF_STATE_UPDATED"
    INSTALLATION_CREATED = "INSTALLATION_CREATED"
    INSTALLATION_DELETED = "INSTALLATION_DELETED"
    # A message sent to a topic (Push to User): not a hook trigger; the dispatcher delivers it
    # to the installations of the topic's subscribers (dispatcher/push.py).
    PUSH_MESSAGE_SENT = "PUSH_MESSAGE_SENT"


CausationSource = Literal["client", "server_code", "hook", "schedule", "trigger", "device", "admin_cli"]


@dataclass(frozen=True)
class Causation:
    source: CausationSource = "client"
    execution_id: str | None = None
    depth: int = 0


@dataclass(frozen=True)
class Actor:
    kind: str
    id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.kind, principal.id)


@dataclass(frozen=True)
class Caller:
    """The principal of a request and where the request comes from."""

    principal: Principal
    causation: Causation = field(default_factory=Causation)

    @property
    def app_id(self) -> str:
        return self.principal.app_id


@dataclass(frozen=True)
class Event:
    event_id: str
    app_id: str
    trigger: Trigger
    params: dict[str, Any]
    actor: Actor
    causation: Causation
    occurred_at: int

    def describe(self) -> str:
        """One log line; events hold no secrets, so all of it may be logged."""
        execution = f"/{self.causation.execution_id}" if self.causation.execution_id else ""
        return (
            f"event {self.event_id} app={self.app_id} trigger={self.trigger} "
            f"actor={self.actor.kind}:{self.actor.id or '-'} "
            f"causation={self.causation.source}{execution} depth={self.causation.depth} "
            f"params={self.params}"
        )


def new_event(caller: Caller, trigger: Trigger, params: dict[str, Any], now_ms: int) -> Event:
    return Event(
        event_id=ids.new_event_id(now_ms),
        app_id=caller.app_id,
        trigger=trigger,
        params=params,
        actor=Actor.of(caller.principal),
        causation=caller.causation,
        occurred_at=now_ms,
    )


def user_params(user_id: str) -> dict[str, Any]:
    return {"userID": user_id, "uri": ids.user_uri(user_id)}


def group_params(group_id: str) -> dict[str, Any]:
    return {"groupID": group_id, "uri": ids.group_uri(group_id)}


def thing_params(thing_id: str, **owner: str) -> dict[str, Any]:
    """THING_* params (INFERRED, kii-servercode.md §4.2): the thing, and for owner triggers the
    ``userID`` or ``groupID`` of the owner."""
    return {"thingID": thing_id, "uri": f"kiicloud://things/{thing_id}", **owner}


def group_members_params(group_id: str, members: list[str], failed: list[str]) -> dict[str, Any]:
    # Shape captured from a real Kii GROUP_MEMBERS_ADDED payload (kii-servercode.md §4.2).
    return {"groupID": group_id, "members": members, "failed": failed, "uri": ids.group_uri(group_id)}
