"""Apps (tenants): creation by the operator; credentials are shown once, stored hashed."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import ids
from chalicelib.domain.models import App
from chalicelib.domain.ports import AppStore, Clock
from chalicelib.errors import InvalidInputData
from chalicelib.services.auth import digest


@dataclass(frozen=True)
class AppCredentials:
    app_id: str
    app_key: str
    client_id: str
    client_secret: str
    name: str

    def to_json(self, base_url: str) -> dict[str, str]:
        return {
            "baseURL": base_url,
            "appID": self.app_id,
            "appKey": self.app_key,
            "clientID": self.client_id,
            "clientSecret": self.client_secret,
            "name": self.name,
        }


@dataclass
class AppService:
    apps: AppStore
    clock: Clock

    def create(
        self, name: str = "karakuri app", require_password_for_thing_ownership: bool = True
    ) -> AppCredentials:
        credentials = AppCredentials(
            ids.new_app_id(), ids.new_secret(16), ids.new_secret(16), ids.new_secret(32), name
        )
        return self.register(credentials, require_password_for_thing_ownership)

    def register(
        self, credentials: AppCredentials, require_password_for_thing_ownership: bool = True
    ) -> AppCredentials:
        """Store an app with the given credentials (the local stack re-creates its demo app
        with the credentials it wrote to ``.karakuri/local-app.json``)."""
        if not ids.APP_ID_PATTERN.match(credentials.app_id):
            raise InvalidInputData("appID: 1 to 64 letters and digits", field="appID")
        self.apps.create(
            App(
                app_id=credentials.app_id,
                app_key=credentials.app_key,
                client_id=credentials.client_id,
                client_secret_hash=digest(credentials.client_secret),
                name=credentials.name,
                created_at=self.clock.now_ms(),
                require_password_for_thing_ownership=require_password_for_thing_ownership,
            )
        )
        return credentials

    def require_password_for_thing_ownership(self, app_id: str, required: bool) -> None:
        """Kii's ``requirePasswordForThingOwnership`` app setting (docs/compatibility.md)."""
        self.apps.set_require_password_for_thing_ownership(app_id, required)

    def exists(self, app_id: str) -> bool:
        return self.apps.get(app_id) is not None
