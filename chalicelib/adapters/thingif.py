"""Thing-IF states, state history, commands, triggers and trigger results over the
key-value table port (key layout: docs/data.md).

A state write carries its TIF_STATE_UPDATED event (previous and current state) in the same
transaction: triggers are evaluated from the event, so an edge fires once however the event
is delivered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, commit, json_text, present
from chalicelib.adapters.table import (
    Absent,
    Delete,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
    Write,
)
from chalicelib.domain.events import Event
from chalicelib.domain.thingif import Command, Predicate, ThingState, ThingTrigger, without_token

SCHEDULED = "SCHEDULER#THING-IF"


def _thing(app_id: str, thing_id: str, kind: str) -> str:
    return f"APP#{app_id}#THING#{thing_id}#{kind}"


def history_key(created_at: int, version: int) -> str:
    return f"{created_at:013d}#{version:010d}"


@dataclass
class TableThingIFStore:
    table: KeyValueTable
    codec: EventCodec
    # Every state is also kept in the thing's history for this long (DynamoDB TTL); 0: not kept.
    history_retention_seconds: int = 30 * 24 * 3600

    # --- states -----------------------------------------------------------------------------------
    def state(self, app_id: str, thing_id: str) -> ThingState | None:
        item = self.table.get(DATA, Key(_thing(app_id, thing_id, "TIF"), "#STATE"))
        if item is None:
            return None
        return ThingState(
            app_id, thing_id, json.loads(item["state"]), int(item["modifiedAt"]), int(item["version"])
        )

    def put_state(self, state: ThingState, previous: ThingState | None, events: Sequence[Event]) -> None:
        item = {
            "pk": _thing(state.app_id, state.thing_id, "TIF"),
            "sk": "#STATE",
            "state": json_text(state.state),
            "modifiedAt": state.modified_at,
            "version": state.version,
        }
        writes: list[Write] = [Put(DATA, item, VersionIs(previous.version) if previous else Absent())]
        if self.history_retention_seconds > 0:
            # The history entry is written with the state: a state is in its history iff it was set.
            writes.append(
                Put(
                    DATA,
                    {
                        "pk": _thing(state.app_id, state.thing_id, "TIFHIST"),
                        "sk": history_key(state.modified_at, state.version),
                        "state": json_text(state.state),
                        "createdAt": state.modified_at,
                        "ttl": state.modified_at // 1000 + self.history_retention_seconds,
                    },
                )
            )
        commit(self.table, [*writes, *self.codec.puts(events)])

    def history(
        self, app_id: str, thing_id: str, after: str | None
    ) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """(key, created, state), oldest first, strictly after the key ``after``, lazily."""
        pk = _thing(app_id, thing_id, "TIFHIST")
        for item in self.table.ordered(DATA, pk, after=after):
            yield item["sk"], int(item["createdAt"]), json.loads(item["state"])

    # --- commands ---------------------------------------------------------------------------------
    def put_command(self, command: Command, new: bool) -> None:
        item: dict[str, Any] = {
            "pk": _thing(command.app_id, command.thing_id, "CMD"),
            "sk": command.command_id,
            "body": json_text(command.body),
            "createdAt": command.created_at,
            "modifiedAt": command.modified_at,
            "state": command.state,
            "version": command.version,
        }
        results = None if command.action_results is None else json_text(command.action_results)
        present(item, actionResults=results, firedBy=command.fired_by)
        commit(self.table, [Put(DATA, item, Absent() if new else VersionIs(command.version - 1))])

    @staticmethod
    def _command(app_id: str, thing_id: str, item: Mapping[str, Any]) -> Command:
        return Command(
            app_id,
            thing_id,
            item["sk"],
            json.loads(item["body"]),
            int(item["createdAt"]),
            int(item["modifiedAt"]),
            item["state"],
            json.loads(item["actionResults"]) if "actionResults" in item else None,
            item.get("firedBy"),
            int(item["version"]),
        )

    def command(self, app_id: str, thing_id: str, command_id: str) -> Command | None:
        item = self.table.get(DATA, Key(_thing(app_id, thing_id, "CMD"), command_id))
        return self._command(app_id, thing_id, item) if item else None

    def commands(self, app_id: str, thing_id: str, after: str | None) -> Iterator[Command]:
        for item in self.table.ordered(DATA, _thing(app_id, thing_id, "CMD"), descending=True, after=after):
            yield self._command(app_id, thing_id, item)

    # --- triggers ---------------------------------------------------------------------------------
    def put_trigger(self, trigger: ThingTrigger, new: bool) -> None:
        item: dict[str, Any] = {
            "pk": _thing(trigger.app_id, trigger.thing_id, "TRG"),
            "sk": trigger.trigger_id,
            "definition": json_text(trigger.to_json()),
            "createdAt": trigger.created_at,
            "version": trigger.version,
        }
        present(item, executor=trigger.executor)
        index_key = Key(SCHEDULED, f"APP#{trigger.app_id}#TRG#{trigger.trigger_id}")
        timed = trigger.predicate.event_source in ("SCHEDULE", "SCHEDULE_ONCE") and not trigger.disabled
        indexed = {**item, "pk": index_key.pk, "sk": index_key.sk, "appID": trigger.app_id}
        indexed.update(thingID=trigger.thing_id, triggerID=trigger.trigger_id)
        index: Write = Put(DATA, indexed) if timed else Delete(DATA, index_key)
        commit(self.table, [Put(DATA, item, Absent() if new else VersionIs(trigger.version - 1)), index])

    def scheduled_triggers(self) -> list[ThingTrigger]:
        """Enabled SCHEDULE and SCHEDULE_ONCE triggers of every app, for the scheduler tick."""
        return [
            self._trigger(i["appID"], i["thingID"], {**i, "sk": i["triggerID"]})
            for i in self.table.query(DATA, SCHEDULED, "APP#")
        ]

    @staticmethod
    def _trigger(app_id: str, thing_id: str, item: Mapping[str, Any]) -> ThingTrigger:
        body = json.loads(item["definition"])
        server_code = body.get("serverCode")
        executor = item.get("executor")
        if isinstance(server_code, dict) and isinstance(server_code.get("executorAccessToken"), str):
            # Stored before tokens were kept by reference: read as a reference from now on.
            executor = executor or hashlib.sha256(server_code["executorAccessToken"].encode()).hexdigest()
            server_code = without_token(server_code)
        return ThingTrigger(
            app_id=app_id,
            thing_id=thing_id,
            trigger_id=item["sk"],
            predicate=Predicate.parse(body["predicate"]),
            what=body["triggersWhat"],
            command=body.get("command"),
            server_code=server_code,
            title=body.get("title"),
            description=body.get("description"),
            metadata=body.get("metadata"),
            disabled=bool(body.get("disabled")),
            disabled_reason=body.get("disabledReason"),
            created_at=int(item["createdAt"]),
            version=int(item["version"]),
            executor=executor,
        )

    def trigger(self, app_id: str, thing_id: str, trigger_id: str) -> ThingTrigger | None:
        item = self.table.get(DATA, Key(_thing(app_id, thing_id, "TRG"), trigger_id))
        return self._trigger(app_id, thing_id, item) if item else None

    def triggers(self, app_id: str, thing_id: str, after: str | None = None) -> Iterator[ThingTrigger]:
        for item in self.table.ordered(DATA, _thing(app_id, thing_id, "TRG"), after=after):
            yield self._trigger(app_id, thing_id, item)

    def delete_trigger(self, trigger: ThingTrigger) -> None:
        self.table.transact(
            [
                Delete(DATA, Key(_thing(trigger.app_id, trigger.thing_id, "TRG"), trigger.trigger_id)),
                Delete(DATA, Key(SCHEDULED, f"APP#{trigger.app_id}#TRG#{trigger.trigger_id}")),
            ]
        )

    # --- server-code results ------------------------------------------------------------------------
    def add_result(self, app_id: str, trigger_id: str, key: str, result: dict[str, Any]) -> None:
        self.table.transact(
            [Put(DATA, {"pk": f"APP#{app_id}#TRG#{trigger_id}#RES", "sk": key, "result": json_text(result)})]
        )

    def results(
        self, app_id: str, trigger_id: str, after: str | None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        for item in self.table.ordered(
            DATA, f"APP#{app_id}#TRG#{trigger_id}#RES", descending=True, after=after
        ):
            yield item["sk"], json.loads(item["result"])
