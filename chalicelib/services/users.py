"""Users: registration, lookup, attributes, passwords, verification and reset (use cases)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from chalicelib.domain import ids
from chalicelib.domain import users as rules
from chalicelib.domain.events import Caller, Event, Trigger, new_event, user_params
from chalicelib.domain.models import CodePurpose, CodeRecord, Notification, User
from chalicelib.domain.ports import (
    Clock,
    CodeStore,
    GroupStore,
    Notifier,
    PasswordHasher,
    ScopeContents,
    UserStore,
)
from chalicelib.domain.scopes import Scope
from chalicelib.errors import (
    InvalidInputData,
    InvalidVerificationCode,
    PhoneVerificationCodeExpired,
    PinCodeExpired,
    Unauthorized,
    UserAddressNotFound,
    UserAlreadyExists,
    UserNotFound,
    VerificationCodeNotFound,
    WrongPassword,
)
from chalicelib.services.access import require_admin, require_authenticated, require_self_or_admin
from chalicelib.services.auth import AuthService, IssuedTokens, digest, secret_matches
from chalicelib.services.listing import page_all

Address = Literal["email", "phone"]
MAX_CODE_ATTEMPTS = 5


@dataclass
class UserService:
    users: UserStore
    groups: GroupStore
    codes: CodeStore
    notifier: Notifier
    hasher: PasswordHasher
    auth: AuthService
    clock: Clock
    verification_ttl_ms: int
    reset_ttl_ms: int
    scope_contents: Sequence[ScopeContents]  # its buckets, topics and ACL

    # --- lookup -------------------------------------------------------------------------------
    def resolve(self, caller: Caller, raw_ref: str) -> User:
        """The user a path names: ``me``, a userID, or ``EMAIL:``/``PHONE:``/``LOGIN_NAME:``."""
        ref = ids.parse_user_ref(raw_ref)
        app_id = caller.app_id
        if ref.kind == "me":
            if caller.principal.kind != "user" or caller.principal.id is None:
                raise Unauthorized("'me' needs a user token")
            user = self.users.get(app_id, caller.principal.id)
            field, value = "userID", caller.principal.id
        elif ref.kind == "id":
            user = self.users.get(app_id, ref.value)
            field, value = "userID", ref.value
        else:
            user = self.users.find(app_id, ref.kind, ref.value)
            field = {"email": "emailAddress", "phone": "phoneNumber", "login_name": "loginName"}[ref.kind]
            value = ref.value
        if user is None:
            raise UserNotFound(field=field, value=value, appID=app_id)
        return user

    def get(self, caller: Caller, raw_ref: str) -> dict[str, Any]:
        require_authenticated(caller.principal)
        user = self.resolve(caller, raw_ref)
        full = caller.principal.is_admin or caller.principal.is_user(user.user_id)
        return rules.to_json(user, full)

    # --- registration -------------------------------------------------------------------------
    def register(
        self, caller: Caller, body: dict[str, Any], with_token: bool
    ) -> tuple[User, IssuedTokens | None]:
        """Anyone may register (Kii allows anonymous sign-up). A body with no identity and no
        password makes a pseudo user, which only makes sense with a token."""
        fields = self._predefined(body)
        password = rules.check_string(body, "password")
        has_identity = any(fields.get(k) for k in ("login_name", "email", "phone"))
        if has_identity and password is None:
            raise rules.invalid("password", "is required")
        if password is not None and not has_identity:
            raise rules.invalid("loginName", "a password needs a loginName, emailAddress or phoneNumber")
        custom = rules.custom_fields(body)
        # The KDF takes a good part of a second on purpose: hash first, so that _created is
        # the moment the user is written.
        password_hash = self.hasher.hash(rules.check_password(password)) if password is not None else None
        now = self.clock.now_ms()
        admin = caller.principal.is_admin
        user = User(
            app_id=caller.app_id,
            user_id=ids.new_user_id(),
            internal_user_id=ids.new_internal_user_id(),
            created_at=now,
            modified_at=now,
            custom=custom,
            password_hash=password_hash,
            phone_verified=admin and body.get("phoneNumberVerified") is True,
            email_verified=admin and body.get("emailAddressVerified") is True,
            **fields,
        )
        self.users.create(user, [new_event(caller, Trigger.USER_CREATED, user_params(user.user_id), now)])
        self._start_verifications(user)
        tokens = self.auth.issue(user.app_id, "user", user.user_id) if with_token else None
        return user, tokens

    def _predefined(self, body: dict[str, Any], current: User | None = None) -> dict[str, Any]:
        """The predefined fields present in ``body``, validated."""
        country = rules.check_string(body, "country")
        found: dict[str, Any] = {}
        if (login_name := rules.check_string(body, "loginName")) is not None:
            found["login_name"] = rules.check_login_name(login_name)
        if (display_name := rules.check_string(body, "displayName")) is not None:
            found["display_name"] = rules.check_display_name(display_name)
        if country is not None:
            found["country"] = rules.check_country(country)
        if (locale := rules.check_string(body, "locale")) is not None:
            found["locale"] = rules.check_locale(locale)
        if (email := rules.check_string(body, "emailAddress")) is not None:
            found["email"] = rules.check_email(email)
        if (phone := rules.check_string(body, "phoneNumber")) is not None:
            found["phone"] = rules.check_phone(phone, country or (current.country if current else None))
        return found

    def _start_verifications(self, user: User) -> None:
        if user.email and not user.email_verified:
            self._send_code(user, "email", user.email)
        if user.phone and not user.phone_verified:
            self._send_code(user, "phone", user.phone)

    def _send_code(self, user: User, purpose: Address, address: str) -> str:
        code = ids.new_code(6)
        self.codes.put(
            CodeRecord(
                user.app_id,
                user.user_id,
                purpose,
                code,
                address,
                self.clock.now_ms() + self.verification_ttl_ms,
            )
        )
        self.notifier.send(
            Notification(
                user.app_id,
                user.user_id,
                "EMAIL" if purpose == "email" else "SMS",
                address,
                f"{purpose}-verification",
                code,
                self.clock.now_ms(),
            )
        )
        return code

    # --- attributes -----------------------------------------------------------------------------
    def update(self, caller: Caller, raw_ref: str, body: dict[str, Any]) -> User:
        """POST /users/{u}: predefined fields not sent stay; custom fields are replaced by the
        ones sent (the JS SDK removes a custom field by leaving it out)."""
        user = self.resolve(caller, raw_ref)
        require_self_or_admin(caller.principal, user.user_id)
        changes = self._predefined(body, user)
        password = rules.check_string(body, "password")
        if password is not None:
            if user.password_hash is not None:
                raise rules.invalid("password", "change it with PUT /users/{id}/password")
            changes["password_hash"] = self.hasher.hash(rules.check_password(password))
        if "email" in changes and changes["email"] != user.email:
            changes["email_verified"] = caller.principal.is_admin and body.get("emailAddressVerified") is True
        if "phone" in changes and changes["phone"] != user.phone:
            changes["phone_verified"] = caller.principal.is_admin and body.get("phoneNumberVerified") is True
        now = self.clock.now_ms()
        updated = user.changed(now, custom=rules.custom_fields(body), **changes)
        if updated.password_hash is not None and not updated.identities():
            raise rules.invalid("loginName", "a user with a password needs an identity")
        self.users.save(
            updated, user, [new_event(caller, Trigger.USER_UPDATED, user_params(user.user_id), now)]
        )
        if updated.email != user.email and updated.email:
            self._start_verifications(replace(updated, phone=None))
        if updated.phone != user.phone and updated.phone:
            self._start_verifications(replace(updated, email=None))
        return updated

    def delete(self, caller: Caller, raw_ref: str) -> None:
        user = self.resolve(caller, raw_ref)
        require_self_or_admin(caller.principal, user.user_id)
        now = self.clock.now_ms()
        self.users.delete(user, [new_event(caller, Trigger.USER_DELETED, user_params(user.user_id), now)])
        # What belonged to the user alone goes with it: tokens, memberships, the user's scope
        # (buckets, topics, ACL) and its subscriptions; groups it owns stay
        # (docs/users-and-groups.md).
        self.auth.revoke_all(user.app_id, user.user_id)
        self.groups.forget_member(user.app_id, user.user_id)
        scope = Scope(user.app_id, "user", user.user_id)
        for contents in self.scope_contents:
            contents.drop_scope(scope)

    def set_status(self, caller: Caller, raw_ref: str, body: dict[str, Any]) -> None:
        require_admin(caller.principal)
        user = self.resolve(caller, raw_ref)
        disabled = body.get("disabled")
        if not isinstance(disabled, bool):
            raise rules.invalid("disabled", "must be true or false")
        if disabled != user.disabled:
            # Kii has no trigger for (dis)abling a user (kii-rest-api.md §3.8): no event.
            self.users.save(user.changed(self.clock.now_ms(), disabled=disabled), user, [])
        if disabled:
            self.auth.revoke_all(user.app_id, user.user_id)

    # --- passwords ------------------------------------------------------------------------------
    def change_password(self, caller: Caller, raw_ref: str, body: dict[str, Any]) -> None:
        user = self.resolve(caller, raw_ref)
        require_self_or_admin(caller.principal, user.user_id)
        new_password = rules.check_string(body, "newPassword")
        if new_password is None:
            raise rules.invalid("newPassword", "is required")
        rules.check_password(new_password)
        if not caller.principal.is_admin:
            old = rules.check_string(body, "oldPassword")
            if old is None or user.password_hash is None or not self.hasher.verify(old, user.password_hash):
                raise WrongPassword()
        self._set_password(caller, user, new_password, Trigger.USER_PASSWORD_CHANGED)
        # Every other session of the user ends; the one that changed the password goes on (the
        # SDK keeps using it).
        keep = caller.principal.token if caller.principal.is_user(user.user_id) else None
        self.auth.revoke_all(user.app_id, user.user_id, keep=keep)

    def _set_password(self, caller: Caller, user: User, password: str, trigger: Trigger) -> User:
        password_hash = self.hasher.hash(password)
        now = self.clock.now_ms()
        updated = user.changed(now, password_hash=password_hash)
        self.users.save(updated, user, [new_event(caller, trigger, user_params(user.user_id), now)])
        return updated

    def request_reset(self, caller: Caller, raw_ref: str, body: dict[str, Any]) -> None:
        """Anyone may ask for a reset; the code goes to the user's own address."""
        user = self.resolve(caller, raw_ref)
        requested = body.get("notificationMethod") or ("EMAIL" if user.email else "SMS")
        if requested not in ("EMAIL", "SMS"):
            raise rules.invalid("notificationMethod", "EMAIL or SMS")
        method: Literal["EMAIL", "SMS"] = "EMAIL" if requested == "EMAIL" else "SMS"
        address = user.email if method == "EMAIL" else user.phone
        if not address:
            raise UserAddressNotFound(f"The user has no {'e-mail address' if method == 'EMAIL' else 'phone'}")
        # The e-mail flow's code is long (it travels in a link); an SMS PIN is 8 digits and,
        # like every code here, dies after 5 wrong attempts.
        code = ids.new_code(8) if method == "SMS" else secrets.token_urlsafe(18)
        self.codes.put(
            CodeRecord(
                user.app_id,
                user.user_id,
                "reset",
                digest(code),
                address,
                self.clock.now_ms() + self.reset_ttl_ms,
            )
        )
        self.notifier.send(
            Notification(
                user.app_id, user.user_id, method, address, "password-reset", code, self.clock.now_ms()
            )
        )

    def complete_reset(self, caller: Caller, raw_ref: str, body: dict[str, Any]) -> None:
        user = self.resolve(caller, raw_ref)
        code = body.get("pinCode")
        if not isinstance(code, str) or not code:
            raise rules.invalid("pinCode", "is required")
        new_password = rules.check_string(body, "newPassword")
        if new_password is not None:
            rules.check_password(new_password)
        self._consume_code(
            user,
            "reset",
            lambda record: secret_matches(code, record.secret),
            missing=InvalidVerificationCode(),
            expired=PinCodeExpired(),
        )
        generated = new_password is None
        password = new_password if new_password is not None else secrets.token_urlsafe(9)
        self._set_password(caller, user, password, Trigger.USER_PASSWORD_RESET_COMPLETED)
        self.auth.revoke_all(user.app_id, user.user_id)
        if generated:
            address = user.email or user.phone or ""
            self.notifier.send(
                Notification(
                    user.app_id,
                    user.user_id,
                    "EMAIL" if user.email else "SMS",
                    address,
                    "new-password",
                    password,
                    self.clock.now_ms(),
                )
            )

    def _consume_code(
        self, user: User, purpose: CodePurpose, matches: Any, missing: Exception, expired: Exception
    ) -> CodeRecord:
        record = self.codes.get(user.app_id, user.user_id, purpose)
        if record is None:
            raise missing
        if record.expires_at <= self.clock.now_ms():
            self.codes.delete(user.app_id, user.user_id, purpose)
            raise expired
        if not matches(record):
            attempts = record.attempts + 1
            if attempts >= MAX_CODE_ATTEMPTS:
                self.codes.delete(user.app_id, user.user_id, purpose)
            else:
                self.codes.put(replace(record, attempts=attempts))
            raise InvalidVerificationCode()
        self.codes.delete(user.app_id, user.user_id, purpose)
        return record

    # --- addresses and verification -------------------------------------------------------------
    def verify(self, caller: Caller, raw_ref: str, kind: Address, body: dict[str, Any]) -> None:
        """The code is the proof: whoever holds it may verify (as a mailed link would)."""
        user = self.resolve(caller, raw_ref)
        code = body.get("verificationCode")
        if not isinstance(code, str) or not code:
            raise rules.invalid("verificationCode", "is required")
        expired: Exception = (
            PhoneVerificationCodeExpired()
            if kind == "phone"
            else VerificationCodeNotFound("The verification code has expired")
        )
        record = self._consume_code(
            user,
            kind,
            lambda r: secrets.compare_digest(code, r.secret),
            missing=VerificationCodeNotFound(),
            expired=expired,
        )
        now = self.clock.now_ms()
        if kind == "email":
            updated = user.changed(now, email=record.address, email_pending=None, email_verified=True)
            trigger = Trigger.USER_EMAIL_VERIFIED
        else:
            updated = user.changed(now, phone=record.address, phone_pending=None, phone_verified=True)
            trigger = Trigger.USER_PHONE_VERIFIED
        self.users.save(updated, user, [new_event(caller, trigger, user_params(user.user_id), now)])

    def resend_verification(self, caller: Caller, raw_ref: str, kind: Address) -> None:
        user = self.resolve(caller, raw_ref)
        require_self_or_admin(caller.principal, user.user_id)
        address = self._unverified_address(user, kind)
        self._send_code(user, kind, address)

    def verification_code(self, caller: Caller, raw_ref: str, kind: Address) -> str:
        require_admin(caller.principal)
        user = self.resolve(caller, raw_ref)
        record = self.codes.get(user.app_id, user.user_id, kind)
        if record is None or record.expires_at <= self.clock.now_ms():
            raise VerificationCodeNotFound()
        return record.secret

    def reset_verification_code(self, caller: Caller, raw_ref: str, kind: Address) -> str:
        require_admin(caller.principal)
        user = self.resolve(caller, raw_ref)
        return self._send_code(user, kind, self._unverified_address(user, kind))

    def _unverified_address(self, user: User, kind: Address) -> str:
        pending, current, verified = (
            (user.email_pending, user.email, user.email_verified)
            if kind == "email"
            else (user.phone_pending, user.phone, user.phone_verified)
        )
        address = pending or (current if not verified else None)
        if not address:
            raise InvalidInputData(
                f"There is no unverified {'e-mail address' if kind == 'email' else 'phone'}"
            )
        return address

    def change_address(self, caller: Caller, raw_ref: str, kind: Address, body: dict[str, Any]) -> None:
        """PUT /users/{u}/email-address | phone-number: the new address waits in
        ``_emailAddressPending``/``_phoneNumberPending`` until verified; the admin may set it
        verified at once with ``"verified": true``."""
        user = self.resolve(caller, raw_ref)
        require_self_or_admin(caller.principal, user.user_id)
        if kind == "email":
            value = rules.check_email(rules.check_string(body, "emailAddress") or "")
        else:
            value = rules.check_phone(rules.check_string(body, "phoneNumber") or "", user.country)
        other = self.users.find(user.app_id, kind, value)
        if other is not None and other.user_id != user.user_id:
            field = "emailAddress" if kind == "email" else "phoneNumber"
            raise UserAlreadyExists(f"{field} is already in use", field=field)
        now = self.clock.now_ms()
        if caller.principal.is_admin and body.get("verified") is True:
            changes: dict[str, Any] = (
                {"email": value, "email_verified": True, "email_pending": None}
                if kind == "email"
                else {"phone": value, "phone_verified": True, "phone_pending": None}
            )
            events: Sequence[Event] = [
                new_event(caller, Trigger.USER_UPDATED, user_params(user.user_id), now)
            ]
            self.users.save(user.changed(now, **changes), user, events)
            return
        pending = {"email_pending": value} if kind == "email" else {"phone_pending": value}
        updated = user.changed(now, **pending)
        self.users.save(updated, user, [])
        self._send_code(updated, kind, value)

    def query(self, caller: Caller, body: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
        """POST /users/query: the admin lists every user (services/listing.py)."""
        require_admin(caller.principal)
        users, next_key = page_all(
            body, "userQuery", lambda after: self.users.all(caller.app_id, after), lambda u: u.user_id
        )
        return [rules.to_json(u, full=True) for u in users], next_key
