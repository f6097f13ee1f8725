"""Push installations: create, read, list, delete (use cases).

An installation belongs to the user or thing whose token created it; the app admin names
the owner with ``userID`` or ``thingID``. Only the owner and the admin see or delete it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.events import Caller, Trigger, new_event
from chalicelib.domain.installations import Installation, OwnerKind, check_device_type, development_flag
from chalicelib.domain.ports import Clock, InstallationStore, ThingStore, UserStore
from chalicelib.errors import (
    AccessDenied,
    InstallationNotFound,
    InvalidInputData,
    ThingNotFound,
    UserNotFound,
)
from chalicelib.services.access import denied_to, require_authenticated


@dataclass
class InstallationService:
    installations: InstallationStore
    users: UserStore
    things: ThingStore
    clock: Clock

    def _owner(self, caller: Caller, body: dict[str, Any]) -> tuple[OwnerKind, str]:
        principal = caller.principal
        require_authenticated(principal)
        if principal.kind in ("user", "thing") and principal.id:
            return ("user" if principal.kind == "user" else "thing"), principal.id
        user_id, thing_id = body.get("userID"), body.get("thingID")
        if isinstance(user_id, str) and user_id:
            if self.users.get(caller.app_id, user_id) is None:
                raise UserNotFound(field="userID", value=user_id, appID=caller.app_id)
            return "user", user_id
        if isinstance(thing_id, str) and thing_id:
            if self.things.get(caller.app_id, thing_id) is None:
                raise ThingNotFound(field="thingID", value=thing_id, appID=caller.app_id)
            return "thing", thing_id
        raise InvalidInputData("The app admin names the installation's userID or thingID")

    def create(self, caller: Caller, body: dict[str, Any]) -> Installation:
        device_type = check_device_type(body.get("deviceType"))
        registration_id = body.get("installationRegistrationID")
        if device_type == "MQTT":
            registration_id = registration_id or secrets.token_hex(16)
        elif not isinstance(registration_id, str) or not registration_id:
            raise InvalidInputData(
                "installationRegistrationID is required", field="installationRegistrationID"
            )
        owner_kind, owner_id = self._owner(caller, body)
        now = self.clock.now_ms()
        installation = Installation(
            caller.app_id,
            secrets.token_hex(13),
            device_type,
            str(registration_id),
            development_flag(body.get("development")),
            owner_kind,
            owner_id,
            now,
        )
        event = new_event(caller, Trigger.INSTALLATION_CREATED, installation.hook_params(), now)
        self.installations.create(installation, [event])
        return installation

    def _visible(self, caller: Caller, installation: Installation | None, ref: str) -> Installation:
        if installation is None:
            raise InstallationNotFound(installationID=ref, appID=caller.app_id)
        principal = caller.principal
        require_authenticated(principal)
        if not (
            principal.is_admin
            or (principal.kind == installation.owner_kind and principal.id == installation.owner_id)
        ):
            raise AccessDenied(
                "Only the installation's owner and the app admin may do this", **denied_to(principal)
            )
        return installation

    def resolve(self, caller: Caller, ref: str) -> Installation:
        """An installation ID, or ``{deviceType}:{installationRegistrationID}``."""
        device_type, sep, registration_id = ref.partition(":")
        if sep and device_type in ("ANDROID", "IOS", "JPUSH", "MQTT"):
            return self._visible(
                caller, self.installations.find(caller.app_id, device_type, registration_id), ref
            )
        return self._visible(caller, self.installations.get(caller.app_id, ref), ref)

    def of_owner(self, caller: Caller, query: dict[str, str]) -> list[Installation]:
        principal = caller.principal
        require_authenticated(principal)
        kind: OwnerKind = "thing" if query.get("thingID") else "user"
        owner_id = query.get("thingID") or query.get("userID") or principal.id
        if not owner_id:
            raise InvalidInputData("Give userID={id} or thingID={id}")
        if not (principal.is_admin or (principal.kind == kind and principal.id == owner_id)):
            raise AccessDenied("Only the owner and the app admin list installations", **denied_to(principal))
        return self.installations.of_owner(caller.app_id, kind, owner_id)

    def delete(self, caller: Caller, ref: str) -> None:
        installation = self.resolve(caller, ref)
        event = new_event(
            caller, Trigger.INSTALLATION_DELETED, installation.hook_params(), self.clock.now_ms()
        )
        self.installations.delete(installation, [event])
