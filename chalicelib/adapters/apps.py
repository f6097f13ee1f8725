"""Apps and their client ID claims over the key-value table port (key layout: docs/data.md)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.items import DATA, attributes, commit, fields, key_item
from chalicelib.adapters.table import Absent, Item, Key, KeyValueTable, Put
from chalicelib.domain.models import App
from chalicelib.errors import AppAlreadyExists, AppNotFound

_APP = {  # attribute -> App field
    "appID": "app_id",
    "appKey": "app_key",
    "clientID": "client_id",
    "clientSecretHash": "client_secret_hash",
    "name": "name",
    "createdAt": "created_at",
    "requirePasswordForThingOwnership": "require_password_for_thing_ownership",
}


def _key(app_id: str) -> Key:
    return Key(f"APP#{app_id}", "#APP")


def _client_key(client_id: str) -> Key:
    return Key(f"CLIENT#{client_id}", "#CLIENT")


def _app(item: Item) -> App:
    return App(**fields(item, _APP))  # apps stored before the setting get its default


@dataclass
class TableAppStore:
    table: KeyValueTable

    def get(self, app_id: str) -> App | None:
        item = self.table.get(DATA, _key(app_id))
        return _app(item) if item else None

    def get_by_client_id(self, client_id: str) -> App | None:
        claim = self.table.get(DATA, _client_key(client_id))
        return self.get(claim["appID"]) if claim else None

    def create(self, app: App) -> None:
        writes = [
            Put(DATA, {**key_item(_key(app.app_id)), **attributes(app, _APP)}, Absent()),
            Put(DATA, {**key_item(_client_key(app.client_id)), "appID": app.app_id}, Absent()),
        ]
        commit(self.table, writes, lambda _: AppAlreadyExists())

    def set_require_password_for_thing_ownership(self, app_id: str, required: bool) -> None:
        item = self.table.get(DATA, _key(app_id))
        if item is None:
            raise AppNotFound(appID=app_id)
        self.table.transact([Put(DATA, {**item, "requirePasswordForThingOwnership": required})])
