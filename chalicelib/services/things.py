"""Things: registration, lookup, fields, status, owners and deletion (use cases).

Who may act on a thing: the app admin, the thing itself (thing token), and its owners — a
user owner, or a member of a group owner. Who may become an owner follows Kii's
``requirePasswordForThingOwnership`` app setting, on by default: the thing itself and the app
admin may add any owner; anyone else needs the thing's password, and a user may add only
themselves or a group they belong to. With the setting off (Kii's legacy behaviour), a user
may add themselves or their groups without the password. An owner is removed by the app
admin, the thing, or the owner itself (a user owner, or the owner of a group owner).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.events import Caller, Trigger, new_event, thing_params
from chalicelib.domain.models import Principal
from chalicelib.domain.ports import Clock, GroupStore, PasswordHasher, ScopeContents, ThingStore, UserStore
from chalicelib.domain.scopes import Scope
from chalicelib.domain.things import Owner, Thing, check_thing_password, check_vendor_thing_id, thing_fields
from chalicelib.errors import (
    AccessDenied,
    Conflict,
    GroupNotFound,
    InvalidInputData,
    ThingNotFound,
    ThingOwnershipAlreadyExists,
    ThingOwnershipNotFound,
    Unauthorized,
    UserNotFound,
    WrongPassword,
)
from chalicelib.services.access import denied_to, require_admin, require_authenticated
from chalicelib.services.auth import AuthService, IssuedTokens
from chalicelib.services.listing import page_all
from chalicelib.services.optimistic import optimistic_update


@dataclass
class ThingService:
    things: ThingStore
    users: UserStore
    groups: GroupStore
    hasher: PasswordHasher
    auth: AuthService
    clock: Clock
    scope_contents: Sequence[ScopeContents]  # its buckets, topics and ACL

    # --- lookup and access --------------------------------------------------------------------
    def resolve(self, app_id: str, raw_ref: str) -> Thing:
        prefix, sep, rest = raw_ref.partition(":")
        if sep and prefix.upper() == "VENDOR_THING_ID":
            thing = self.things.find_by_vendor_id(app_id, rest)
            if thing is None:
                raise ThingNotFound(field="vendorThingID", value=rest, appID=app_id)
            return thing
        thing = self.things.get(app_id, raw_ref)
        if thing is None:
            raise ThingNotFound(field="thingID", value=raw_ref, appID=app_id)
        return thing

    def find(self, app_id: str, thing_id: str) -> Thing | None:
        """The thing by ID, or None (no access check: for the caller's own checks)."""
        return self.things.get(app_id, thing_id)

    def find_by_vendor_id(self, app_id: str, vendor_thing_id: str) -> Thing | None:
        return self.things.find_by_vendor_id(app_id, vendor_thing_id)

    def has_owner(self, thing: Thing, owner: Owner) -> bool:
        return self.things.is_owner(thing.app_id, thing.thing_id, owner)

    def password_matches(self, thing: Thing, password: str) -> bool:
        return self.hasher.verify(password, thing.password_hash)

    def is_owned_by(self, principal: Principal, thing: Thing) -> bool:
        if principal.kind != "user" or principal.id is None:
            return False
        owners = self.things.owners(thing.app_id, thing.thing_id)
        if Owner("user", principal.id) in owners:
            return True
        return any(
            (o.kind == "group" and self.groups.is_member(thing.app_id, o.id, principal.id))
            or (o.kind == "group" and self._group_owner(thing.app_id, o.id) == principal.id)
            for o in owners
        )

    def is_member_or_owner(self, app_id: str, group_id: str, user_id: str) -> bool:
        return (
            self.groups.is_member(app_id, group_id, user_id) or self._group_owner(app_id, group_id) == user_id
        )

    def _group_owner(self, app_id: str, group_id: str) -> str | None:
        group = self.groups.get(app_id, group_id)
        return group.owner if group else None

    def has_access(self, principal: Principal, thing: Thing) -> bool:
        """The admin, the thing itself, or one of its owners."""
        if principal.is_admin or (principal.kind == "thing" and principal.id == thing.thing_id):
            return True
        return self.is_owned_by(principal, thing)

    def _require_access(self, caller: Caller, thing: Thing) -> None:
        require_authenticated(caller.principal)
        if not self.has_access(caller.principal, thing):
            raise AccessDenied(
                "Only the thing, its owners and the app admin may do this", **denied_to(caller.principal)
            )

    def _accessible(self, caller: Caller, raw_ref: str) -> Thing:
        thing = self.resolve(caller.app_id, raw_ref)
        self._require_access(caller, thing)
        return thing

    # --- registration and login -----------------------------------------------------------------
    def register(
        self, caller: Caller, body: dict[str, Any], with_token: bool
    ) -> tuple[Thing, IssuedTokens | None]:
        """Anyone may register a thing (the JS SDK sends no token)."""
        vendor_thing_id = check_vendor_thing_id(body.get("_vendorThingID"))
        password_hash = self.hasher.hash(check_thing_password(body.get("_password")))
        now = self.clock.now_ms()  # after the KDF: _created is when the thing is written
        thing = Thing(
            caller.app_id,
            ids.new_thing_id(),
            vendor_thing_id,
            password_hash,
            thing_fields(body),
            now,
            now,
        )
        self.things.create(
            thing, [new_event(caller, Trigger.THING_CREATED, thing_params(thing.thing_id), now)]
        )
        tokens = self.auth.issue(caller.app_id, "thing", thing.thing_id) if with_token else None
        return thing, tokens

    def get(self, caller: Caller, raw_ref: str) -> Thing:
        return self._accessible(caller, raw_ref)

    def update(self, caller: Caller, raw_ref: str, body: dict[str, Any]) -> Thing:
        """PATCH merges fields; the read-only ones the JS SDK echoes back are ignored."""
        changes = thing_fields(body)

        def attempt() -> Thing:
            thing = self._accessible(caller, raw_ref)
            now = self.clock.now_ms()
            updated = thing.changed(now, fields={**thing.fields, **changes})
            event = new_event(caller, Trigger.THING_FIELDS_UPDATED, thing_params(thing.thing_id), now)
            self.things.save(updated, thing, [event])
            return updated

        return optimistic_update(attempt)

    def set_presence(self, caller: Caller, thing_id: str, online: bool, at_ms: int) -> bool:
        """A device connected or disconnected at ``at_ms`` (the broker's or AWS IoT's lifecycle
        event). Such events may arrive twice or out of order: one older than the last one
        applied, or repeating the current presence, changes nothing. True when it applied."""

        def attempt() -> bool:
            thing = self.things.get(caller.app_id, thing_id)
            if thing is None:
                return False
            last = thing.online_modified_at
            if last is not None and at_ms <= last:
                return False  # older than what is known
            news = last is None or thing.online != online
            trigger = Trigger.THING_CONNECTED if online else Trigger.THING_DISCONNECTED
            events = [new_event(caller, trigger, thing_params(thing_id), at_ms)] if news else []
            changed = thing.changed(self.clock.now_ms(), online=online, online_modified_at=at_ms)
            self.things.save(changed, thing, events)  # a repeat only moves the timestamp on
            return news

        return optimistic_update(attempt)

    def set_status(self, caller: Caller, raw_ref: str, body: dict[str, Any]) -> None:
        disabled = body.get("disabled")
        if not isinstance(disabled, bool):
            raise InvalidInputData("disabled must be true or false", field="disabled")
        thing = self.resolve(caller.app_id, raw_ref)
        principal = caller.principal
        require_authenticated(principal)
        if not (principal.is_admin or self.is_owned_by(principal, thing)):
            raise AccessDenied(
                "Only the thing's owners and the app admin enable or disable it", **denied_to(principal)
            )
        if thing.disabled == disabled:
            return
        now = self.clock.now_ms()
        trigger = Trigger.THING_DISABLED if disabled else Trigger.THING_ENABLED
        self.things.save(
            thing.changed(now, disabled=disabled),
            thing,
            [new_event(caller, trigger, thing_params(thing.thing_id), now)],
        )

    def delete(self, caller: Caller, raw_ref: str) -> None:
        thing = self.resolve(caller.app_id, raw_ref)
        principal = caller.principal
        require_authenticated(principal)
        if not (principal.is_admin or self.is_owned_by(principal, thing)):
            raise AccessDenied("Only the thing's owners and the app admin delete it", **denied_to(principal))
        now = self.clock.now_ms()
        self.things.delete(
            thing, [new_event(caller, Trigger.THING_DELETED, thing_params(thing.thing_id), now)]
        )
        self.auth.revoke_all(thing.app_id, thing.thing_id)
        scope = Scope(thing.app_id, "thing", thing.thing_id)
        for contents in self.scope_contents:
            contents.drop_scope(scope)

    # --- owners ---------------------------------------------------------------------------------
    def _check_owner_exists(self, app_id: str, owner: Owner) -> None:
        if owner.kind == "user" and self.users.get(app_id, owner.id) is None:
            raise UserNotFound(field="userID", value=owner.id, appID=app_id)
        if owner.kind == "group" and self.groups.get(app_id, owner.id) is None:
            raise GroupNotFound(groupID=owner.id, appID=app_id)

    def _may_become_owner(self, principal: Principal, thing: Thing, owner: Owner) -> bool:
        if principal.kind != "user" or principal.id is None:
            return False
        if owner.kind == "user":
            return owner.id == principal.id
        return self.is_member_or_owner(thing.app_id, owner.id, principal.id)

    def _check_may_add_owner(self, caller: Caller, thing: Thing, owner: Owner, password: str | None) -> None:
        principal = caller.principal
        if not principal.is_authenticated:
            raise Unauthorized()
        if principal.is_admin or (principal.kind == "thing" and principal.id == thing.thing_id):
            return
        if password is not None and not self.password_matches(thing, password):
            raise WrongPassword("The thing password is wrong")
        if password is None and self.auth.app(caller.app_id).require_password_for_thing_ownership:
            raise AccessDenied(
                "The thing password is required to become its owner (requirePasswordForThingOwnership)",
                **denied_to(principal),
            )
        if not self._may_become_owner(principal, thing, owner):
            raise AccessDenied(
                "A user may only add themselves or their groups as owners", **denied_to(principal)
            )

    def add_owner(self, caller: Caller, raw_ref: str, raw_owner: str, password: str | None = None) -> None:
        owner = Owner.parse(raw_owner)
        thing = self.resolve(caller.app_id, raw_ref)
        self._check_may_add_owner(caller, thing, owner, password)
        self._check_owner_exists(caller.app_id, owner)
        if self.has_owner(thing, owner):
            raise ThingOwnershipAlreadyExists(owner=str(owner))
        now = self.clock.now_ms()
        trigger = Trigger.THING_USER_OWNER_ADDED if owner.kind == "user" else Trigger.THING_GROUP_OWNER_ADDED
        params = thing_params(thing.thing_id, **{"userID" if owner.kind == "user" else "groupID": owner.id})
        try:
            self.things.add_owner(thing, owner, [new_event(caller, trigger, params, now)])
        except Conflict:
            raise ThingOwnershipAlreadyExists(owner=str(owner)) from None

    def _may_remove_owner(self, principal: Principal, thing: Thing, owner: Owner) -> bool:
        if principal.is_admin or (principal.kind == "thing" and principal.id == thing.thing_id):
            return True
        if principal.kind != "user" or principal.id is None:
            return False
        if owner.kind == "user":
            return owner.id == principal.id
        return self._group_owner(thing.app_id, owner.id) == principal.id

    def remove_owner(self, caller: Caller, raw_ref: str, raw_owner: str) -> None:
        owner = Owner.parse(raw_owner)
        thing = self._accessible(caller, raw_ref)
        if not self._may_remove_owner(caller.principal, thing, owner):
            raise AccessDenied(
                "Only the app admin, the thing or the owner itself may remove an owner",
                **denied_to(caller.principal),
            )
        if not self.has_owner(thing, owner):
            raise ThingOwnershipNotFound(owner=str(owner))
        now = self.clock.now_ms()
        trigger = (
            Trigger.THING_USER_OWNER_REMOVED if owner.kind == "user" else Trigger.THING_GROUP_OWNER_REMOVED
        )
        params = thing_params(thing.thing_id, **{"userID" if owner.kind == "user" else "groupID": owner.id})
        try:
            self.things.remove_owner(thing, owner, [new_event(caller, trigger, params, now)])
        except Conflict:
            raise ThingOwnershipNotFound(owner=str(owner)) from None

    def is_owner(self, caller: Caller, raw_ref: str, raw_owner: str) -> bool:
        """Who owns a thing is told to the thing, its owners and the app admin, and to a user
        asking about themselves or a group they belong to."""
        owner = Owner.parse(raw_owner)
        thing = self.resolve(caller.app_id, raw_ref)
        principal = caller.principal
        require_authenticated(principal)
        if not (self.has_access(principal, thing) or self._may_become_owner(principal, thing, owner)):
            raise AccessDenied(
                "Only the thing, its owners, the app admin and the owner asked about may ask",
                **denied_to(principal),
            )
        return self.has_owner(thing, owner)

    def query(self, caller: Caller, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
        """POST /things/query: the admin lists every thing (services/listing.py)."""
        require_admin(caller.principal)
        things, next_key = page_all(
            body, "thingQuery", lambda after: self.things.all(caller.app_id, after), lambda t: t.thing_id
        )
        return [t.to_json() for t in things], next_key

    def owners(self, caller: Caller, raw_ref: str) -> dict[str, list[str]]:
        thing = self._accessible(caller, raw_ref)
        owners = self.things.owners(thing.app_id, thing.thing_id)
        return {
            "users": [o.id for o in owners if o.kind == "user"],
            "groups": [o.id for o in owners if o.kind == "group"],
        }
