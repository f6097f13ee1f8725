"""Groups and their members over the key-value table port (key layout: docs/data.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, attributes, commit, delete_all, fields
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
from chalicelib.domain.models import Group
from chalicelib.errors import GroupAlreadyExists, GroupNotFound


def _group_pk(app_id: str, group_id: str) -> str:
    return f"APP#{app_id}#GROUP#{group_id}"


_GROUP = {  # attribute -> Group field
    "appID": "app_id",
    "groupID": "group_id",
    "name": "name",
    "owner": "owner",
    "createdAt": "created_at",
    "modifiedAt": "modified_at",
    "version": "version",
}


def _group_item(group: Group) -> Item:
    return {
        "pk": _group_pk(group.app_id, group.group_id),
        "sk": "#GROUP",
        "gsi1pk": f"APP#{group.app_id}#OWNER#{group.owner}",
        "gsi1sk": f"GROUP#{group.group_id}",
        **attributes(group, _GROUP),
    }


def _group(item: Item) -> Group:
    return Group(**fields(item, _GROUP))


def _member_item(app_id: str, group_id: str, user_id: str) -> Item:
    return {
        "pk": _group_pk(app_id, group_id),
        "sk": f"MEMBER#{user_id}",
        "gsi1pk": f"APP#{app_id}#MEMBER#{user_id}",
        "gsi1sk": f"GROUP#{group_id}",
        "appID": app_id,
        "groupID": group_id,
        "userID": user_id,
    }


@dataclass
class TableGroupStore:
    table: KeyValueTable
    events: EventCodec

    def get(self, app_id: str, group_id: str) -> Group | None:
        item = self.table.get(DATA, Key(_group_pk(app_id, group_id), "#GROUP"))
        return _group(item) if item else None

    def create(self, group: Group, members: Sequence[str], events: Sequence[Event]) -> None:
        writes: list[Write] = [
            Put(DATA, _group_item(group), Absent()),
            *(Put(DATA, _member_item(group.app_id, group.group_id, u)) for u in members),
            *self.events.puts(events),
        ]
        commit(self.table, writes, lambda _: GroupAlreadyExists(groupID=group.group_id, appID=group.app_id))

    def save(self, group: Group, previous: Group, events: Sequence[Event]) -> None:
        commit(
            self.table,
            [Put(DATA, _group_item(group), VersionIs(previous.version)), *self.events.puts(events)],
        )

    def delete(self, group: Group, events: Sequence[Event]) -> None:
        commit(
            self.table,
            [
                Delete(DATA, Key(_group_pk(group.app_id, group.group_id), "#GROUP"), Exists()),
                *self.events.puts(events),
            ],
            lambda _: GroupNotFound(groupID=group.group_id, appID=group.app_id),
        )
        delete_all(self.table, self.table.query(DATA, _group_pk(group.app_id, group.group_id), "MEMBER#"))

    def members(self, app_id: str, group_id: str) -> list[str]:
        return [i["userID"] for i in self.table.query(DATA, _group_pk(app_id, group_id), "MEMBER#")]

    def is_member(self, app_id: str, group_id: str, user_id: str) -> bool:
        return self.table.get(DATA, Key(_group_pk(app_id, group_id), f"MEMBER#{user_id}")) is not None

    def _change_members(self, group: Group, writes: list[Write], events: Sequence[Event]) -> None:
        group_key = Key(_group_pk(group.app_id, group.group_id), "#GROUP")
        commit(
            self.table,
            [Check(DATA, group_key, Exists()), *writes, *self.events.puts(events)],
            lambda _: GroupNotFound(groupID=group.group_id, appID=group.app_id),
        )

    def add_members(self, group: Group, user_ids: Sequence[str], events: Sequence[Event]) -> None:
        self._change_members(
            group, [Put(DATA, _member_item(group.app_id, group.group_id, u)) for u in user_ids], events
        )

    def remove_members(self, group: Group, user_ids: Sequence[str], events: Sequence[Event]) -> None:
        pk = _group_pk(group.app_id, group.group_id)
        self._change_members(group, [Delete(DATA, Key(pk, f"MEMBER#{u}")) for u in user_ids], events)

    def _groups(self, gsi1pk: str) -> list[Group]:
        found = []
        for item in self.table.query(DATA, gsi1pk, "GROUP#", index="gsi1"):
            group = self.get(item["appID"], item["groupID"])
            if group is not None:
                found.append(group)
        return found

    def groups_of_member(self, app_id: str, user_id: str) -> list[Group]:
        return self._groups(f"APP#{app_id}#MEMBER#{user_id}")

    def groups_owned_by(self, app_id: str, user_id: str) -> list[Group]:
        return self._groups(f"APP#{app_id}#OWNER#{user_id}")

    def forget_member(self, app_id: str, user_id: str) -> None:
        memberships = self.table.query(DATA, f"APP#{app_id}#MEMBER#{user_id}", "GROUP#", index="gsi1")
        delete_all(self.table, memberships)
