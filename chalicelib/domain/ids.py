"""Kii identifiers: generation, patterns, qualified path IDs and kiicloud:// URIs (pure)."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import unquote

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"

USER_ID_PATTERN = re.compile(r"^[a-z0-9]{12}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{8}$")
# Client-chosen group IDs (PUT /groups/{id}); the JS SDK checks the same pattern.
GROUP_ID_PATTERN = re.compile(r"^[a-z0-9\-_.]{1,30}$")
APP_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{1,64}$")


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def new_user_id() -> str:
    """A userID in Kii's shape: 12-4-4-4-8 lower-case alphanumerics."""
    return "-".join(_random(n) for n in (12, 4, 4, 4, 8))


def new_thing_id() -> str:
    return "th." + new_user_id()


def new_group_id() -> str:
    return _random(25)


def new_object_id() -> str:
    return str(uuid.uuid4())


def new_code_version_id() -> str:
    return _random(20)


def new_app_id() -> str:
    return secrets.token_hex(4)


def new_secret(nbytes: int) -> str:
    return secrets.token_hex(nbytes)


def new_internal_user_id() -> int:
    # Kii's internalUserID is a long; JavaScript clients keep it exact below 2**53.
    return secrets.randbelow(2**53 - 1) + 1


def _time_ordered(now_ms: int | None) -> str:
    """Time-ordered, unique: 13 digits of epoch ms then 16 random characters (a partition
    sorted by such IDs is in creation order)."""
    ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return f"{ms:013d}-{_random(16)}"


def new_event_id(now_ms: int | None = None) -> str:
    return _time_ordered(now_ms)


def new_execution_id(now_ms: int | None = None) -> str:
    return _time_ordered(now_ms)


def new_command_id(now_ms: int) -> str:
    """Thing-IF command IDs: a thing's commands list newest first by ID."""
    return _time_ordered(now_ms)


def new_trigger_id(now_ms: int) -> str:
    return _time_ordered(now_ms)


def new_code(digits: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


@dataclass(frozen=True)
class UserRef:
    """How a path names a user: ``me``, a userID, or ``EMAIL:``/``PHONE:``/``LOGIN_NAME:``."""

    kind: str  # "me" | "id" | "email" | "phone" | "login_name"
    value: str


_QUALIFIERS = {"EMAIL": "email", "PHONE": "phone", "LOGIN_NAME": "login_name"}


def parse_user_ref(raw: str) -> UserRef:
    text = unquote(raw)
    if text == "me":
        return UserRef("me", "me")
    prefix, sep, rest = text.partition(":")
    if sep and prefix.upper() in _QUALIFIERS:
        return UserRef(_QUALIFIERS[prefix.upper()], rest)
    return UserRef("id", text)


def user_uri(user_id: str) -> str:
    return f"kiicloud://users/{user_id}"


def group_uri(group_id: str) -> str:
    return f"kiicloud://groups/{group_id}"


def new_task_id(now_ms: int) -> str:
    """Scheduled task IDs: an app's tasks list in creation order by ID."""
    return _time_ordered(now_ms)
