"""Thing-IF (kii-rest-api.md §9, kii-servercode.md §7): states, commands, triggers and their
predicates (pure).

Two payload generations coexist: *trait* states are ``{"alias": {...}}`` and trait clauses name
their ``alias``; *plain* (non-trait) states are flat and clauses have no alias. A clause is
evaluated against the state's alias object when it names one, else against the flat state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.domain.cron import Cron
from chalicelib.domain.values import check_json
from chalicelib.errors import InvalidInputData

MAX_TITLE = 50
MAX_DESCRIPTION = 200
MAX_STATE_BYTES = 10 * 1024
TRIGGERS_WHEN = ("CONDITION_TRUE", "CONDITION_FALSE_TO_TRUE", "CONDITION_CHANGED")
TRIGGERS_WHAT = ("COMMAND", "SERVER_CODE")
COMMAND_STATES = ("SENDING", "SEND_FAILED", "DELIVERED", "INCOMPLETE", "DONE")


def invalid(message: str, **extra: Any) -> InvalidInputData:
    return InvalidInputData(message, **extra)


# --- conditions ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    raw: dict[str, Any]

    def holds(self, state: dict[str, Any] | None) -> bool:
        return state is not None and _holds(self.raw, state)


def _value_of(clause: dict[str, Any], state: dict[str, Any]) -> Any:
    alias = clause.get("alias")
    scope = state.get(alias) if isinstance(alias, str) else state
    return scope.get(clause["field"]) if isinstance(scope, dict) else None


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))


def _holds(clause: dict[str, Any], state: dict[str, Any]) -> bool:
    kind = clause["type"]
    if kind == "and":
        return all(_holds(c, state) for c in clause["clauses"])
    if kind == "or":
        return any(_holds(c, state) for c in clause["clauses"])
    if kind == "not":
        return not _holds(clause["clause"], state)
    if kind == "all":
        return True
    value = _value_of(clause, state)
    if kind == "eq":
        return _comparable(value, clause["value"]) and value == clause["value"]
    # range
    if "lowerLimit" in clause:
        limit = clause["lowerLimit"]
        if (
            not _comparable(value, limit)
            or value < limit
            or (value == limit and not clause.get("lowerIncluded", True))
        ):
            return False
    if "upperLimit" in clause:
        limit = clause["upperLimit"]
        if (
            not _comparable(value, limit)
            or value > limit
            or (value == limit and not clause.get("upperIncluded", True))
        ):
            return False
    return True


def _check_clause(clause: Any, where: str, depth: int = 0) -> dict[str, Any]:
    if depth > 10:
        raise invalid(f"{where}: clauses are nested too deeply")
    if not isinstance(clause, dict):
        raise invalid(f"{where}: a clause is an object with a type")
    kind = clause.get("type")
    if kind in ("and", "or"):
        parts = clause.get("clauses")
        if not isinstance(parts, list) or not parts:
            raise invalid(f"{where}: '{kind}' needs a non-empty list of clauses")
        return {
            **clause,
            "clauses": [_check_clause(c, f"{where}.clauses[{i}]", depth + 1) for i, c in enumerate(parts)],
        }
    if kind == "not":
        return {**clause, "clause": _check_clause(clause.get("clause"), f"{where}.clause", depth + 1)}
    if kind == "all":
        return clause
    if kind not in ("eq", "range"):
        raise invalid(f"{where}: clause type must be eq, not, and, or or range, not {kind!r}")
    if not isinstance(clause.get("field"), str) or not clause["field"]:
        raise invalid(f"{where}: '{kind}' needs a field")
    if "alias" in clause and not isinstance(clause["alias"], str):
        raise invalid(f"{where}: alias must be a string")
    if kind == "eq":
        if not isinstance(clause.get("value"), (str, int, float, bool)):
            raise invalid(f"{where}: 'eq' needs a string, number or boolean value")
        return clause
    if "lowerLimit" not in clause and "upperLimit" not in clause:
        raise invalid(f"{where}: 'range' needs lowerLimit or upperLimit")
    for key in ("lowerLimit", "upperLimit"):
        if key in clause and (isinstance(clause[key], bool) or not isinstance(clause[key], (int, float))):
            raise invalid(f"{where}: {key} must be a number")
    for key in ("lowerIncluded", "upperIncluded"):
        if key in clause and not isinstance(clause[key], bool):
            raise invalid(f"{where}: {key} must be a boolean")
    return clause


# --- predicates ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Predicate:
    raw: dict[str, Any]
    event_source: str
    triggers_when: str | None = None
    condition: Condition | None = None
    cron: Cron | None = None
    schedule_at: int | None = None

    @classmethod
    def parse(cls, raw: Any) -> Predicate:
        if not isinstance(raw, dict):
            raise invalid("predicate: an object with an eventSource is required", field="predicate")
        source = raw.get("eventSource")
        if source == "STATES":
            when = raw.get("triggersWhen")
            if when not in TRIGGERS_WHEN:
                raise invalid(f"predicate.triggersWhen must be one of {', '.join(TRIGGERS_WHEN)}")
            clause = _check_clause(raw.get("condition"), "predicate.condition")
            return cls(raw, source, when, Condition(clause))
        if source == "SCHEDULE":
            try:
                cron = Cron.parse(raw.get("schedule"))  # type: ignore[arg-type]
            except InvalidInputData as error:
                raise invalid(f"predicate.schedule: {error.message}") from None
            return cls(raw, source, cron=cron)
        if source == "SCHEDULE_ONCE":
            at = raw.get("scheduleAt")
            if isinstance(at, bool) or not isinstance(at, int) or at <= 0:
                raise invalid("predicate.scheduleAt must be epoch milliseconds")
            return cls(raw, source, schedule_at=at)
        raise invalid("predicate.eventSource must be STATES, SCHEDULE or SCHEDULE_ONCE")

    def fires(self, previous: dict[str, Any] | None, current: dict[str, Any]) -> bool:
        """Whether a state change from ``previous`` to ``current`` fires (STATES only). A thing
        with no previous state counts as false before."""
        assert self.condition is not None
        now, before = self.condition.holds(current), self.condition.holds(previous)
        if self.triggers_when == "CONDITION_TRUE":
            return now
        if self.triggers_when == "CONDITION_FALSE_TO_TRUE":
            return now and not before
        return now != before


# --- triggers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ThingTrigger:
    app_id: str
    thing_id: str
    trigger_id: str
    predicate: Predicate
    what: str
    command: dict[str, Any] | None = None
    server_code: dict[str, Any] | None = None
    title: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    disabled: bool = False
    disabled_reason: str | None = None
    created_at: int = 0
    version: int = 1
    # The executor of a SERVER_CODE trigger, by reference: the SHA-256 digest of the
    # ``executorAccessToken`` it was registered with (the token store's key). The token itself
    # is never stored nor answered; revoking the token revokes the trigger's identity.
    executor: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "triggerID": self.trigger_id,
            "predicate": self.predicate.raw,
            "triggersWhat": self.what,
            "disabled": self.disabled,
        }
        for name, value in (
            ("command", self.command),
            ("serverCode", self.server_code),
            ("title", self.title),
            ("description", self.description),
            ("metadata", self.metadata),
            ("disabledReason", self.disabled_reason),
        ):
            if value is not None:
                body[name] = value
        return body

    def changed(self, **changes: Any) -> ThingTrigger:
        return replace(self, version=self.version + 1, **changes)


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise invalid(f"{name}: a string of at most {limit} characters", field=name)
    return value


def _object(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"{name} must be an object", field=name)
    return value


def check_command(raw: Any, where: str = "command") -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid(f"{where}: an object is required", field=where)
    check_json(raw, where)
    actions = raw.get("actions")
    if (
        not isinstance(actions, list)
        or not actions
        or not all(isinstance(a, dict) and len(a) == 1 for a in actions)
    ):
        raise invalid(f"{where}.actions: a non-empty list of one-key objects is required", field="actions")
    issuer = raw.get("issuer")
    if not isinstance(issuer, str) or ":" not in issuer:
        raise invalid(f"{where}.issuer: 'user:{{userID}}' or 'group:{{groupID}}' is required", field="issuer")
    _text(raw, "title", MAX_TITLE)
    _text(raw, "description", MAX_DESCRIPTION)
    _object(raw, "metadata")
    return raw


def check_server_code(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid("serverCode: an object with an endpoint is required", field="serverCode")
    endpoint = raw.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise invalid("serverCode.endpoint is required", field="endpoint")
    if raw.get("parameters") is not None and not isinstance(raw["parameters"], dict):
        raise invalid("serverCode.parameters must be an object", field="parameters")
    target = raw.get("targetAppID", raw.get("tartgetAppID"))  # Kii's own docs misspell it
    cleaned = {k: v for k, v in raw.items() if k != "tartgetAppID"}
    if target is not None:
        cleaned["targetAppID"] = target
    token = raw.get("executorAccessToken")
    if token is not None and (not isinstance(token, str) or not token):
        raise invalid("serverCode.executorAccessToken must be a string", field="executorAccessToken")
    return cleaned


def without_token(server_code: dict[str, Any] | None) -> dict[str, Any] | None:
    """A trigger's server code as stored and answered: Kii's trigger JSON carries no token."""
    if server_code is None:
        return None
    return {k: v for k, v in server_code.items() if k != "executorAccessToken"}


@dataclass(frozen=True)
class TriggerDefinition:
    predicate: Predicate
    what: str
    command: dict[str, Any] | None
    server_code: dict[str, Any] | None
    title: str | None
    description: str | None
    metadata: dict[str, Any] | None

    @classmethod
    def parse(cls, body: dict[str, Any], base: ThingTrigger | None = None) -> TriggerDefinition:
        """A new definition, or ``base`` patched with the fields ``body`` gives."""
        check_json(body, "The trigger")
        merged: dict[str, Any] = {}
        if base is not None:
            merged = {k: v for k, v in base.to_json().items() if k in _DEFINITION_FIELDS}
        merged.update({k: v for k, v in body.items() if k in _DEFINITION_FIELDS})
        unknown = set(body) - _DEFINITION_FIELDS - {"triggerID", "disabled", "disabledReason"}
        if unknown:
            raise invalid(f"Unknown trigger fields: {', '.join(sorted(unknown))}")
        predicate = Predicate.parse(merged.get("predicate"))
        what = merged.get("triggersWhat") or ("SERVER_CODE" if merged.get("serverCode") else "COMMAND")
        if what not in TRIGGERS_WHAT:
            raise invalid("triggersWhat must be COMMAND or SERVER_CODE", field="triggersWhat")
        command = server_code = None
        if what == "COMMAND":
            command = check_command(merged.get("command"))
        else:
            if predicate.event_source != "STATES":
                raise invalid("Server code triggers take STATES predicates only", field="predicate")
            server_code = check_server_code(merged.get("serverCode"))
        return cls(
            predicate,
            what,
            command,
            server_code,
            _text(merged, "title", MAX_TITLE),
            _text(merged, "description", MAX_DESCRIPTION),
            _object(merged, "metadata"),
        )


_DEFINITION_FIELDS = {
    "predicate",
    "triggersWhat",
    "command",
    "serverCode",
    "title",
    "description",
    "metadata",
}


# --- commands ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    app_id: str
    thing_id: str
    command_id: str
    body: dict[str, Any]
    created_at: int
    modified_at: int
    state: str = "SENDING"
    action_results: list[dict[str, Any]] | None = None
    fired_by: str | None = None
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            **self.body,
            "commandID": self.command_id,
            "target": f"thing:{self.thing_id}",
            "commandState": self.state,
            "createdAt": self.created_at,
            "modifiedAt": self.modified_at,
        }
        if self.action_results is not None:
            out["actionResults"] = self.action_results
        if self.fired_by is not None:
            out["firedByTriggerID"] = self.fired_by
        return out


def check_state(body: Any) -> dict[str, Any]:
    import json

    if not isinstance(body, dict):
        raise invalid("A state is a JSON object")
    check_json(body, "The state")
    if len(json.dumps(body, separators=(",", ":"))) > MAX_STATE_BYTES:
        raise invalid(f"A state is at most {MAX_STATE_BYTES // 1024} KB")
    return body


@dataclass(frozen=True)
class ThingState:
    app_id: str
    thing_id: str
    state: dict[str, Any]
    modified_at: int
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
