"""Apps over the key-value table port: the app and its client ID claim (docs/data.md)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.items import DATA, commit
from chalicelib.adapters.table import Absent, Item, Key, KeyValueTable, Put
from chalicelib.domain.models import App
from chalicelib.errors import AppAlreadyExists, AppNotFound


@dataclass
class TableAppStore:
    table: KeyValueTable

    def get(self, app_id: str) -> App | None:
        item = self.table.get(DATA, Key(f"APP#{app_id}", "#APP"))
        return _app(item) if item else None

    def get_by_client_id(self, client_id: str) -> App | None:
        claim = self.table.get(DATA, Key(f"CLIENT#{client_id}", "#CLIENT"))
        return self.get(claim["appID"]) if claim else None

    def create(self, app: App) -> None:
        commit(
            self.table,
            [
                Put(
                    DATA,
                    {
                        "pk": f"APP#{app.app_id}",
                        "sk": "#APP",
                        "appID": app.app_id,
                        "appKey": app.app_key,
                        "clientID": app.client_id,
                        "clientSecretHash": app.client_secret_hash,
                        "name": app.name,
                        "createdAt": app.created_at,
                        "requirePasswordForThingOwnership": app.require_password_for_thing_ownership,
                    },
                    Absent(),
                ),
                Put(
                    DATA,
                    {"pk": f"CLIENT#{app.client_id}", "sk": "#CLIENT", "appID": app.app_id},
                    Absent(),
                ),
            ],
            lambda _: AppAlreadyExists(),
        )

    def set_require_password_for_thing_ownership(self, app_id: str, required: bool) -> None:
        item = self.table.get(DATA, Key(f"APP#{app_id}", "#APP"))
        if item is None:
            raise AppNotFound(appID=app_id)
        self.table.transact([Put(DATA, {**item, "requirePasswordForThingOwnership": required})])


def _app(item: Item) -> App:
    return App(
        app_id=item["appID"],
        app_key=item["appKey"],
        client_id=item["clientID"],
        client_secret_hash=item["clientSecretHash"],
        name=item["name"],
        created_at=int(item["createdAt"]),
        require_password_for_thing_ownership=bool(item.get("requirePasswordForThingOwnership", True)),
    )
