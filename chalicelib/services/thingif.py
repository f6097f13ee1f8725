"""Thing-IF use cases (kii-rest-api.md §9): onboarding, thing type and firmware version,
states, commands, triggers and their server-code results. The thing itself, its owners and
the app admin may act on a thing; onboarding by the thing needs only its password."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.events import Caller, Trigger, new_event
from chalicelib.domain.history import DEFAULT_INTERVAL, HistoryQuery
from chalicelib.domain.models import Principal
from chalicelib.domain.ports import Clock, CommandPublisher, ThingIFStore
from chalicelib.domain.thingif import (
    Command,
    ThingState,
    ThingTrigger,
    TriggerDefinition,
    check_command,
    check_state,
    without_token,
)
from chalicelib.domain.things import Owner, Thing
from chalicelib.errors import (
    AccessDenied,
    CommandNotFound,
    InvalidInputData,
    KiiError,
    StateNotFound,
    ThingNotFound,
    ThingOwnershipAlreadyExists,
    ThingWithoutThingType,
    TriggerNotFound,
    WrongPassword,
)
from chalicelib.services.access import denied_to, require_authenticated
from chalicelib.services.auth import AuthService
from chalicelib.services.installations import InstallationService
from chalicelib.services.listing import page
from chalicelib.services.optimistic import optimistic_update
from chalicelib.services.things import ThingService

log = logging.getLogger("karakuri.thingif")
ONBOARDING = {
    "onboardingwithvendorthingidbyowner": ("vendor", True),
    "onboardingwiththingidbyowner": ("thing", True),
    "onboardingwithvendorthingidbything": ("vendor", False),
    "onboardingwiththingidbything": ("thing", False),
}


@dataclass
class ThingIFService:
    things: ThingService
    store: ThingIFStore
    auth: AuthService
    clock: Clock
    # Sends commands to things (MQTT); None: no broker, things fetch their commands over REST.
    publisher: CommandPublisher | None = None
    # Onboarding answers the thing's mqttEndpoint, and commands go to its mqttTopic, when set.
    installations: InstallationService | None = None

    # --- targets ----------------------------------------------------------------------------------
    def target(self, caller: Caller, raw_target: str) -> Thing:
        kind, sep, thing_id = raw_target.partition(":")
        if not sep or kind.lower() != "thing" or not thing_id:
            raise InvalidInputData(f"A target is thing:{{thingID}}, not {raw_target!r}", field="target")
        thing = self.things.resolve(caller.app_id, thing_id)
        require_authenticated(caller.principal)
        if not self.things.has_access(caller.principal, thing):
            raise AccessDenied(
                "Only the thing, its owners and the app admin may do this", **denied_to(caller.principal)
            )
        return thing

    def _check_issuer(self, principal: Principal, thing: Thing, issuer: str) -> None:
        """A command's ``issuer`` is whoever sends it: the user (or a group they belong to),
        or, for the thing itself, one of its owners; only the app admin names anyone."""
        if principal.is_admin:
            return
        kind, _, issuer_id = issuer.partition(":")
        kind = kind.lower()
        allowed = False
        if principal.kind == "user" and principal.id is not None:
            allowed = (kind == "user" and issuer_id == principal.id) or (
                kind == "group" and self.things.is_member_or_owner(thing.app_id, issuer_id, principal.id)
            )
        elif principal.kind == "thing" and principal.id == thing.thing_id:
            allowed = (kind == "thing" and issuer_id == thing.thing_id) or (
                kind in ("user", "group") and self.things.has_owner(thing, Owner.parse(issuer))
            )
        if not allowed:
            raise AccessDenied(
                "The command's issuer must be the principal that sends it", **denied_to(principal)
            )

    def _check_command_target(self, caller: Caller, thing: Thing, command: dict[str, Any]) -> None:
        """A COMMAND trigger commands its own thing, or a thing the registering principal may
        command itself (checked with the same rules as a direct command)."""
        raw_target = command.get("target")
        if raw_target is None:
            return
        if not isinstance(raw_target, str):
            raise InvalidInputData("command.target is thing:{thingID}", field="target")
        target = self.target(caller, raw_target)
        command["target"] = f"thing:{target.thing_id}"
        self._check_issuer(caller.principal, target, str(command["issuer"]))

    def _executor(self, caller: Caller, thing: Thing, server_code: dict[str, Any] | None) -> str | None:
        """The reference to a SERVER_CODE trigger's executor token, which must be the app
        admin's, the thing's own or an owner's of the thing."""
        token = (server_code or {}).get("executorAccessToken")
        if not isinstance(token, str):
            return None
        try:
            executor = self.auth.authenticate(caller.app_id, f"Bearer {token}")
        except KiiError:
            raise InvalidInputData(
                "serverCode.executorAccessToken is not a valid token of this app", field="executorAccessToken"
            ) from None
        if not self.things.has_access(executor, thing):
            raise AccessDenied(
                "serverCode.executorAccessToken must belong to the thing, an owner of it or the app admin",
                **denied_to(caller.principal),
            )
        return self.auth.reference(token)

    # --- onboarding ---------------------------------------------------------------------------------
    def onboard(self, caller: Caller, media_type: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = media_type.removeprefix("application/vnd.kii.").removesuffix("+json").lower()
        if kind.startswith("onboardingendnodewithgateway"):
            return self._onboard_end_node(caller, body)
        if kind not in ONBOARDING:
            raise InvalidInputData(f"Unsupported onboarding content type {media_type}")
        by, with_owner = ONBOARDING[kind]
        password = body.get("thingPassword")
        if not isinstance(password, str) or not password:
            raise InvalidInputData("thingPassword is required", field="thingPassword")
        owner = None
        if with_owner:
            raw_owner = body.get("owner")
            if not isinstance(raw_owner, str):
                raise InvalidInputData("owner is required: user:{userID} or group:{groupID}", field="owner")
            owner = Owner.parse(raw_owner)
            require_authenticated(caller.principal)
        if by == "vendor":
            thing = self._thing_by_vendor_id(caller, body, password)
        else:
            thing_id = body.get("thingID")
            if not isinstance(thing_id, str):
                raise InvalidInputData("thingID is required", field="thingID")
            thing = self.things.resolve(caller.app_id, thing_id)
            self._verify(thing, password)
        if owner is not None:
            with suppress(ThingOwnershipAlreadyExists):  # onboarding again is fine
                self.things.add_owner(caller, thing.thing_id, str(owner), password)
        token = self.auth.issue(caller.app_id, "thing", thing.thing_id, with_refresh=False)
        reply: dict[str, Any] = {"thingID": thing.thing_id, "accessToken": token.access_token}
        if self.installations is not None:
            reply["mqttEndpoint"] = self.installations.thing_endpoint(caller, thing.thing_id)
        return reply

    def _onboard_end_node(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        """A gateway's owner onboards an end node behind it (kii-rest-api.md §9.2): the end
        node is registered (or its password checked) by vendorThingID, given the owner, and
        remembers its gateway."""
        gateway_ref = body.get("gatewayThingID") or (
            f"VENDOR_THING_ID:{body['gatewayVendorThingID']}"
            if isinstance(body.get("gatewayVendorThingID"), str)
            else None
        )
        if not isinstance(gateway_ref, str):
            raise InvalidInputData(
                "gatewayThingID or gatewayVendorThingID is required", field="gatewayThingID"
            )
        gateway = self.target(caller, f"thing:{self.things.resolve(caller.app_id, gateway_ref).thing_id}")
        raw_owner, password = body.get("owner"), body.get("endNodePassword")
        if not isinstance(raw_owner, str) or not isinstance(password, str) or not password:
            raise InvalidInputData("owner and endNodePassword are required", field="endNodePassword")
        fields = {
            "vendorThingID": body.get("endNodeVendorThingID"),
            "thingType": body.get("endNodeThingType"),
            "firmwareVersion": body.get("endNodeFirmwareVersion"),
            "layoutPosition": "END_NODE",
            "thingProperties": {
                **(body.get("endNodeThingProperties") or {}),
                "gatewayThingID": gateway.thing_id,
            },
        }
        end_node = self._thing_by_vendor_id(caller, fields, password)
        with suppress(ThingOwnershipAlreadyExists):
            self.things.add_owner(caller, end_node.thing_id, str(Owner.parse(raw_owner)), password)
        token = self.auth.issue(caller.app_id, "thing", end_node.thing_id, with_refresh=False)
        return {"endNodeThingID": end_node.thing_id, "accessToken": token.access_token}

    def _verify(self, thing: Thing, password: str) -> None:
        if not self.things.password_matches(thing, password):
            raise WrongPassword("The thing password is wrong")

    def _thing_by_vendor_id(self, caller: Caller, body: dict[str, Any], password: str) -> Thing:
        vendor_thing_id = body.get("vendorThingID")
        if not isinstance(vendor_thing_id, str):
            raise InvalidInputData("vendorThingID is required", field="vendorThingID")
        existing = self.things.find_by_vendor_id(caller.app_id, vendor_thing_id)
        if existing is not None:
            self._verify(existing, password)
            return existing
        properties = body.get("thingProperties") or {}
        if not isinstance(properties, dict):
            raise InvalidInputData("thingProperties must be an object", field="thingProperties")
        fields = {**properties, "_vendorThingID": vendor_thing_id, "_password": password}
        for key, field_name in (
            ("thingType", "_thingType"),
            ("firmwareVersion", "_firmwareVersion"),
            ("layoutPosition", "_layoutPosition"),
            ("dataGroupingInterval", "_dataGroupingInterval"),  # how state history is grouped
        ):
            if body.get(key) is not None:
                fields[field_name] = body[key]
        if fields.get("_layoutPosition") == "ENDNODE":  # Thing-IF's spelling of Kii's END_NODE
            fields["_layoutPosition"] = "END_NODE"
        thing, _ = self.things.register(caller, fields, False)
        return thing

    # --- thing type and firmware version ----------------------------------------------------------------
    def thing_field(self, caller: Caller, thing_id: str, name: str) -> str:
        thing = self.target(caller, f"thing:{thing_id}")
        value = thing.fields.get(f"_{name}")
        if value is None:
            if name == "thingType":
                raise ThingWithoutThingType(thingID=thing.thing_id)
            raise ThingNotFound(f"The thing has no {name}", thingID=thing.thing_id)
        return str(value)

    def set_thing_field(self, caller: Caller, thing_id: str, name: str, body: dict[str, Any]) -> None:
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise InvalidInputData(f"{name} is required", field=name)
        thing = self.target(caller, f"thing:{thing_id}")
        self.things.update(caller, thing.thing_id, {f"_{name}": value})

    # --- states -------------------------------------------------------------------------------------
    def put_state(
        self, caller: Caller, raw_target: str, body: Any, patch: bool = False, alias: str | None = None
    ) -> bool:
        """Replaces (or, patching, merges per alias) the state; True when it is the first."""
        thing = self.target(caller, raw_target)
        incoming = check_state(body)

        def attempt() -> bool:
            previous = self.store.state(thing.app_id, thing.thing_id)
            base = dict(previous.state) if previous else {}
            if alias is not None:
                current = {**base, alias: incoming}
            elif patch:
                current = dict(base)
                for key, value in incoming.items():
                    current[key] = (
                        {**current[key], **value}
                        if isinstance(current.get(key), dict) and isinstance(value, dict)
                        else value
                    )
            else:
                current = incoming
            check_state(current)
            now = self.clock.now_ms()
            state = ThingState(
                thing.app_id, thing.thing_id, current, now, previous.version + 1 if previous else 1
            )
            params = {
                "thingID": thing.thing_id,
                "previous": previous.state if previous else None,
                "current": current,
            }
            event = new_event(caller, Trigger.TIF_STATE_UPDATED, params, now)
            self.store.put_state(state, previous, [event])
            return previous is None

        return optimistic_update(attempt)

    def state(self, caller: Caller, raw_target: str, alias: str | None = None) -> dict[str, Any]:
        thing = self.target(caller, raw_target)
        found = self.store.state(thing.app_id, thing.thing_id)
        if found is None:
            raise StateNotFound(thingID=thing.thing_id)
        if alias is None:
            return dict(found.state)
        if not isinstance(found.state.get(alias), dict):
            raise StateNotFound(f"The state has no alias {alias}", thingID=thing.thing_id)
        return dict(found.state[alias])

    def query_history(
        self, caller: Caller, raw_target: str, alias: str | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Past states of the thing (of one trait alias, or whole for non-trait things) that
        match the query: a page of ``results``, or ``groupedResults`` per time interval."""
        thing = self.target(caller, raw_target)
        query = HistoryQuery.parse(body)
        start = f"{query.lower:013d}" if query.lower is not None else None
        after = max(filter(None, (start, query.pagination_key)), default=None)

        def matching() -> Iterator[tuple[str, dict[str, Any]]]:
            for key, created, state in self.store.history(thing.app_id, thing.thing_id, after):
                if query.upper is not None and created > query.upper:
                    return
                part = state.get(alias) if alias is not None else state
                if not isinstance(part, dict):
                    continue
                found = {**part, "_created": created}
                if query.matches(found):
                    yield key, found

        if query.grouped:
            interval = str(thing.fields.get("_dataGroupingInterval") or DEFAULT_INTERVAL)
            return {"groupedResults": query.groups(interval, (state for _, state in matching()))}
        rows, next_key = page(matching(), query.limit, lambda row: row[0])
        reply: dict[str, Any] = {"results": [state for _, state in rows]}
        if next_key is not None:
            reply["nextPaginationKey"] = next_key
        return reply

    # --- commands -----------------------------------------------------------------------------------
    def send_command(
        self, caller: Caller, raw_target: str, body: Any, fired_by: str | None = None
    ) -> Command:
        thing = self.target(caller, raw_target)
        command = check_command(body)
        self._check_issuer(caller.principal, thing, str(command["issuer"]))
        return self.create_command(thing, command, fired_by)

    def create_command(self, thing: Thing, body: dict[str, Any], fired_by: str | None = None) -> Command:
        now = self.clock.now_ms()
        command = Command(
            thing.app_id,
            thing.thing_id,
            ids.new_command_id(now),
            {k: v for k, v in body.items() if k not in ("target", "commandID", "commandState")},
            now,
            now,
            fired_by=fired_by,
        )
        self.store.put_command(command, True)
        if self.publisher is None:
            return command  # no broker: the thing fetches its commands over REST
        try:
            # Today's topic scheme, and the topic of each of the thing's MQTT installations
            # (Kii's: the thing subscribes to its mqttTopic, docs/devices.md).
            self.publisher.publish(thing.app_id, thing.thing_id, _push(command))
            if self.installations is not None:
                payload = json.dumps(_push(command), separators=(",", ":")).encode()
                for topic in self.installations.mqtt_topics(thing.app_id, "thing", thing.thing_id):
                    self.publisher.publish_topic(topic, payload)
        except Exception:
            log.exception("command %s could not be sent", command.command_id)
            return self.mark_command(command, "SEND_FAILED")
        return self.mark_command(command, "DELIVERED")

    def fire_command(self, trigger: ThingTrigger) -> Command:
        """The command of a COMMAND trigger, sent to its target (the trigger's thing unless the
        command names another), marked as fired by the trigger."""
        body = dict(trigger.command or {})
        target = str(body.pop("target", "") or f"thing:{trigger.thing_id}")
        thing = self.things.resolve(trigger.app_id, target.partition(":")[2] or trigger.thing_id)
        return self.create_command(thing, body, fired_by=trigger.trigger_id)

    def command(self, caller: Caller, raw_target: str, command_id: str) -> Command:
        thing = self.target(caller, raw_target)
        found = self.store.command(thing.app_id, thing.thing_id, command_id)
        if found is None:
            raise CommandNotFound(commandID=command_id)
        return found

    def commands(
        self, caller: Caller, raw_target: str, limit: int, key: str | None
    ) -> tuple[list[Command], str | None]:
        thing = self.target(caller, raw_target)
        return page(self.store.commands(thing.app_id, thing.thing_id, key), limit, lambda c: c.command_id)

    def action_results(self, caller: Caller, raw_target: str, command_id: str, body: Any) -> None:
        results = body.get("actionResults") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise InvalidInputData("actionResults: a list is required", field="actionResults")

        def attempt() -> None:
            command = self.command(caller, raw_target, command_id)
            failed = any(isinstance(r, dict) and _any_failed(r) for r in results)
            updated = replace(
                command,
                action_results=results,
                state="INCOMPLETE" if failed else "DONE",
                modified_at=self.clock.now_ms(),
                version=command.version + 1,
            )
            self.store.put_command(updated, False)

        optimistic_update(attempt)

    def mark_command(self, command: Command, state: str) -> Command:
        updated = replace(command, state=state, modified_at=self.clock.now_ms(), version=command.version + 1)
        self.store.put_command(updated, False)
        return updated

    # --- triggers -----------------------------------------------------------------------------------
    def create_trigger(self, caller: Caller, raw_target: str, body: Any) -> ThingTrigger:
        thing = self.target(caller, raw_target)
        if not isinstance(body, dict):
            raise InvalidInputData("A trigger is a JSON object")
        definition = TriggerDefinition.parse(body)
        executor = self._check_definition(caller, thing, definition)
        trigger = ThingTrigger(
            app_id=thing.app_id,
            thing_id=thing.thing_id,
            trigger_id=ids.new_trigger_id(self.clock.now_ms()),
            predicate=definition.predicate,
            what=definition.what,
            command=definition.command,
            server_code=without_token(definition.server_code),
            title=definition.title,
            description=definition.description,
            metadata=definition.metadata,
            created_at=self.clock.now_ms(),
            executor=executor,
        )
        self.store.put_trigger(trigger, True)
        return trigger

    def _check_definition(self, caller: Caller, thing: Thing, definition: TriggerDefinition) -> str | None:
        """Checks what a trigger will do in the registering principal's name; the executor
        reference of a SERVER_CODE trigger."""
        if definition.command is not None:
            self._check_issuer(caller.principal, thing, str(definition.command["issuer"]))
            self._check_command_target(caller, thing, definition.command)
        return self._executor(caller, thing, definition.server_code)

    def trigger(self, caller: Caller, raw_target: str, trigger_id: str) -> ThingTrigger:
        thing = self.target(caller, raw_target)
        found = self.store.trigger(thing.app_id, thing.thing_id, trigger_id)
        if found is None:
            raise TriggerNotFound(triggerID=trigger_id)
        return found

    def triggers(
        self, caller: Caller, raw_target: str, limit: int, key: str | None
    ) -> tuple[list[ThingTrigger], str | None]:
        thing = self.target(caller, raw_target)
        return page(self.store.triggers(thing.app_id, thing.thing_id, key), limit, lambda t: t.trigger_id)

    def patch_trigger(self, caller: Caller, raw_target: str, trigger_id: str, body: Any) -> ThingTrigger:
        if not isinstance(body, dict):
            raise InvalidInputData("A trigger patch is a JSON object")
        existing = self.trigger(caller, raw_target, trigger_id)
        definition = TriggerDefinition.parse(body, existing)
        thing = self.things.resolve(caller.app_id, existing.thing_id)
        executor = self._check_definition(caller, thing, definition)
        if definition.what == "SERVER_CODE" and "serverCode" not in body:
            executor = existing.executor  # the server code was not replaced: nor its executor
        updated = existing.changed(
            predicate=definition.predicate,
            what=definition.what,
            command=definition.command,
            server_code=without_token(definition.server_code),
            title=definition.title,
            description=definition.description,
            metadata=definition.metadata,
            executor=executor,
        )
        self.store.put_trigger(updated, False)
        return updated

    def enable_trigger(self, caller: Caller, raw_target: str, trigger_id: str, enabled: bool) -> None:
        existing = self.trigger(caller, raw_target, trigger_id)
        self.store.put_trigger(existing.changed(disabled=not enabled, disabled_reason=None), False)

    def delete_trigger(self, caller: Caller, raw_target: str, trigger_id: str) -> None:
        self.store.delete_trigger(self.trigger(caller, raw_target, trigger_id))

    def results(
        self, caller: Caller, raw_target: str, trigger_id: str, limit: int, key: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        trigger = self.trigger(caller, raw_target, trigger_id)
        found, next_key = page(
            self.store.results(trigger.app_id, trigger.trigger_id, key), limit, lambda r: r[0]
        )
        return [r for _, r in found], next_key

    # --- for the dispatcher: trigger evaluation and trigger executions --------------------------
    def state_triggers(self, app_id: str, thing_id: str) -> list[ThingTrigger]:
        """The thing's enabled STATES triggers, evaluated when its state changes."""
        return [
            t
            for t in self.store.triggers(app_id, thing_id)
            if not t.disabled and t.predicate.event_source == "STATES"
        ]

    def scheduled_triggers(self) -> list[ThingTrigger]:
        """Enabled SCHEDULE and SCHEDULE_ONCE triggers of every app, for the scheduler tick."""
        return self.store.scheduled_triggers()

    def stored_trigger(self, app_id: str, thing_id: str, trigger_id: str) -> ThingTrigger | None:
        """A trigger as stored, for its execution (no caller: the trigger itself acts)."""
        return self.store.trigger(app_id, thing_id, trigger_id)

    def add_result(self, trigger: ThingTrigger, key: str, result: dict[str, Any]) -> None:
        """One of the trigger's server-code results (``results/server-code``)."""
        self.store.add_result(trigger.app_id, trigger.trigger_id, key, result)


def _push(command: Command) -> dict[str, Any]:
    """What the thing receives: the command as Kii pushes it (kii-rest-api.md §10.1)."""
    body = {
        k: v
        for k, v in command.body.items()
        if k in ("actions", "issuer", "schema", "schemaVersion", "title", "description", "metadata")
    }
    return {"commandID": command.command_id, **body}


def _any_failed(result: dict[str, Any]) -> bool:
    """An action result: ``{"action": {"succeeded": …}}`` or, in trait form,
    ``{"alias": [{"action": {"succeeded": …}}]}``."""
    for value in result.values():
        entries = value if isinstance(value, list) else [{"_": value}]
        for entry in entries:
            for outcome in entry.values() if isinstance(entry, dict) else []:
                if isinstance(outcome, dict) and outcome.get("succeeded") is False:
                    return True
    return False
