"""Things, their owners and their vendorThingID claims over the key-value table port (key
layout: docs/data.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, commit, delete_all, json_text, present
from chalicelib.adapters.table import (
    Absent,
    Check,
    Delete,
    Exists,
    Item,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
    Write,
)
from chalicelib.domain.events import Event
from chalicelib.domain.things import Owner, Thing
from chalicelib.errors import ThingAlreadyExists, ThingNotFound


def _pk(app_id: str, thing_id: str) -> str:
    return f"APP#{app_id}#THING#{thing_id}"


def _claim(app_id: str, vendor_thing_id: str) -> Key:
    return Key(f"APP#{app_id}#VENDOR_THING_ID#{vendor_thing_id}", "#CLAIM")


def _item(thing: Thing) -> Item:
    item: Item = {
        "pk": _pk(thing.app_id, thing.thing_id),
        "sk": "#THING",
        # every thing of an app, for the admin's listing (POST /things/query)
        "gsi1pk": f"APP#{thing.app_id}#THINGS",
        "gsi1sk": thing.thing_id,
        "appID": thing.app_id,
        "thingID": thing.thing_id,
        "vendorThingID": thing.vendor_thing_id,
        "passwordHash": thing.password_hash,
        "fields": json_text(thing.fields),
        "createdAt": thing.created_at,
        "modifiedAt": thing.modified_at,
        "disabled": thing.disabled,
        "online": thing.online,
        "version": thing.version,
    }
    return present(item, onlineModifiedAt=thing.online_modified_at)


def _thing(item: Item) -> Thing:
    online_at = item.get("onlineModifiedAt")
    return Thing(
        app_id=item["appID"],
        thing_id=item["thingID"],
        vendor_thing_id=item["vendorThingID"],
        password_hash=item["passwordHash"],
        fields=json.loads(item["fields"]),
        created_at=int(item["createdAt"]),
        modified_at=int(item["modifiedAt"]),
        disabled=bool(item["disabled"]),
        online=bool(item["online"]),
        online_modified_at=int(online_at) if online_at is not None else None,
        version=int(item["version"]),
    )


def _owner_item(thing: Thing, owner: Owner) -> Item:
    return {
        "pk": _pk(thing.app_id, thing.thing_id),
        "sk": f"OWNER#{owner}",
        "appID": thing.app_id,
        "thingID": thing.thing_id,
        "ownerKind": owner.kind,
        "ownerID": owner.id,
        "gsi1pk": f"APP#{thing.app_id}#OWNS#{owner}",
        "gsi1sk": f"THING#{thing.thing_id}",
    }


@dataclass
class TableThingStore:
    table: KeyValueTable
    events: EventCodec

    def get(self, app_id: str, thing_id: str) -> Thing | None:
        item = self.table.get(DATA, Key(_pk(app_id, thing_id), "#THING"))
        return _thing(item) if item else None

    def all(self, app_id: str, after: str | None = None) -> Iterator[Thing]:
        """Every thing of the app in thingID order, after the thingID ``after``."""
        for item in self.table.ordered(DATA, f"APP#{app_id}#THINGS", index="gsi1", after=after):
            yield _thing(item)

    def find_by_vendor_id(self, app_id: str, vendor_thing_id: str) -> Thing | None:
        claim = self.table.get(DATA, _claim(app_id, vendor_thing_id))
        return self.get(app_id, claim["thingID"]) if claim else None

    def create(self, thing: Thing, events: Sequence[Event]) -> None:
        claim = _claim(thing.app_id, thing.vendor_thing_id)
        commit(
            self.table,
            [
                Put(DATA, {"pk": claim.pk, "sk": claim.sk, "thingID": thing.thing_id}, Absent()),
                Put(DATA, _item(thing), Absent()),
                *self.events.puts(events),
            ],
            lambda _: ThingAlreadyExists(vendorThingID=thing.vendor_thing_id),
        )

    def save(self, thing: Thing, previous: Thing, events: Sequence[Event]) -> None:
        commit(self.table, [Put(DATA, _item(thing), VersionIs(previous.version)), *self.events.puts(events)])

    def delete(self, thing: Thing, events: Sequence[Event]) -> None:
        writes: list[Write] = [
            Delete(DATA, Key(_pk(thing.app_id, thing.thing_id), "#THING"), Exists()),
            Delete(DATA, _claim(thing.app_id, thing.vendor_thing_id)),
            *self.events.puts(events),
        ]
        commit(self.table, writes, lambda _: ThingNotFound(thingID=thing.thing_id))
        delete_all(self.table, self.table.query(DATA, _pk(thing.app_id, thing.thing_id), "OWNER#"))

    def owners(self, app_id: str, thing_id: str) -> list[Owner]:
        return [
            Owner(i["ownerKind"], i["ownerID"])
            for i in self.table.query(DATA, _pk(app_id, thing_id), "OWNER#")
        ]

    def is_owner(self, app_id: str, thing_id: str, owner: Owner) -> bool:
        return self.table.get(DATA, Key(_pk(app_id, thing_id), f"OWNER#{owner}")) is not None

    def add_owner(self, thing: Thing, owner: Owner, events: Sequence[Event]) -> None:
        commit(
            self.table,
            [
                Check(DATA, Key(_pk(thing.app_id, thing.thing_id), "#THING"), Exists()),
                Put(DATA, _owner_item(thing, owner), Absent()),
                *self.events.puts(events),
            ],
        )

    def remove_owner(self, thing: Thing, owner: Owner, events: Sequence[Event]) -> None:
        commit(
            self.table,
            [
                Delete(DATA, Key(_pk(thing.app_id, thing.thing_id), f"OWNER#{owner}"), Exists()),
                *self.events.puts(events),
            ],
        )

    def owned_by(self, app_id: str, owner: Owner) -> list[str]:
        return [
            i["thingID"] for i in self.table.query(DATA, f"APP#{app_id}#OWNS#{owner}", "THING#", index="gsi1")
        ]
