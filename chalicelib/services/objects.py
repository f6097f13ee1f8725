"""Buckets and objects in the app, user, group and thing scopes: CRUD, queries and ACLs, and
the scopes' own ACLs (who may create buckets and topics in them) (use cases).

Every write is optimistic: it names the version it read, and the store refuses it if the
object changed meanwhile. With If-Match that refusal is Kii's 409 OBJECT_VERSION_IS_STALE;
without it, a PUT or PATCH reads again and re-applies itself, so no concurrent write is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import Any

from chalicelib.domain import acl as rules
from chalicelib.domain import ids
from chalicelib.domain.events import Caller, Trigger, new_event
from chalicelib.domain.objects import Bucket, Document, KiiObject
from chalicelib.domain.ports import Clock, GroupStore, ObjectStore, ScopeAclStore, UserStore
from chalicelib.domain.query import Query
from chalicelib.domain.scopes import Scope, check_bucket_id, check_object_id
from chalicelib.errors import (
    AccessDenied,
    BucketNotFound,
    Conflict,
    GroupNotFound,
    ObjectAlreadyExists,
    ObjectNotFound,
    ObjectVersionIsStale,
    Unauthorized,
    UserNotFound,
)
from chalicelib.services.access import denied_to
from chalicelib.services.optimistic import optimistic_update
from chalicelib.services.things import ThingService


@dataclass
class ObjectService:
    store: ObjectStore
    users: UserStore
    groups: GroupStore
    clock: Clock
    things: ThingService
    scope_acls: ScopeAclStore

    # --- scopes and roles ---------------------------------------------------------------------
    def user_scope(self, caller: Caller, user_id: str) -> Scope:
        if self.users.get(caller.app_id, user_id) is None:
            raise UserNotFound(field="userID", value=user_id, appID=caller.app_id)
        return Scope(caller.app_id, "user", user_id)

    def group_scope(self, caller: Caller, group_id: str) -> Scope:
        if self.groups.get(caller.app_id, group_id) is None:
            raise GroupNotFound(groupID=group_id, appID=caller.app_id)
        return Scope(caller.app_id, "group", group_id)

    def thing_scope(self, caller: Caller, raw_ref: str) -> Scope:
        thing = self.things.resolve(caller.app_id, raw_ref)
        return Scope(caller.app_id, "thing", thing.thing_id)

    def roles(self, caller: Caller, scope: Scope) -> rules.Roles:
        principal = caller.principal
        owner = member = False
        if scope.kind == "thing" and scope.owner_id:
            thing = self.things.find(scope.app_id, scope.owner_id)
            owner = thing is not None and self.things.has_access(principal, thing)
        elif scope.kind == "user":
            owner = principal.is_user(scope.owner_id or "")
        elif scope.kind == "group" and principal.kind == "user" and principal.id and scope.owner_id:
            group = self.groups.get(scope.app_id, scope.owner_id)
            owner = group is not None and group.owner == principal.id
            member = owner or self.groups.is_member(scope.app_id, scope.owner_id, principal.id)
        user_id = principal.id if principal.kind == "user" else None

        @cache
        def groups() -> frozenset[str]:
            if user_id is None:
                return frozenset()
            return frozenset(g.group_id for g in self.groups.groups_of_member(scope.app_id, user_id))

        return rules.Roles(principal, scope_owner=owner, scope_member=member, groups=groups)

    @staticmethod
    def _require(roles: rules.Roles, action: str, *acls: rules.Acl) -> None:
        if any(rules.allowed(roles, action, acl) for acl in acls):
            return
        if not roles.principal.is_authenticated:
            raise Unauthorized(f"{action} is not granted to anonymous users")
        raise AccessDenied(f"{action} is not granted to this principal", **denied_to(roles.principal))

    def require_in_scope(self, roles: rules.Roles, scope: Scope, action: str) -> None:
        """``CREATE_NEW_BUCKET`` or ``CREATE_NEW_TOPIC`` by the scope's ACL: for server code
        and REST alike."""
        self._require(roles, action, self._scope_acl(scope).acl)

    def _scope_acl(self, scope: Scope) -> rules.ScopeAcl:
        return self.scope_acls.get(scope) or rules.default_scope_acl(scope)

    def _bucket(self, scope: Scope, bucket_id: str) -> Bucket:
        bucket = self.store.bucket(scope, check_bucket_id(bucket_id))
        if bucket is None:
            raise BucketNotFound(bucketID=bucket_id, objectScope=scope.object_scope())
        return bucket

    def _object(self, scope: Scope, bucket_id: str, object_id: str) -> tuple[Bucket, KiiObject]:
        bucket = self.store.bucket(scope, check_bucket_id(bucket_id))
        found = self.store.get(scope, bucket_id, object_id) if bucket else None
        if bucket is None or found is None:
            raise ObjectNotFound(bucketID=bucket_id, objectID=object_id, objectScope=scope.object_scope())
        return bucket, found

    # --- objects ------------------------------------------------------------------------------
    def create(
        self,
        caller: Caller,
        scope: Scope,
        bucket_id: str,
        body: Any,
        data_type: str | None,
        object_id: str | None = None,
    ) -> KiiObject:
        document = Document.parse(body)
        roles = self.roles(caller, scope)

        def attempt() -> KiiObject:
            bucket = self.store.bucket(scope, check_bucket_id(bucket_id))
            new_bucket = None
            if bucket is None:
                self.require_in_scope(roles, scope, "CREATE_NEW_BUCKET")
                new_bucket = Bucket(
                    scope,
                    bucket_id,
                    rules.default_bucket_acl(scope, caller.principal),
                    self.clock.now_ms(),
                    rules.subject_of(caller.principal),
                )
            else:
                self._require(roles, "CREATE_OBJECTS_IN_BUCKET", bucket.acl)
            now = self.clock.now_ms()
            obj = KiiObject(
                scope,
                bucket_id,
                object_id or ids.new_object_id(),
                document.fields,
                now,
                now,
                caller.principal.id if caller.principal.kind in ("user", "thing") else None,
                rules.default_object_acl(scope, caller.principal),
                data_type,
            )
            event = new_event(caller, Trigger.DATA_OBJECT_CREATED, obj.hook_params(), now)
            try:
                self.store.put(obj, None, new_bucket, [event])
            except Conflict:
                if object_id is not None and self.store.get(scope, bucket_id, object_id) is not None:
                    raise ObjectAlreadyExists(objectID=object_id) from None
                raise  # the bucket appeared or vanished meanwhile: decide again
            return obj

        return optimistic_update(attempt)

    def get(self, caller: Caller, scope: Scope, bucket_id: str, object_id: str) -> KiiObject:
        bucket, obj = self._object(scope, bucket_id, object_id)
        roles = self.roles(caller, scope)
        if not rules.allowed(roles, "READ_OBJECTS_IN_BUCKET", bucket.acl):
            self._require(roles, "READ_EXISTING_OBJECT", obj.acl)
        return obj

    def exists(self, scope: Scope, bucket_id: str, object_id: str) -> bool:
        """Whether the object is there (no access check: for the caller's own checks)."""
        return self.store.get(scope, bucket_id, object_id) is not None

    def writable(self, caller: Caller, scope: Scope, bucket_id: str, object_id: str) -> KiiObject:
        """The object, if the caller may write it (its body, too)."""
        _, obj = self._object(scope, bucket_id, object_id)
        self._require(self.roles(caller, scope), "WRITE_EXISTING_OBJECT", obj.acl)
        return obj

    def replace(
        self,
        caller: Caller,
        scope: Scope,
        bucket_id: str,
        object_id: str,
        body: Any,
        data_type: str | None,
        if_match: int | None,
        if_none_match: bool,
    ) -> tuple[KiiObject, bool]:
        """PUT: create with this ID, or replace the whole document. Returns (object, created)."""
        check_object_id(object_id)
        document = Document.parse(body)

        def attempt() -> tuple[KiiObject, bool]:
            existing = self.store.get(scope, check_bucket_id(bucket_id), object_id)
            if existing is None:
                if if_match is not None:
                    raise ObjectNotFound(objectID=object_id, objectScope=scope.object_scope())
                try:
                    return self.create(caller, scope, bucket_id, document.fields, data_type, object_id), True
                except ObjectAlreadyExists:
                    if if_none_match:
                        raise
                    raise Conflict() from None  # created meanwhile: replace it
            if if_none_match:
                raise ObjectAlreadyExists(objectID=object_id)
            updated = self._write(
                caller,
                scope,
                existing,
                if_match,
                lambda obj: obj.changed(
                    self.clock.now_ms(), body=document.fields, data_type=data_type or obj.data_type
                ),
            )
            return updated, False

        return optimistic_update(attempt)

    def patch(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, body: Any, if_match: int | None
    ) -> KiiObject:
        """PATCH: merge top-level fields into the document; never creates."""
        fields = Document.parse(body).fields

        def attempt() -> KiiObject:
            _, existing = self._object(scope, bucket_id, object_id)
            merged = Document.parse({**existing.body, **fields}).fields
            change = partial(_with_body, now_ms=self.clock.now_ms(), body=merged)
            return self._write(caller, scope, existing, if_match, change)

        return optimistic_update(attempt)

    def _write(
        self,
        caller: Caller,
        scope: Scope,
        existing: KiiObject,
        if_match: int | None,
        change: Callable[[KiiObject], KiiObject],
    ) -> KiiObject:
        """One optimistic attempt: Conflict means "changed meanwhile, read again" (with
        If-Match, that the named version is stale)."""
        self._require(self.roles(caller, scope), "WRITE_EXISTING_OBJECT", existing.acl)
        if if_match is not None and if_match != existing.version:
            raise ObjectVersionIsStale(objectID=existing.object_id)
        updated = change(existing)
        event = new_event(caller, Trigger.DATA_OBJECT_UPDATED, updated.hook_params(), updated.modified_at)
        try:
            self.store.put(updated, existing, None, [event])
        except Conflict:
            if if_match is not None:
                raise ObjectVersionIsStale(objectID=existing.object_id) from None
            raise
        return updated

    def delete(
        self, caller: Caller, scope: Scope, bucket_id: str, object_id: str, if_match: int | None
    ) -> None:
        _, existing = self._object(scope, bucket_id, object_id)
        self._require(self.roles(caller, scope), "WRITE_EXISTING_OBJECT", existing.acl)
        if if_match is not None and if_match != existing.version:
            raise ObjectVersionIsStale(objectID=object_id)
        event = new_event(caller, Trigger.DATA_OBJECT_DELETED, existing.hook_params(), self.clock.now_ms())
        try:
            self.store.delete(existing, [event])
        except Conflict:
            raise ObjectVersionIsStale(objectID=object_id) from None

    # --- buckets --------------------------------------------------------------------------------
    def drop_bucket(self, caller: Caller, scope: Scope, bucket_id: str) -> None:
        """Kii fires no DATA_OBJECT_DELETED for the objects of a dropped bucket (INFERRED)."""
        bucket = self._bucket(scope, bucket_id)
        self._require(self.roles(caller, scope), "DROP_BUCKET_WITH_ALL_CONTENT", bucket.acl)
        self.store.drop_bucket(bucket)

    def query(self, caller: Caller, scope: Scope, bucket_id: str, body: dict[str, Any]) -> dict[str, Any]:
        query = Query.parse(body)
        bucket = self._bucket(scope, bucket_id)
        roles = self.roles(caller, scope)
        self._require(roles, "QUERY_OBJECTS_IN_BUCKET", bucket.acl)
        read_all = rules.allowed(roles, "READ_OBJECTS_IN_BUCKET", bucket.acl)

        def readable(objects: Iterable[KiiObject]) -> Iterator[dict[str, Any]]:
            for obj in objects:
                if read_all or rules.allowed(roles, "READ_EXISTING_OBJECT", obj.acl):
                    yield obj.to_json()

        if query.created_order:
            # Indexed: read the by-creation index a page at a time, only as far as this page needs.
            ordered = self.store.by_created(scope, bucket_id, query.descending, query.created_after())
            results, next_key = query.run_lazily(readable(ordered))
        else:
            # Any other order: read the bucket's partition, filter, sort (O(bucket), docs/data.md).
            results, next_key, total = query.run(list(readable(self.store.objects(scope, bucket_id))))
            if query.count_into is not None:
                return {"aggregations": {query.count_into: total}}
        reply: dict[str, Any] = {
            "queryDescription": "WHERE ( " + type(query.clause).__name__ + " )",
            "results": results,
        }
        if next_key is not None:
            reply["nextPaginationKey"] = next_key
        return reply

    # --- ACLs -----------------------------------------------------------------------------------
    def _may_change_acl(self, caller: Caller, scope: Scope, creator: str | None) -> None:
        """Kii: the app admin for app-scope buckets; the scope owner (group owner, user, thing
        owner); and, for objects, their creator."""
        roles = self.roles(caller, scope)
        principal = caller.principal
        if principal.is_admin or roles.scope_owner:
            return
        if creator is not None and rules.subject_of(principal) == creator:
            return
        if not principal.is_authenticated:
            raise Unauthorized()
        raise AccessDenied("Only the owner may change this ACL", **denied_to(principal))

    def scope_acl(self, caller: Caller, scope: Scope) -> rules.Acl:
        """Kii: read and changed by the app admin and the scope's owner (the user, the group's
        owner, the thing or its owners): the rule of bucket ACLs."""
        self._may_change_acl(caller, scope, None)
        return self._scope_acl(scope).acl

    def change_scope_acl(
        self, caller: Caller, scope: Scope, action: str, raw_subject: str, grant: bool
    ) -> None:
        rules.check_action(action, rules.SCOPE_ACTIONS)
        subject = rules.parse_subject(raw_subject)

        def attempt() -> None:
            self._may_change_acl(caller, scope, None)
            current = self._scope_acl(scope)
            acl = rules.changed(current.acl, action, subject, grant)
            self.scope_acls.save(replace(current, acl=acl, version=current.version + 1), current)

        optimistic_update(attempt)

    def bucket_acl(self, caller: Caller, scope: Scope, bucket_id: str) -> rules.Acl:
        bucket = self._bucket(scope, bucket_id)
        self._may_change_acl(caller, scope, None)
        return bucket.acl

    def object_acl(self, caller: Caller, scope: Scope, bucket_id: str, object_id: str) -> rules.Acl:
        _, obj = self._object(scope, bucket_id, object_id)
        self._may_change_acl(caller, scope, f"UserID:{obj.owner}" if obj.owner else None)
        return obj.acl

    def change_bucket_acl(
        self, caller: Caller, scope: Scope, bucket_id: str, action: str, raw_subject: str, grant: bool
    ) -> None:
        rules.check_action(action, rules.BUCKET_ACTIONS)
        subject = rules.parse_subject(raw_subject)

        def attempt() -> None:
            bucket = self._bucket(scope, bucket_id)
            self._may_change_acl(caller, scope, None)
            acl = rules.changed(bucket.acl, action, subject, grant)
            self.store.save_bucket(replace(bucket, acl=acl, version=bucket.version + 1), bucket)

        optimistic_update(attempt)

    def change_object_acl(
        self,
        caller: Caller,
        scope: Scope,
        bucket_id: str,
        object_id: str,
        action: str,
        raw_subject: str,
        grant: bool,
    ) -> None:
        rules.check_action(action, rules.OBJECT_ACTIONS)
        subject = rules.parse_subject(raw_subject)

        def attempt() -> None:
            _, obj = self._object(scope, bucket_id, object_id)
            self._may_change_acl(caller, scope, f"UserID:{obj.owner}" if obj.owner else None)
            # An ACL change is not a DATA_OBJECT_UPDATED: the document did not change.
            updated = replace(
                obj, acl=rules.changed(obj.acl, action, subject, grant), version=obj.version + 1
            )
            self.store.put(updated, obj, None, [])

        optimistic_update(attempt)


def _with_body(obj: KiiObject, now_ms: int, body: dict[str, Any]) -> KiiObject:
    return obj.changed(now_ms, body=body)
