"""Users, their identity claims and their pending verification/reset codes over the
key-value table port (key layout: docs/data.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, commit, delete_all, json_text, key_item, present
from chalicelib.adapters.table import (
    Absent,
    ConditionFailed,
    Delete,
    Item,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
    Write,
)
from chalicelib.domain.events import Event
from chalicelib.domain.models import CodePurpose, CodeRecord, User
from chalicelib.errors import Conflict, UserAlreadyExists


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
        "custom": json_text(user.custom),
        "createdAt": user.created_at,
        "modifiedAt": user.modified_at,
        "version": user.version,
    }
    return present(item, **{attribute: getattr(user, name) for attribute, name in _USER_FIELDS.items()})


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


def _claim_refused(kinds: Sequence[str]) -> Callable[[ConditionFailed], Exception]:
    """The identity claims follow the user's own write: a refused claim names its field."""

    def refused(failed: ConditionFailed) -> Exception:
        if 1 <= failed.index <= len(kinds):
            field = _IDENTITY_FIELD[kinds[failed.index - 1]]
            return UserAlreadyExists(f"{field} is already in use", field=field)
        return Conflict()

    return refused


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
                {**key_item(_identity_key(user.app_id, kind, identities[kind])), "userID": user.user_id},
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
        commit(self.table, writes, _claim_refused(kinds))

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
        commit(self.table, writes, _claim_refused(added))

    def delete(self, user: User, events: Sequence[Event]) -> None:
        claims = [Delete(DATA, _identity_key(user.app_id, k, v)) for k, v in user.identities().items()]
        writes: list[Write] = [
            Delete(DATA, _user_key(user.app_id, user.user_id), VersionIs(user.version)),
            *claims,
            *self.events.puts(events),
        ]
        commit(self.table, writes)
        codes = self.table.query(DATA, _user_key(user.app_id, user.user_id).pk, prefix="CODE#")
        delete_all(self.table, codes)


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
        self.table.transact([Put(DATA, present(item, address=record.address))])

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
