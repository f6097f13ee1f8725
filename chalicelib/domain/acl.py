"""Kii ACLs: actions, subjects, default entries and the permission check (pure, rules as data).

Kii's documented defaults (docs.kii.com "Bucket/KiiObject/Scope Access Control") split in two:

* rights that come with a role and cannot be revoked — the app admin; the scope's owner (the
  user of a user scope; the group's owner and members in a group scope; the thing and its
  owners in a thing scope); the creator of a bucket or object — are checked by ``allowed``;
* entries written into a new bucket's or object's ACL, which ``GET .../acl`` shows and a
  revoke removes: the app scope's entries for anonymous and any authenticated users, and the
  creator's own entries on an object.

A scope (the app, a user, a group, a thing) has an ACL too, of who may create buckets and
topics in it: Kii's defaults until someone grants or revokes, then what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.models import Principal
from chalicelib.domain.scopes import Scope
from chalicelib.errors import AclAlreadyExists, AclNotFound, InvalidInputData

BUCKET_ACTIONS = (
    "CREATE_OBJECTS_IN_BUCKET",
    "QUERY_OBJECTS_IN_BUCKET",
    "READ_OBJECTS_IN_BUCKET",
    "DROP_BUCKET_WITH_ALL_CONTENT",
)
OBJECT_ACTIONS = ("READ_EXISTING_OBJECT", "WRITE_EXISTING_OBJECT")
SCOPE_ACTIONS = ("CREATE_NEW_BUCKET", "CREATE_NEW_TOPIC")
ANONYMOUS = "UserID:ANONYMOUS_USER"
AUTHENTICATED = "UserID:ANY_AUTHENTICATED_USER"

Acl = dict[str, list[str]]  # action -> subjects ("UserID:u1", "GroupID:g1", "ThingID:t1", ...)


@dataclass(frozen=True)
class Roles:
    """What the caller is, relative to one scope: resolved by the service before a check."""

    principal: Principal
    scope_owner: bool = False  # the user of a user scope, the group owner, the thing or its owner
    scope_member: bool = False  # a member of the group of a group scope
    # The groups the caller belongs to, asked for only when an ACL names a GroupID: subject.
    groups: Callable[[], frozenset[str]] = frozenset


def parse_subject(raw: str) -> str:
    kind, sep, value = raw.partition(":")
    canonical = {"userid": "UserID", "groupid": "GroupID", "thingid": "ThingID"}.get(kind.lower())
    if not sep or canonical is None or not value:
        raise InvalidInputData(f"Unknown ACL subject {raw!r}: use UserID:, GroupID: or ThingID:")
    return f"{canonical}:{value}"


def check_action(action: str, allowed_actions: Iterable[str]) -> str:
    if action not in allowed_actions:
        raise InvalidInputData(f"Unknown ACL action {action!r} here; use one of {', '.join(allowed_actions)}")
    return action


@dataclass(frozen=True)
class ScopeAcl:
    """Who may create buckets and topics in a scope; version 0 is Kii's defaults, never stored."""

    scope: Scope
    acl: Acl
    version: int = 0


def default_scope_acl(scope: Scope) -> ScopeAcl:
    """Kii's defaults ("Scope Access Control"): any authenticated user creates buckets in the
    app scope, only the app admin topics; elsewhere the owner (and a group's members), whose
    right comes with the role (``allowed``), so their entries start empty."""
    acl: Acl = {action: [] for action in SCOPE_ACTIONS}
    if scope.kind == "app":
        acl["CREATE_NEW_BUCKET"] = [AUTHENTICATED]
    return ScopeAcl(scope, acl)


def changed(acl: Acl, action: str, subject: str, grant: bool) -> Acl:
    """The ACL with ``subject`` granted (or revoked) ``action``; Kii's 409 / 404 when it
    already is (or is not)."""
    subjects = list(acl.get(action, []))
    if grant:
        if subject in subjects:
            raise AclAlreadyExists(action=action, subject=subject)
        subjects.append(subject)
    else:
        if subject not in subjects:
            raise AclNotFound(action=action, subject=subject)
        subjects.remove(subject)
    return {**acl, action: subjects}


def entry(acl: Mapping[str, list[str]], action: str, subject: str) -> str:
    """``GET {target}/acl/{ACTION}/{Subject}``: the entry, or Kii's 404 ACL_NOT_FOUND."""
    if subject not in acl.get(action, []):
        raise AclNotFound(action=action, subject=subject)
    return subject


def read(
    acl: Mapping[str, list[str]], actions: Iterable[str], action: str | None, subject: str | None
) -> Any:
    """What ``GET {target}/acl[/{ACTION}[/{Subject}]]`` answers: the whole ACL, one action's
    subjects, or one entry (Kii's 404 ACL_NOT_FOUND when it is not there)."""
    if action is None:
        return to_json(acl)
    verb = check_action(action, actions)
    if subject is None:
        return [subject_json(s) for s in acl.get(verb, [])]
    return subject_json(entry(acl, verb, parse_subject(subject)))


def default_bucket_acl(scope: Scope, creator: Principal) -> Acl:
    acl: Acl = {action: [] for action in BUCKET_ACTIONS}
    if scope.kind == "app":
        acl["CREATE_OBJECTS_IN_BUCKET"] = [AUTHENTICATED]
        acl["QUERY_OBJECTS_IN_BUCKET"] = [AUTHENTICATED, ANONYMOUS]
        acl["READ_OBJECTS_IN_BUCKET"] = [AUTHENTICATED, ANONYMOUS]
        acl["DROP_BUCKET_WITH_ALL_CONTENT"] = [AUTHENTICATED]
    subject = subject_of(creator)
    if subject is not None:
        for action in BUCKET_ACTIONS:
            if subject not in acl[action]:
                acl[action].append(subject)
    return acl


def default_object_acl(scope: Scope, creator: Principal) -> Acl:
    acl: Acl = {action: [] for action in OBJECT_ACTIONS}
    if scope.kind == "app":
        acl["READ_EXISTING_OBJECT"] = [AUTHENTICATED, ANONYMOUS]
        acl["WRITE_EXISTING_OBJECT"] = [AUTHENTICATED]
    subject = subject_of(creator)
    if subject is not None:
        for action in OBJECT_ACTIONS:
            if subject not in acl[action]:
                acl[action].append(subject)
    return acl


def subject_of(principal: Principal) -> str | None:
    if principal.kind == "user":
        return f"UserID:{principal.id}"
    if principal.kind == "thing":
        return f"ThingID:{principal.id}"
    return None


def allowed(roles: Roles, action: str, acl: Mapping[str, list[str]]) -> bool:
    principal = roles.principal
    if principal.is_admin or roles.scope_owner:
        return True
    if roles.scope_member and action != "DROP_BUCKET_WITH_ALL_CONTENT":
        return True  # group members may do all but drop the group's buckets
    for subject in acl.get(action, []):
        if subject == ANONYMOUS:
            return True
        if subject == AUTHENTICATED and principal.is_authenticated:
            return True
        if subject == subject_of(principal):
            return True
        if subject.startswith("GroupID:") and subject[8:] in roles.groups():
            return True
    return False


def to_json(acl: Mapping[str, list[str]]) -> dict[str, Any]:
    """The ACL as Kii returns it: subjects as ``{"userID"}``, ``{"groupID"}``, ``{"thingID"}``."""
    return {action: [subject_json(s) for s in subjects] for action, subjects in acl.items()}


def subject_json(subject: str) -> dict[str, str]:
    kind, _, value = subject.partition(":")
    return {{"UserID": "userID", "GroupID": "groupID", "ThingID": "thingID"}[kind]: value}
