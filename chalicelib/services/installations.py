"""Push installations: create, read, list, delete, and the MQTT endpoint (use cases).

An installation belongs to the user or thing whose token created it; the app admin names
the owner with ``userID`` or ``thingID``. Only the owner and the admin see or delete it.
An MQTT installation's owner alone fetches its ``mqtt-endpoint``: the broker, the topic
(``mqttTopic`` = ``installationRegistrationID``) and a password valid for that client ID and
topic only, for ``X-MQTT-TTL`` seconds (docs/devices.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.events import Caller, Trigger, new_event
from chalicelib.domain.installations import (
    MAX_PASSWORD_BYTES,
    MAX_TOPIC_BYTES,
    MAX_USERNAME_BYTES,
    Installation,
    OwnerKind,
    check_device_type,
    development_flag,
)
from chalicelib.domain.ports import Clock, InstallationStore, ThingStore, UserStore
from chalicelib.errors import (
    AccessDenied,
    Conflict,
    InstallationNotFound,
    InvalidInputData,
    MqttEndpointNotFound,
    ThingNotFound,
    UserNotFound,
)
from chalicelib.services.access import denied_to, require_authenticated

RETRIES = 8


@dataclass(frozen=True)
class MqttBroker:
    """Where devices connect: the host and its ports (0: not served)."""

    host: str
    port_tcp: int = 1883
    port_ssl: int = 0
    port_ws: int = 0
    port_wss: int = 0


@dataclass
class InstallationService:
    installations: InstallationStore
    users: UserStore
    things: ThingStore
    clock: Clock
    broker: Callable[[], MqttBroker] = lambda: MqttBroker("127.0.0.1")
    credentials_ttl_ms: int = 7 * 24 * 3600 * 1000

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
            # The topic is the server's to choose: a client-chosen one could be another's.
            registration_id = new_mqtt_topic()
        elif not isinstance(registration_id, str) or not registration_id:
            raise InvalidInputData(
                "installationRegistrationID is required", field="installationRegistrationID"
            )
        owner_kind, owner_id = self._owner(caller, body)
        return self._create(
            caller,
            device_type,
            str(registration_id),
            development_flag(body.get("development")),
            owner_kind,
            owner_id,
        )

    def _create(
        self,
        caller: Caller,
        device_type: str,
        registration_id: str,
        development: bool,
        owner_kind: OwnerKind,
        owner_id: str,
    ) -> Installation:
        now = self.clock.now_ms()
        installation = Installation(
            caller.app_id,
            secrets.token_hex(13),
            device_type,
            registration_id,
            development,
            owner_kind,
            owner_id,
            now,
        )
        event = new_event(caller, Trigger.INSTALLATION_CREATED, installation.hook_params(), now)
        self.installations.create(installation, [event])
        return installation

    # --- MQTT ---------------------------------------------------------------------------------------
    def mqtt_endpoint(self, caller: Caller, ref: str) -> dict[str, Any]:
        """The broker, topic and fresh credentials of the caller's own MQTT installation."""
        installation = self.resolve(caller, ref)
        principal = caller.principal
        if not (principal.kind == installation.owner_kind and principal.id == installation.owner_id):
            raise AccessDenied("Only the installation's owner gets its MQTT endpoint", **denied_to(principal))
        if installation.device_type != "MQTT":
            raise MqttEndpointNotFound(installationID=installation.installation_id, appID=caller.app_id)
        return self._endpoint(installation)

    def thing_endpoint(self, caller: Caller, thing_id: str) -> dict[str, Any]:
        """Onboarding: the thing's MQTT installation (created on its first onboarding, as Kii
        does) and fresh credentials for it."""
        mine = [
            i
            for i in self.installations.of_owner(caller.app_id, "thing", thing_id)
            if i.device_type == "MQTT"
        ]
        installation = (
            min(mine, key=lambda i: (i.created_at, i.installation_id))
            if mine
            else self._create(caller, "MQTT", new_mqtt_topic(), False, "thing", thing_id)
        )
        return self._endpoint(installation)

    def _endpoint(self, installation: Installation) -> dict[str, Any]:
        password = secrets.token_urlsafe(32)
        for _ in range(RETRIES):
            now = self.clock.now_ms()
            updated = installation.with_credential(password, now, self.credentials_ttl_ms)
            try:
                self.installations.save(updated, installation)
                break
            except Conflict:
                found = self.installations.get(installation.app_id, installation.installation_id)
                if found is None:
                    raise InstallationNotFound(installationID=installation.installation_id) from None
                installation = found
        else:
            raise Conflict()
        broker = self.broker()
        endpoint = {
            "installationID": installation.installation_id,
            "username": installation.mqtt_username(),
            "password": password,
            "mqttTopic": installation.registration_id,
            "host": broker.host,
            "portTCP": broker.port_tcp,
            "portSSL": broker.port_ssl,
            "portWS": broker.port_ws,
            "portWSS": broker.port_wss,
            "X-MQTT-TTL": self.credentials_ttl_ms // 1000,
        }
        for name, limit in (
            ("username", MAX_USERNAME_BYTES),
            ("host", MAX_USERNAME_BYTES),
            ("mqttTopic", MAX_TOPIC_BYTES),
            ("password", MAX_PASSWORD_BYTES),
        ):
            if len(str(endpoint[name]).encode()) > limit:
                raise InvalidInputData(f"The MQTT {name} would be longer than {limit} bytes")
        return endpoint

    def authenticate_mqtt(
        self, username: str, client_id: str, password: str
    ) -> tuple[Installation, int] | None:
        """The MQTT installation these broker credentials are valid for, and until when: the
        username names it, the client ID is its topic, the password one of its own."""
        app_id, sep, installation_id = username.partition("/")
        if not (sep and app_id and installation_id and client_id and password):
            return None
        installation = self.installations.get(app_id, installation_id)
        if installation is None or installation.mqtt_topic is None or installation.mqtt_topic != client_id:
            return None
        expires_at = installation.credential_expiry(password, self.clock.now_ms())
        return (installation, expires_at) if expires_at is not None else None

    def mqtt_topics(self, app_id: str, owner_kind: OwnerKind, owner_id: str) -> list[str]:
        """The topics of an owner's MQTT installations, where its pushes and commands go."""
        return [
            i.registration_id
            for i in self.installations.of_owner(app_id, owner_kind, owner_id)
            if i.device_type == "MQTT"
        ]

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


def new_mqtt_topic() -> str:
    """An MQTT installation's topic (and client ID): 32 hex digits, unique across apps."""
    return secrets.token_hex(16)
