"""Kii's user rules: field validation, custom fields, and the user JSON clients read (pure)."""

from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.domain.models import User
from chalicelib.domain.values import check_json
from chalicelib.errors import InvalidInputData

LOGIN_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{3,64}$")
PASSWORD = re.compile(r"^[\x20-\x7E]{4,50}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_E164 = re.compile(r"^\+[0-9]{6,15}$")
PHONE_LOCAL = re.compile(r"^[0-9\-]{4,20}$")
MAX_CUSTOM_BYTES = 63 * 1024

# Predefined fields: everything else in a body is a custom field. Keys clients echo back that
# the server owns (internalUserID, _hasPassword, ...) are read-only and ignored on write.
PREDEFINED = {
    "loginName",
    "displayName",
    "country",
    "locale",
    "emailAddress",
    "phoneNumber",
    "password",
    "phoneNumberVerified",
    "emailAddressVerified",
}
READ_ONLY = {"userID", "internalUserID", "created", "createdAt", "modified", "modifiedAt"}


def invalid(field: str, message: str) -> InvalidInputData:
    return InvalidInputData(f"{field}: {message}", field=field)


def check_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(name, "must be a string")
    return value


def check_login_name(value: str) -> str:
    if not LOGIN_NAME.match(value):
        raise invalid("loginName", "3 to 64 characters of letters, digits, '-', '_' and '.'")
    return value


def check_password(value: str) -> str:
    if not PASSWORD.match(value):
        raise invalid("password", "4 to 50 printable ASCII characters")
    return value


def check_display_name(value: str) -> str:
    if not 1 <= len(value) <= 50:
        raise invalid("displayName", "1 to 50 characters")
    return value


def check_country(value: str) -> str:
    if not COUNTRY.match(value):
        raise invalid("country", "an ISO 3166-1 alpha-2 code in upper case")
    return value


def check_locale(value: str) -> str:
    if not 1 <= len(value) <= 20:
        raise invalid("locale", "1 to 20 characters")
    return value


def check_email(value: str) -> str:
    if len(value) > 254 or not EMAIL.match(value):
        raise invalid("emailAddress", "not a valid e-mail address")
    return value


def check_phone(value: str, country: str | None) -> str:
    if PHONE_E164.match(value):
        return value
    if PHONE_LOCAL.match(value) and country:
        return value
    raise invalid("phoneNumber", "use +E.164, or a local number together with country")


def custom_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Custom fields are the keys that are neither predefined nor reserved; keys starting with
    ``_`` are ignored, as Kii does."""
    check_json(body, "The user")
    custom = {
        k: v for k, v in body.items() if k not in PREDEFINED and k not in READ_ONLY and not k.startswith("_")
    }
    if len(json.dumps(custom, separators=(",", ":")).encode()) > MAX_CUSTOM_BYTES:
        raise InvalidInputData("custom fields exceed 63 KB")
    return custom


def to_json(user: User, full: bool) -> dict[str, Any]:
    """The user as Kii returns it: everything to the user and the admin, only the public
    identity to other users (Kii's default without ``exposeFullUserDataToOthers``)."""
    if not full:
        return _without_none(
            {"userID": user.user_id, "loginName": user.login_name, "displayName": user.display_name}
        )
    body: dict[str, Any] = {
        **user.custom,
        "userID": user.user_id,
        "internalUserID": user.internal_user_id,
        "loginName": user.login_name,
        "displayName": user.display_name,
        "country": user.country,
        "locale": user.locale,
        "emailAddress": user.email,
        "emailAddressVerified": user.email_verified if user.email else None,
        "phoneNumber": user.phone,
        "phoneNumberVerified": user.phone_verified if user.phone else None,
        "_emailAddressPending": user.email_pending,
        "_phoneNumberPending": user.phone_pending,
        "_hasPassword": user.password_hash is not None,
        "_disabled": user.disabled,
        "_created": user.created_at,
        "_modified": user.modified_at,
    }
    return _without_none(body)


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
