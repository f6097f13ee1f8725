"""Kii entities as plain data: apps, principals, users, groups, tokens and codes (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

PrincipalKind = Literal["anonymous", "user", "admin", "thing"]


@dataclass(frozen=True)
class App:
    app_id: str
    app_key: str
    client_id: str
    client_secret_hash: str
    name: str
    created_at: int
    # Kii's app setting: becoming a thing's owner needs the thing's password (unless the
    # thing itself or the app admin adds the owner). On by default: the safe side.
    require_password_for_thing_ownership: bool = True


@dataclass(frozen=True)
class Principal:
    """Who makes a request. ``token`` is the bearer token of this request only: it is handed
    to server code as ``context.getAccessToken()`` and is never stored, logged or evented."""

    kind: PrincipalKind
    app_id: str
    id: str | None = None
    token: str | None = field(default=None, repr=False, compare=False)

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    def is_user(self, user_id: str) -> bool:
        return self.kind == "user" and self.id == user_id


@dataclass(frozen=True)
class User:
    app_id: str
    user_id: str
    internal_user_id: int
    created_at: int
    modified_at: int
    login_name: str | None = None
    display_name: str | None = None
    country: str | None = None
    locale: str | None = None
    email: str | None = None
    email_verified: bool = False
    email_pending: str | None = None
    phone: str | None = None
    phone_verified: bool = False
    phone_pending: str | None = None
    password_hash: str | None = field(default=None, repr=False)
    disabled: bool = False
    custom: dict[str, Any] = field(default_factory=dict)
    version: int = 1

    def identities(self) -> dict[str, str]:
        """The unique identities this user holds (kind -> normalised value)."""
        found: dict[str, str] = {}
        if self.login_name:
            found["login_name"] = self.login_name.lower()
        if self.email:
            found["email"] = self.email.lower()
        if self.phone:
            found["phone"] = self.phone
        return found

    def changed(self, now_ms: int, **changes: Any) -> User:
        return replace(self, modified_at=now_ms, version=self.version + 1, **changes)


@dataclass(frozen=True)
class Group:
    app_id: str
    group_id: str
    name: str
    owner: str
    created_at: int
    modified_at: int
    version: int = 1

    def changed(self, now_ms: int, **changes: Any) -> Group:
        return replace(self, modified_at=now_ms, version=self.version + 1, **changes)


TokenKind = Literal["access", "refresh"]


@dataclass(frozen=True)
class TokenRecord:
    """A token as stored: only its SHA-256 digest, never the token itself."""

    digest: str
    kind: TokenKind
    app_id: str
    principal_kind: PrincipalKind
    principal_id: str | None
    issued_at: int
    expires_at: int


CodePurpose = Literal["email", "phone", "reset"]


@dataclass(frozen=True)
class CodeRecord:
    """A pending verification or password-reset code for one user."""

    app_id: str
    user_id: str
    purpose: CodePurpose
    secret: str  # verification codes as issued; reset codes as a digest
    address: str | None
    expires_at: int
    attempts: int = 0


@dataclass(frozen=True)
class Notification:
    """A message the notifier port delivers (e-mail or SMS)."""

    app_id: str
    user_id: str
    channel: Literal["EMAIL", "SMS"]
    to: str
    purpose: str
    code: str
    sent_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "userID": self.user_id,
            "channel": self.channel,
            "to": self.to,
            "purpose": self.purpose,
            "code": self.code,
            "sentAt": self.sent_at,
        }
