"""Groups: creation with members, owner, name, membership and a user's groups (use cases).

Scope rules: the owner and the app admin change a group; its members (the owner is one)
read it and its member list; a member may leave; nobody else sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.events import (
    Caller,
    Event,
    Trigger,
    group_members_params,
    group_params,
    new_event,
)
from chalicelib.domain.models import Group, Principal
from chalicelib.domain.ports import Clock, GroupStore, ScopeContents, UserStore
from chalicelib.domain.scopes import Scope
from chalicelib.errors import (
    AccessDenied,
    GroupNotFound,
    InvalidInputData,
    OperationNotAllowed,
    UserNotFound,
)
from chalicelib.services.access import denied_to, require_authenticated

MAX_NAME = 190
# One transaction holds the group, its memberships and two events (DynamoDB: 100 items).
MAX_INITIAL_MEMBERS = 90


def group_json(group: Group) -> dict[str, Any]:
    return {
        "groupID": group.group_id,
        "name": group.name,
        "owner": group.owner,
        "createdAt": group.created_at,
        "modifiedAt": group.modified_at,
    }


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_NAME:
        raise InvalidInputData(f"name: 1 to {MAX_NAME} characters", field="name")
    return name


@dataclass
class GroupService:
    groups: GroupStore
    users: UserStore
    clock: Clock
    scope_contents: Sequence[ScopeContents]  # its buckets, topics and ACL

    def _group(self, app_id: str, group_id: str) -> Group:
        group = self.groups.get(app_id, group_id)
        if group is None:
            raise GroupNotFound(groupID=group_id, appID=app_id)
        return group

    def _require_owner(self, principal: Principal, group: Group) -> None:
        require_authenticated(principal)
        if not (principal.is_admin or principal.is_user(group.owner)):
            raise AccessDenied("Only the group owner may do this", **denied_to(principal))

    def _require_member(self, principal: Principal, group: Group) -> None:
        require_authenticated(principal)
        if principal.is_admin or principal.is_user(group.owner):
            return
        if (
            principal.kind == "user"
            and principal.id
            and self.groups.is_member(group.app_id, group.group_id, principal.id)
        ):
            return
        raise AccessDenied("Only members of the group may do this", **denied_to(principal))

    def _require_user(self, app_id: str, user_id: str) -> None:
        if self.users.get(app_id, user_id) is None:
            raise UserNotFound(field="userID", value=user_id, appID=app_id)

    # --- create -------------------------------------------------------------------------------
    def create(
        self, caller: Caller, body: dict[str, Any], group_id: str | None = None
    ) -> tuple[Group, list[str]]:
        principal = caller.principal
        require_authenticated(principal)
        if principal.kind not in ("user", "admin"):
            raise AccessDenied("Only users and the app admin create groups", **denied_to(principal))
        if group_id is not None and not ids.GROUP_ID_PATTERN.match(group_id):
            raise InvalidInputData("groupID: 1 to 30 of a-z, 0-9, '-', '_' and '.'", field="groupID")
        name = check_name(body.get("name"))
        owner = body.get("owner", principal.id if principal.kind == "user" else None)
        if not isinstance(owner, str) or not owner:
            raise InvalidInputData("owner: a userID is required", field="owner")
        if principal.kind == "user" and owner != principal.id:
            raise AccessDenied("A user may only create groups they own", **denied_to(principal))
        self._require_user(caller.app_id, owner)
        requested = body.get("members", [])
        if not isinstance(requested, list) or not all(isinstance(m, str) for m in requested):
            raise InvalidInputData("members: a list of userIDs", field="members")
        if len(set(requested)) > MAX_INITIAL_MEMBERS:
            raise InvalidInputData(
                f"members: at most {MAX_INITIAL_MEMBERS} at creation; add the rest one by one"
            )
        unique = list(dict.fromkeys(m for m in requested if m != owner))
        found = [m for m in unique if self.users.get(caller.app_id, m) is not None]
        not_found = [m for m in unique if m not in found]
        now = self.clock.now_ms()
        group = Group(caller.app_id, group_id or ids.new_group_id(), name, owner, now, now)
        events: list[Event] = [new_event(caller, Trigger.GROUP_CREATED, group_params(group.group_id), now)]
        if found:
            # INFERRED (kii-rest-api.md §4.1): members given at creation also fire GROUP_MEMBERS_ADDED.
            events.append(
                new_event(
                    caller,
                    Trigger.GROUP_MEMBERS_ADDED,
                    group_members_params(group.group_id, found, not_found),
                    now,
                )
            )
        self.groups.create(group, [owner, *found], events)
        return group, not_found

    # --- read ---------------------------------------------------------------------------------
    def get(self, caller: Caller, group_id: str) -> Group:
        group = self._group(caller.app_id, group_id)
        self._require_member(caller.principal, group)
        return group

    def members(self, caller: Caller, group_id: str) -> list[str]:
        group = self.get(caller, group_id)
        return self.groups.members(group.app_id, group.group_id)

    def of_user(self, caller: Caller, query: dict[str, str]) -> list[Group]:
        """GET /groups?owner={u} or ?is_member={u}: a user lists only their own groups."""
        principal = caller.principal
        require_authenticated(principal)
        owner, member = query.get("owner"), query.get("is_member")
        user_id = owner or member
        if not user_id:
            raise InvalidInputData("Give owner={userID} or is_member={userID}")
        if not (principal.is_admin or principal.is_user(user_id)):
            raise AccessDenied("A user may only list their own groups", **denied_to(principal))
        if owner:
            return self.groups.groups_owned_by(caller.app_id, owner)
        return self.groups.groups_of_member(caller.app_id, user_id)

    # --- change -------------------------------------------------------------------------------
    def rename(self, caller: Caller, group_id: str, name: object) -> None:
        group = self._group(caller.app_id, group_id)
        self._require_owner(caller.principal, group)
        self.groups.save(group.changed(self.clock.now_ms(), name=check_name(name)), group, [])

    def change_owner(self, caller: Caller, group_id: str, body: dict[str, Any]) -> None:
        group = self._group(caller.app_id, group_id)
        self._require_owner(caller.principal, group)
        owner = body.get("owner")
        if not isinstance(owner, str) or not owner:
            raise InvalidInputData("owner: a userID is required", field="owner")
        self._require_user(group.app_id, owner)
        if not self.groups.is_member(group.app_id, group.group_id, owner):
            # The owner is always a member; membership changes fire their hook.
            self.add_member(caller, group_id, owner)
        self.groups.save(group.changed(self.clock.now_ms(), owner=owner), group, [])

    def delete(self, caller: Caller, group_id: str) -> None:
        group = self._group(caller.app_id, group_id)
        self._require_owner(caller.principal, group)
        now = self.clock.now_ms()
        self.groups.delete(group, [new_event(caller, Trigger.GROUP_DELETED, group_params(group_id), now)])
        scope = Scope(group.app_id, "group", group_id)
        for contents in self.scope_contents:
            contents.drop_scope(scope)

    def add_member(self, caller: Caller, group_id: str, user_id: str) -> bool:
        """Returns False when the user already was a member (nothing changes, no event)."""
        group = self._group(caller.app_id, group_id)
        self._require_owner(caller.principal, group)
        self._require_user(group.app_id, user_id)
        if self.groups.is_member(group.app_id, group_id, user_id):
            return False
        now = self.clock.now_ms()
        event = new_event(
            caller, Trigger.GROUP_MEMBERS_ADDED, group_members_params(group_id, [user_id], []), now
        )
        self.groups.add_members(group, [user_id], [event])
        return True

    def remove_member(self, caller: Caller, group_id: str, user_id: str) -> None:
        group = self._group(caller.app_id, group_id)
        if not caller.principal.is_user(user_id):  # a member may leave on their own
            self._require_owner(caller.principal, group)
        if not self.groups.is_member(group.app_id, group_id, user_id):
            raise UserNotFound(
                "The user is not a member of the group", field="userID", value=user_id, appID=group.app_id
            )
        if user_id == group.owner:
            raise OperationNotAllowed("The owner cannot leave the group; change the owner first")
        now = self.clock.now_ms()
        event = new_event(
            caller, Trigger.GROUP_MEMBERS_REMOVED, group_members_params(group_id, [user_id], []), now
        )
        self.groups.remove_members(group, [user_id], [event])
