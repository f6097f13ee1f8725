"""Installations over the key-value table port.

APP#{app}#INSTALLATION#{id}              #INSTALLATION  gsi1: APP#{app}#INSTALLATIONS#{user|thing}:{id}
APP#{app}#INSTALLREG#{type}:{regID}      #CLAIM         registration ID claim -> installationID
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, commit
from chalicelib.adapters.table import (
    Absent,
    Delete,
    Exists,
    Item,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
)
from chalicelib.domain.events import Event
from chalicelib.domain.installations import Installation, MqttCredential
from chalicelib.errors import InstallationAlreadyExists, InstallationNotFound


def _key(app_id: str, installation_id: str) -> Key:
    return Key(f"APP#{app_id}#INSTALLATION#{installation_id}", "#INSTALLATION")


def _claim(app_id: str, device_type: str, registration_id: str) -> Key:
    return Key(f"APP#{app_id}#INSTALLREG#{device_type}:{registration_id}", "#CLAIM")


def _owner_pk(app_id: str, owner_kind: str, owner_id: str) -> str:
    return f"APP#{app_id}#INSTALLATIONS#{owner_kind}:{owner_id}"


def _item(installation: Installation) -> Item:
    key = _key(installation.app_id, installation.installation_id)
    return {
        "pk": key.pk,
        "sk": key.sk,
        "appID": installation.app_id,
        "installationID": installation.installation_id,
        "deviceType": installation.device_type,
        "registrationID": installation.registration_id,
        "development": installation.development,
        "ownerKind": installation.owner_kind,
        "ownerID": installation.owner_id,
        "createdAt": installation.created_at,
        "gsi1pk": _owner_pk(installation.app_id, installation.owner_kind, installation.owner_id),
        "gsi1sk": f"INSTALLATION#{installation.installation_id}",
        "version": installation.version,
        # digests only: a password is never stored
        "mqttCredentials": [
            {"digest": c.digest, "expiresAt": c.expires_at} for c in installation.mqtt_credentials
        ],
    }


def _installation(item: Item) -> Installation:
    return Installation(
        app_id=item["appID"],
        installation_id=item["installationID"],
        device_type=item["deviceType"],
        registration_id=item["registrationID"],
        development=bool(item["development"]),
        owner_kind=item["ownerKind"],
        owner_id=item["ownerID"],
        created_at=int(item["createdAt"]),
        mqtt_credentials=tuple(
            MqttCredential(str(c["digest"]), int(c["expiresAt"])) for c in item.get("mqttCredentials") or ()
        ),
        version=int(item.get("version") or 0),
    )


@dataclass
class TableInstallationStore:
    table: KeyValueTable
    events: EventCodec

    def get(self, app_id: str, installation_id: str) -> Installation | None:
        item = self.table.get(DATA, _key(app_id, installation_id))
        return _installation(item) if item else None

    def find(self, app_id: str, device_type: str, registration_id: str) -> Installation | None:
        claim = self.table.get(DATA, _claim(app_id, device_type, registration_id))
        return self.get(app_id, claim["installationID"]) if claim else None

    def of_owner(self, app_id: str, owner_kind: str, owner_id: str) -> list[Installation]:
        items = self.table.query(
            DATA, f"APP#{app_id}#INSTALLATIONS#{owner_kind}:{owner_id}", "INSTALLATION#", index="gsi1"
        )
        return [_installation(i) for i in items]

    def create(self, installation: Installation, events: Sequence[Event]) -> None:
        claim = _claim(installation.app_id, installation.device_type, installation.registration_id)
        commit(
            self.table,
            [
                Put(
                    DATA,
                    {"pk": claim.pk, "sk": claim.sk, "installationID": installation.installation_id},
                    Absent(),
                ),
                Put(DATA, _item(installation), Absent()),
                *self.events.puts(events),
            ],
            lambda _: InstallationAlreadyExists(installationRegistrationID=installation.registration_id),
        )

    def save(self, installation: Installation, previous: Installation) -> None:
        """Replaces the installation (its MQTT credentials) if nobody changed it meanwhile."""
        condition = VersionIs(previous.version) if previous.version else Exists()
        commit(self.table, [Put(DATA, _item(installation), condition)])

    def delete(self, installation: Installation, events: Sequence[Event]) -> None:
        commit(
            self.table,
            [
                Delete(DATA, _key(installation.app_id, installation.installation_id), Exists()),
                Delete(
                    DATA, _claim(installation.app_id, installation.device_type, installation.registration_id)
                ),
                *self.events.puts(events),
            ],
            lambda _: InstallationNotFound(installationID=installation.installation_id),
        )
