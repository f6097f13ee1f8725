"""OAuth2 token grants and request authentication.

Tokens are 256-bit random strings. Only their SHA-256 digest is stored, so a leaked table
does not leak usable tokens; they expire (access: 30 days, refresh: 180 days by default).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from chalicelib.domain.models import App, Principal, PrincipalKind, TokenRecord, User
from chalicelib.domain.ports import AppStore, Clock, PasswordHasher, ThingStore, TokenStore, UserStore
from chalicelib.domain.things import Thing
from chalicelib.errors import (
    AppNotFound,
    Conflict,
    OAuthInvalidGrant,
    OAuthInvalidRequest,
    ThingDisabled,
    UserDisabled,
    WrongRefreshToken,
    WrongToken,
)

R = TypeVar("R", User, Thing)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), expected_digest)


@dataclass(frozen=True)
class IssuedTokens:
    principal_id: str | None
    access_token: str
    expires_in: int
    refresh_token: str | None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if self.principal_id is not None:
            body["id"] = self.principal_id
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body


@dataclass
class AuthService:
    apps: AppStore
    users: UserStore
    tokens: TokenStore
    hasher: PasswordHasher
    clock: Clock
    access_ttl_ms: int
    refresh_ttl_ms: int
    things: ThingStore | None = None
    _decoy: str | None = field(default=None, init=False, repr=False)

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._decoy

    # --- apps -----------------------------------------------------------------------------------
    def app(self, app_id: str) -> App:
        app = self.apps.get(app_id)
        if app is None:
            raise AppNotFound(appID=app_id)
        return app

    def app_for_client(self, client_id: object) -> App:
        """A token request to /api/oauth2/token without X-Kii-AppID names its app by client ID."""
        app = self.apps.get_by_client_id(client_id) if isinstance(client_id, str) else None
        if app is None:
            raise AppNotFound("Name the app with X-Kii-AppID or /api/apps/{appID}/oauth2/token")
        return app

    # --- issuing ------------------------------------------------------------------------------
    def issue(
        self,
        app_id: str,
        kind: PrincipalKind,
        principal_id: str | None,
        expires_at: int | None = None,
        with_refresh: bool = True,
    ) -> IssuedTokens:
        now = self.clock.now_ms()
        access_expiry = now + self.access_ttl_ms
        if expires_at is not None and now < expires_at < access_expiry:
            access_expiry = expires_at
        access = secrets.token_urlsafe(32)
        self.tokens.put(TokenRecord(digest(access), "access", app_id, kind, principal_id, now, access_expiry))
        refresh = None
        if with_refresh:
            refresh = secrets.token_urlsafe(32)
            self.tokens.put(
                TokenRecord(
                    digest(refresh), "refresh", app_id, kind, principal_id, now, now + self.refresh_ttl_ms
                )
            )
        return IssuedTokens(principal_id, access, (access_expiry - now) // 1000, refresh)

    def grant(self, app: App, body: dict[str, Any]) -> IssuedTokens:
        """One token request; ``grant_type`` is optional (the JS SDK sends none) and inferred
        from the fields present, as kii-rest-api.md §2.2 describes."""
        grant_type = body.get("grant_type") or _infer_grant(body)
        if grant_type == "password":
            return self._password_grant(app, body)
        if grant_type == "client_credentials":
            return self._client_grant(app, body)
        if grant_type == "refresh_token":
            return self._refresh_grant(app, body)
        raise OAuthInvalidRequest(f"unsupported grant_type: {grant_type}")

    def _password_grant(self, app: App, body: dict[str, Any]) -> IssuedTokens:
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise OAuthInvalidRequest("username and password are required")
        kind, value = login_identity(username)
        if kind is None:
            return self._thing_login(app, value, password, body)
        user = self.users.find(app.app_id, kind, value)
        if user is None or user.password_hash is None:
            # Spend the same KDF time as a real check, so timing does not tell which users exist.
            self.hasher.verify(password, self._decoy_hash())
            raise OAuthInvalidGrant()
        if not self.hasher.verify(password, user.password_hash):
            raise OAuthInvalidGrant()
        if user.disabled:
            raise UserDisabled()
        if self.hasher.needs_rehash(user.password_hash):
            self._rehash(user, password)
        return self.issue(app.app_id, "user", user.user_id, _expires_at(body))

    def _rehash(self, user: User, password: str) -> None:
        """A hash made at an older cost is replaced at the next login, when the password is
        known; a concurrent change of the user wins (the next login tries again)."""
        with suppress(Conflict):
            self.users.save(_rehashed(user, self.hasher.hash(password)), user, [])

    def _thing_login(
        self, app: App, vendor_thing_id: str, password: str, body: dict[str, Any]
    ) -> IssuedTokens:
        """``VENDOR_THING_ID:{vid}`` logs a thing in with its password."""
        thing = self.things.find_by_vendor_id(app.app_id, vendor_thing_id) if self.things else None
        if thing is None:
            self.hasher.verify(password, self._decoy_hash())
            raise OAuthInvalidGrant("The thing was not found or a wrong password was provided")
        if not self.hasher.verify(password, thing.password_hash):
            raise OAuthInvalidGrant("The thing was not found or a wrong password was provided")
        if thing.disabled:
            raise ThingDisabled()
        if self.hasher.needs_rehash(thing.password_hash) and self.things is not None:
            with suppress(Conflict):
                self.things.save(_rehashed(thing, self.hasher.hash(password)), thing, [])
        return self.issue(app.app_id, "thing", thing.thing_id, _expires_at(body))

    def _client_grant(self, app: App, body: dict[str, Any]) -> IssuedTokens:
        client_id, client_secret = body.get("client_id"), body.get("client_secret")
        if not isinstance(client_id, str):
            raise OAuthInvalidRequest("client_id is required")
        if client_id == app.app_id:
            # Anonymous token: Kii clients send the appKey, ebisu sends "dummy"; the secret
            # is not checked (kii-rest-api.md §1.4).
            return self.issue(app.app_id, "anonymous", None, _expires_at(body), with_refresh=False)
        if (
            client_id == app.client_id
            and isinstance(client_secret, str)
            and secret_matches(client_secret, app.client_secret_hash)
        ):
            return self.issue(app.app_id, "admin", app.client_id, _expires_at(body))
        raise OAuthInvalidGrant("The client credentials are not valid")

    def _refresh_grant(self, app: App, body: dict[str, Any]) -> IssuedTokens:
        token = body.get("refresh_token")
        if not isinstance(token, str):
            raise OAuthInvalidRequest("refresh_token is required")
        record = self.tokens.get(digest(token))
        if (
            record is None
            or record.kind != "refresh"
            or record.app_id != app.app_id
            or record.expires_at <= self.clock.now_ms()
        ):
            raise WrongRefreshToken()
        self._require_active(app.app_id, record.principal_kind, record.principal_id, WrongRefreshToken())
        self.tokens.delete(record.digest)  # refresh tokens are single-use: rotate
        return self.issue(
            app.app_id,
            record.principal_kind,
            record.principal_id,
            _expires_at(body) or _int(body.get("expires_at")),
        )

    # --- authenticating -----------------------------------------------------------------------
    def authenticate(self, app_id: str, authorization: str | None) -> Principal:
        """The principal behind an ``Authorization`` header for a request to ``app_id``."""
        if not authorization:
            return Principal("anonymous", app_id)
        scheme, _, credentials = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            # Basic base64(appID:anything) means "anonymous for that app" (kii-rest-api.md §1.2).
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError) as error:
                raise WrongToken("The Basic credentials are malformed") from error
            if decoded.partition(":")[0] != app_id:
                raise WrongToken("The Basic credentials name another app")
            return Principal("anonymous", app_id)
        if scheme != "bearer" or not credentials.strip():
            raise WrongToken("Unsupported authorization scheme")
        token = credentials.strip()
        record = self.tokens.get(digest(token))
        if (
            record is None
            or record.kind != "access"
            or record.app_id != app_id
            or record.expires_at <= self.clock.now_ms()
        ):
            raise WrongToken(appID=app_id)
        self._require_active(app_id, record.principal_kind, record.principal_id, WrongToken(appID=app_id))
        return Principal(record.principal_kind, app_id, record.principal_id, token)

    def reference(self, token: str) -> str:
        """How a stored record names a token without holding it: its digest."""
        return digest(token)

    def by_reference(self, app_id: str, reference: str) -> Principal | None:
        """The principal behind a token named by ``reference``, while that token is valid, with
        a fresh token that lives only in the caller's memory (server code's
        ``context.getAccessToken()``); None once the token expired or was revoked."""
        record = self.tokens.get(reference)
        if (
            record is None
            or record.kind != "access"
            or record.app_id != app_id
            or record.expires_at <= self.clock.now_ms()
        ):
            return None
        try:
            self._require_active(app_id, record.principal_kind, record.principal_id, WrongToken())
        except (WrongToken, UserDisabled, ThingDisabled):
            return None
        return Principal(record.principal_kind, app_id, record.principal_id, secrets.token_urlsafe(32))

    def _require_active(self, app_id: str, kind: str, principal_id: str | None, gone: Exception) -> None:
        """A token's user or thing must still exist and be enabled."""
        if principal_id is None:
            return
        if kind == "user":
            user = self.users.get(app_id, principal_id)
            if user is None:
                raise gone
            if user.disabled:
                raise UserDisabled()
        elif kind == "thing":
            thing = self.things.get(app_id, principal_id) if self.things else None
            if thing is None:
                raise gone
            if thing.disabled:
                raise ThingDisabled()

    def revoke(self, token: str) -> None:
        """Ends one access token (a token issued for a single call, once the call is over)."""
        self.tokens.delete(digest(token))

    def revoke_all(self, app_id: str, principal_id: str, keep: str | None = None) -> None:
        """Revokes every access and refresh token of the principal but ``keep`` (a token)."""
        self.tokens.delete_for_principal(app_id, principal_id, digest(keep) if keep else None)


def login_identity(username: str) -> tuple[str | None, str]:
    """Which identity a login username names: ``EMAIL:``/``PHONE:``/``LOGIN_NAME:`` prefixes,
    else an address containing ``@`` is an e-mail, a leading ``+`` a phone, the rest a
    login name. ``VENDOR_THING_ID:`` names a thing (no user identity)."""
    prefix, sep, rest = username.partition(":")
    if sep:
        qualified = {"EMAIL": "email", "PHONE": "phone", "LOGIN_NAME": "login_name"}
        if prefix.upper() in qualified:
            return qualified[prefix.upper()], rest
        if prefix.upper() == "VENDOR_THING_ID":
            return None, rest
    if "@" in username:
        return "email", username
    if username.startswith("+"):
        return "phone", username
    return "login_name", username


def _rehashed(entity: R, password_hash: str) -> R:
    """The same user or thing with a new hash of the same password: not a modification Kii
    shows (``_modified`` stays), but a new version for optimistic locking."""
    return replace(entity, password_hash=password_hash, version=entity.version + 1)


def _infer_grant(body: dict[str, Any]) -> str:
    if "refresh_token" in body:
        return "refresh_token"
    if "username" in body or "password" in body:
        return "password"
    if "client_id" in body:
        return "client_credentials"
    return "unknown"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _expires_at(body: dict[str, Any]) -> int | None:
    return _int(body.get("expiresAt"))
