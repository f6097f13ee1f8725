"""Push installations (kii-rest-api.md §7): a device registered to receive pushes (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.errors import InvalidInputData

DEVICE_TYPES = ("ANDROID", "IOS", "JPUSH", "MQTT")
OwnerKind = Literal["user", "thing"]


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
