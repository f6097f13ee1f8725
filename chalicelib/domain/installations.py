"""Push installations (kii-rest-api.md §7): a device registered to receive pushes (pure).

An MQTT installation's ``mqttTopic`` is its ``installationRegistrationID`` (server-generated,
at most 63 bytes); its broker credentials (``mqtt-endpoint``) are kept as digests, each valid
until its own expiry.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from chalicelib.errors import InvalidInputData

DEVICE_TYPES = ("ANDROID", "IOS", "JPUSH", "MQTT")
OwnerKind = Literal["user", "thing"]
# ebisu's buffers: topic, username and host at most 63 bytes, password at most 127.
MAX_TOPIC_BYTES = MAX_USERNAME_BYTES = 63
MAX_PASSWORD_BYTES = 127
# Credentials an installation keeps at once (each mqtt-endpoint request adds one).
MAX_MQTT_CREDENTIALS = 4


@dataclass(frozen=True)
class MqttCredential:
    """One password of an MQTT installation, kept as its SHA-256 digest."""

    digest: str
    expires_at: int

    @staticmethod
    def digest_of(password: str) -> str:
        return hashlib.sha256(password.encode()).hexdigest()


@dataclass(frozen=True)
class Installation:
    app_id: str
    installation_id: str
    device_type: str
    registration_id: str
    development: bool
    owner_kind: OwnerKind
    owner_id: str
    created_at: int
    mqtt_credentials: tuple[MqttCredential, ...] = field(default=())
    version: int = 0

    @property
    def mqtt_topic(self) -> str | None:
        return self.registration_id if self.device_type == "MQTT" else None

    def mqtt_username(self) -> str:
        """What the broker knows the installation by: ``{appID}/{installationID}``."""
        return f"{self.app_id}/{self.installation_id}"

    def with_credential(self, password: str, now_ms: int, ttl_ms: int) -> Installation:
        """A new password valid for ``ttl_ms``; expired ones are forgotten, and the oldest
        beyond MAX_MQTT_CREDENTIALS."""
        kept = [c for c in self.mqtt_credentials if c.expires_at > now_ms]
        kept.append(MqttCredential(MqttCredential.digest_of(password), now_ms + ttl_ms))
        return replace(self, mqtt_credentials=tuple(kept[-MAX_MQTT_CREDENTIALS:]), version=self.version + 1)

    def credential_expiry(self, password: str, now_ms: int) -> int | None:
        """When ``password`` stops being valid, or None if it is not (now)."""
        digest = MqttCredential.digest_of(password)
        for credential in self.mqtt_credentials:
            if credential.expires_at > now_ms and hmac.compare_digest(credential.digest, digest):
                return credential.expires_at
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "installationID": self.installation_id,
            "installationRegistrationID": self.registration_id,
            "deviceType": self.device_type,
            "installationType": self.device_type,
            "development": self.development,
            ("userID" if self.owner_kind == "user" else "thingID"): self.owner_id,
        }

    def hook_params(self) -> dict[str, Any]:
        return {
            "installationID": self.installation_id,
            "deviceType": self.device_type,
            ("userID" if self.owner_kind == "user" else "thingID"): self.owner_id,
            "uri": f"kiicloud://installations/{self.installation_id}",
        }


def check_device_type(value: Any) -> str:
    if value not in DEVICE_TYPES:
        raise InvalidInputData(f"deviceType must be one of {', '.join(DEVICE_TYPES)}", field="deviceType")
    return str(value)


def development_flag(value: Any) -> bool:
    """ebisu sends ``"development": "false"`` as a string (kii-rest-api.md §1.5)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidInputData("development must be true or false", field="development")
