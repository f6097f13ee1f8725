"""Entity stores over the key-value table port: key layout, item codecs and transactions.

Key layout of the ``data`` table (pk, sk; GSI ``gsi1`` on gsi1pk, gsi1sk):

    APP#{app}                          #APP        the app
    CLIENT#{clientID}                  #CLIENT     client ID claim -> appID
    APP#{app}#USER#{userID}            #USER       a user
    APP#{app}#USER#{userID}            CODE#{p}    a pending verification/reset code
    APP#{app}#IDENTITY#{kind}#{value}  #IDENTITY   unique login name / e-mail / phone claim
    APP#{app}#GROUP#{groupID}          #GROUP      a group      gsi1: APP#{app}#OWNER#{owner}
    APP#{app}#GROUP#{groupID}          MEMBER#{u}  a membership gsi1: APP#{app}#MEMBER#{u}
    TOKEN#{sha256}                     #TOKEN      a token      gsi1: APP#{app}#PRINCIPAL#{id}
    APP#{app}#OUTBOX                   {ms}#{rnd}  a notification the recording notifier kept

The ``events`` table holds one item per event (pk EVENT#{eventID}); its stream feeds the
dispatcher. Every entity write puts its events in the same transaction.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.table import (
    MAX_TRANSACTION_ITEMS,
    Absent,
    Check,
    ConditionFailed,
    Delete,
    Exists,
    Item,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
    Write,
    key_of,
)
from chalicelib.domain.events import Actor, Causation, Event, Trigger
from chalicelib.domain.models import App, CodePurpose, CodeRecord, Group, Notification, TokenRecord, User
from chalicelib.errors import (
    AppAlreadyExists,
    AppNotFound,
    Conflict,
    GroupAlreadyExists,
    GroupNotFound,
    UserAlreadyExists,
)

DATA = "data"
EVENTS = "events"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- events -----------------------------------------------------------------------------------
@dataclass
class EventCodec:
    retention_ms: int

    def to_item(self, event: Event) -> Item:
        item: Item = {
            "pk": f"EVENT#{event.event_id}",
            "sk": "#EVENT",
            "eventID": event.event_id,
            "appID": event.app_id,
            "trigger": str(event.trigger),
            "params": _json(event.params),
            "actorKind": event.actor.kind,
            "causationSource": event.causation.source,
            "depth": event.causation.depth,
            "occurredAt": event.occurred_at,
            "ttl": (event.occurred_at + self.retention_ms) // 1000,
        }
        if event.actor.id is not None:
            item["actorID"] = event.actor.id
        if event.causation.execution_id is not None:
            item["executionID"] = event.causation.execution_id
        return item

    @staticmethod
    def from_item(item: Mapping[str, Any]) -> Event:
        return Event(
            event_id=item["eventID"],
            app_id=item["appID"],
            trigger=Trigger(item["trigger"]),
            params=json.loads(item["params"]),
            actor=Actor(item["actorKind"], item.get("actorID")),
            causation=Causation(item["causationSource"], item.get("executionID"), int(item["depth"])),
            occurred_at=int(item["occurredAt"]),
        )

    def puts(self, events: Sequence[Event]) -> list[Write]:
        return [Put(EVENTS, self.to_item(e), Absent()) for e in events]


class StreamRecordParser:
    """Parses a DynamoDB stream record of the events table (Lambda's event shape)."""

    def __init__(self) -> None:
        from boto3.dynamodb.types import TypeDeserializer

        from chalicelib.adapters.table import decode_item

        self._decode = decode_item
        self._deserializer = TypeDeserializer()

    def parse(self, record: Mapping[str, Any]) -> Event | None:
        if record.get("eventName") != "INSERT":
            return None  # TTL expiry removes events; only insertions are news
        image = record.get("dynamodb", {}).get("NewImage")
        if not image:
            raise ValueError("stream record without NewImage")
        return EventCodec.from_item(self._decode(image, self._deserializer))


class MemoryRecordParser:
    """The in-memory twin: records are the event items themselves."""

    def parse(self, record: Mapping[str, Any]) -> Event | None:
        return EventCodec.from_item(record)


# --- apps -------------------------------------------------------------------------------------
@dataclass
class TableAppStore:
    table: KeyValueTable

    def get(self, app_id: str) -> App | None:
        item = self.table.get(DATA, Key(f"APP#{app_id}", "#APP"))
        return _app(item) if item else None

    def get_by_client_id(self, client_id: str) -> App | None:
        claim = self.table.get(DATA, Key(f"CLIENT#{client_id}", "#CLIENT"))
        return self.get(claim["appID"]) if claim else None

    def create(self, app: App) -> None:
        try:
            self.table.transact(
                [
                    Put(
                        DATA,
                        {
                            "pk": f"APP#{app.app_id}",
                            "sk": "#APP",
                            "appID": app.app_id,
                            "appKey": app.app_key,
                            "clientID": app.client_id,
                            "clientSecretHash": app.client_secret_hash,
                            "name": app.name,
                            "createdAt": app.created_at,
                            "requirePasswordForThingOwnership": app.require_password_for_thing_ownership,
                        },
                        Absent(),
                    ),
                    Put(
                        DATA,
                        {"pk": f"CLIENT#{app.client_id}", "sk": "#CLIENT", "appID": app.app_id},
                        Absent(),
                    ),
                ]
            )
        except ConditionFailed as failed:
            raise AppAlreadyExists() from failed

    def set_require_password_for_thing_ownership(self, app_id: str, required: bool) -> None:
        item = self.table.get(DATA, Key(f"APP#{app_id}", "#APP"))
        if item is None:
            raise AppNotFound(appID=app_id)
        self.table.transact([Put(DATA, {**item, "requirePasswordForThingOwnership": required})])


def _app(item: Item) -> App:
    return App(
        app_id=item["appID"],
        app_key=item["appKey"],
        client_id=item["clientID"],
        client_secret_hash=item["clientSecretHash"],
        name=item["name"],
        created_at=int(item["createdAt"]),
        require_password_for_thing_ownership=bool(item.get("requirePasswordForThingOwnership", True)),
    )


# --- users ------------------------------------------------------------------------------------
def _user_key(app_id: str, user_id: str) -> Key:
    return Key(f"APP#{app_id}#USER#{user_id}", "#USER")


def _identity_key(app_id: str, kind: str, value: str) -> Key:
    return Key(f"APP#{app_id}#IDENTITY#{kind}#{value}", "#IDENTITY")


_IDENTITY_FIELD = {"login_name": "loginName", "email": "emailAddress", "phone": "phoneNumber"}

_USER_FIELDS = {  # attribute -> User field
    "loginName": "login_name",
    "displayName": "display_name",
    "country": "country",
    "locale": "locale",
    "emailAddress": "email",
    "emailPending": "email_pending",
    "phoneNumber": "phone",
    "phonePending": "phone_pending",
    "passwordHash": "password_hash",
}


def _user_item(user: User) -> Item:
    item: Item = {
        "pk": _user_key(user.app_id, user.user_id).pk,
        "sk": "#USER",
        # every user of an app, for the admin's listing (POST /users/query)
        "gsi1pk": f"APP#{user.app_id}#USERS",
        "gsi1sk": user.user_id,
        "appID": user.app_id,
        "userID": user.user_id,
        "internalUserID": user.internal_user_id,
        "emailVerified": user.email_verified,
        "phoneVerified": user.phone_verified,
        "disabled": user.disabled,
        "custom": _json(user.custom),
        "createdAt": user.created_at,
        "modifiedAt": user.modified_at,
        "version": user.version,
    }
    for attribute, name in _USER_FIELDS.items():
        value = getattr(user, name)
        if value is not None:
            item[attribute] = value
    return item


def _user(item: Item) -> User:
    return User(
        app_id=item["appID"],
        user_id=item["userID"],
        internal_user_id=int(item["internalUserID"]),
        created_at=int(item["createdAt"]),
        modified_at=int(item["modifiedAt"]),
        email_verified=bool(item["emailVerified"]),
        phone_verified=bool(item["phoneVerified"]),
        disabled=bool(item["disabled"]),
        custom=json.loads(item["custom"]),
        version=int(item["version"]),
        **{name: item.get(attribute) for attribute, name in _USER_FIELDS.items()},
    )


@dataclass
class TableUserStore:
    table: KeyValueTable
    events: EventCodec

    def get(self, app_id: str, user_id: str) -> User | None:
        item = self.table.get(DATA, _user_key(app_id, user_id))
        return _user(item) if item else None

    def all(self, app_id: str, after: str | None = None) -> Iterator[User]:
        """Every user of the app in userID order, after the userID ``after``."""
        for item in self.table.ordered(DATA, f"APP#{app_id}#USERS", index="gsi1", after=after):
            yield _user(item)

    def find(self, app_id: str, kind: str, value: str) -> User | None:
        normalised = value.lower() if kind in ("login_name", "email") else value
        claim = self.table.get(DATA, _identity_key(app_id, kind, normalised))
        return self.get(app_id, claim["userID"]) if claim else None

    def _claims(self, user: User, kinds: Sequence[str]) -> list[Write]:
        identities = user.identities()
        return [
            Put(
                DATA,
                {**_key_item(_identity_key(user.app_id, kind, identities[kind])), "userID": user.user_id},
                Absent(),
            )
            for kind in kinds
        ]

    def create(self, user: User, events: Sequence[Event]) -> None:
        kinds = list(user.identities())
        writes: list[Write] = [
            Put(DATA, _user_item(user), Absent()),
            *self._claims(user, kinds),
            *self.events.puts(events),
        ]
        try:
            self.table.transact(writes)
        except ConditionFailed as failed:
            if 1 <= failed.index <= len(kinds):
                field = _IDENTITY_FIELD[kinds[failed.index - 1]]
                raise UserAlreadyExists(f"{field} is already in use", field=field) from failed
            raise Conflict() from failed

    def save(self, user: User, previous: User, events: Sequence[Event]) -> None:
        old, new = previous.identities(), user.identities()
        added = [k for k, v in new.items() if old.get(k) != v]
        removed = [Delete(DATA, _identity_key(user.app_id, k, v)) for k, v in old.items() if new.get(k) != v]
        writes: list[Write] = [
            Put(DATA, _user_item(user), VersionIs(previous.version)),
            *self._claims(user, added),
            *removed,
            *self.events.puts(events),
        ]
        try:
            self.table.transact(writes)
        except ConditionFailed as failed:
            if 1 <= failed.index <= len(added):
                field = _IDENTITY_FIELD[added[failed.index - 1]]
                raise UserAlreadyExists(f"{field} is already in use", field=field) from failed
            raise Conflict() from failed

    def delete(self, user: User, events: Sequence[Event]) -> None:
        claims = [Delete(DATA, _identity_key(user.app_id, k, v)) for k, v in user.identities().items()]
        writes: list[Write] = [
            Delete(DATA, _user_key(user.app_id, user.user_id), VersionIs(user.version)),
            *claims,
            *self.events.puts(events),
        ]
        try:
            self.table.transact(writes)
        except ConditionFailed as failed:
            raise Conflict() from failed
        codes = self.table.query(DATA, _user_key(user.app_id, user.user_id).pk, prefix="CODE#")
        _delete_all(self.table, codes)


def _key_item(key: Key) -> Item:
    return {"pk": key.pk, "sk": key.sk}


def _delete_all(table: KeyValueTable, items: Sequence[Item]) -> None:
    for start in range(0, len(items), MAX_TRANSACTION_ITEMS):
        table.transact([Delete(DATA, key_of(i)) for i in items[start : start + MAX_TRANSACTION_ITEMS]])


# --- groups -----------------------------------------------------------------------------------
def _group_pk(app_id: str, group_id: str) -> str:
    return f"APP#{app_id}#GROUP#{group_id}"


def _group_item(group: Group) -> Item:
    return {
        "pk": _group_pk(group.app_id, group.group_id),
        "sk": "#GROUP",
        "gsi1pk": f"APP#{group.app_id}#OWNER#{group.owner}",
        "gsi1sk": f"GROUP#{group.group_id}",
        "appID": group.app_id,
        "groupID": group.group_id,
        "name": group.name,
        "owner": group.owner,
        "createdAt": group.created_at,
        "modifiedAt": group.modified_at,
        "version": group.version,
    }


def _group(item: Item) -> Group:
    return Group(
        app_id=item["appID"],
        group_id=item["groupID"],
        name=item["name"],
        owner=item["owner"],
        created_at=int(item["createdAt"]),
        modified_at=int(item["modifiedAt"]),
        version=int(item["version"]),
    )


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
        try:
            self.table.transact(writes)
        except ConditionFailed as failed:
            raise GroupAlreadyExists(groupID=group.group_id, appID=group.app_id) from failed

    def save(self, group: Group, previous: Group, events: Sequence[Event]) -> None:
        try:
            self.table.transact(
                [Put(DATA, _group_item(group), VersionIs(previous.version)), *self.events.puts(events)]
            )
        except ConditionFailed as failed:
            raise Conflict() from failed

    def delete(self, group: Group, events: Sequence[Event]) -> None:
        try:
            self.table.transact(
                [
                    Delete(DATA, Key(_group_pk(group.app_id, group.group_id), "#GROUP"), Exists()),
                    *self.events.puts(events),
                ]
            )
        except ConditionFailed as failed:
            raise GroupNotFound(groupID=group.group_id, appID=group.app_id) from failed
        _delete_all(self.table, self.table.query(DATA, _group_pk(group.app_id, group.group_id), "MEMBER#"))

    def members(self, app_id: str, group_id: str) -> list[str]:
        return [i["userID"] for i in self.table.query(DATA, _group_pk(app_id, group_id), "MEMBER#")]

    def is_member(self, app_id: str, group_id: str, user_id: str) -> bool:
        return self.table.get(DATA, Key(_group_pk(app_id, group_id), f"MEMBER#{user_id}")) is not None

    def _change_members(self, group: Group, writes: list[Write], events: Sequence[Event]) -> None:
        group_key = Key(_group_pk(group.app_id, group.group_id), "#GROUP")
        try:
            self.table.transact([Check(DATA, group_key, Exists()), *writes, *self.events.puts(events)])
        except ConditionFailed as failed:
            raise GroupNotFound(groupID=group.group_id, appID=group.app_id) from failed

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
        _delete_all(self.table, memberships)


# --- tokens and codes -------------------------------------------------------------------------
@dataclass
class TableTokenStore:
    table: KeyValueTable

    def put(self, record: TokenRecord) -> None:
        item: Item = {
            "pk": f"TOKEN#{record.digest}",
            "sk": "#TOKEN",
            "kind": record.kind,
            "appID": record.app_id,
            "principalKind": record.principal_kind,
            "issuedAt": record.issued_at,
            "expiresAt": record.expires_at,
            "ttl": record.expires_at // 1000,
        }
        if record.principal_id is not None:
            item.update(
                principalID=record.principal_id,
                gsi1pk=f"APP#{record.app_id}#PRINCIPAL#{record.principal_id}",
                gsi1sk=f"TOKEN#{record.digest}",
            )
        self.table.transact([Put(DATA, item)])

    def get(self, digest: str) -> TokenRecord | None:
        item = self.table.get(DATA, Key(f"TOKEN#{digest}", "#TOKEN"))
        if item is None:
            return None
        return TokenRecord(
            digest=digest,
            kind=item["kind"],
            app_id=item["appID"],
            principal_kind=item["principalKind"],
            principal_id=item.get("principalID"),
            issued_at=int(item["issuedAt"]),
            expires_at=int(item["expiresAt"]),
        )

    def delete(self, digest: str) -> None:
        self.table.transact([Delete(DATA, Key(f"TOKEN#{digest}", "#TOKEN"))])

    def delete_for_principal(self, app_id: str, principal_id: str, keep: str | None = None) -> None:
        tokens = self.table.query(DATA, f"APP#{app_id}#PRINCIPAL#{principal_id}", "TOKEN#", index="gsi1")
        _delete_all(self.table, [t for t in tokens if keep is None or t["pk"] != f"TOKEN#{keep}"])


@dataclass
class TableCodeStore:
    table: KeyValueTable

    def put(self, record: CodeRecord) -> None:
        item: Item = {
            "pk": _user_key(record.app_id, record.user_id).pk,
            "sk": f"CODE#{record.purpose}",
            "secret": record.secret,
            "expiresAt": record.expires_at,
            "attempts": record.attempts,
            "ttl": record.expires_at // 1000 + 24 * 3600,
        }
        if record.address is not None:
            item["address"] = record.address
        self.table.transact([Put(DATA, item)])

    def get(self, app_id: str, user_id: str, purpose: CodePurpose) -> CodeRecord | None:
        item = self.table.get(DATA, Key(_user_key(app_id, user_id).pk, f"CODE#{purpose}"))
        if item is None:
            return None
        return CodeRecord(
            app_id=app_id,
            user_id=user_id,
            purpose=purpose,
            secret=item["secret"],
            address=item.get("address"),
            expires_at=int(item["expiresAt"]),
            attempts=int(item.get("attempts", 0)),
        )

    def delete(self, app_id: str, user_id: str, purpose: CodePurpose) -> None:
        self.table.transact([Delete(DATA, Key(_user_key(app_id, user_id).pk, f"CODE#{purpose}"))])


@dataclass
class RecordingNotifier:
    """Delivers nothing: keeps each notification where the app admin and the tests read it
    (``GET /api/apps/{app}/notifications``, ``karakuri notifications``). Kept 7 days."""

    table: KeyValueTable

    def send(self, notification: Notification) -> None:
        self.table.transact(
            [
                Put(
                    DATA,
                    {
                        "pk": f"APP#{notification.app_id}#OUTBOX",
                        "sk": f"{notification.sent_at:013d}#{secrets.token_hex(4)}",
                        "userID": notification.user_id,
                        "channel": notification.channel,
                        "to": notification.to,
                        "purpose": notification.purpose,
                        "code": notification.code,
                        "sentAt": notification.sent_at,
                        "ttl": notification.sent_at // 1000 + 7 * 24 * 3600,
                    },
                )
            ]
        )

    def sent(self, app_id: str) -> list[Notification]:
        return [
            Notification(
                app_id=app_id,
                user_id=i["userID"],
                channel=i["channel"],
                to=i["to"],
                purpose=i["purpose"],
                code=i["code"],
                sent_at=int(i["sentAt"]),
            )
            for i in self.table.query(DATA, f"APP#{app_id}#OUTBOX")
        ]
