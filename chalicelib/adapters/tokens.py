"""Access and refresh tokens over the key-value table port, kept by their SHA-256 digest
only (docs/data.md)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.items import DATA, delete_all
from chalicelib.adapters.table import Delete, Item, Key, KeyValueTable, Put
from chalicelib.domain.models import TokenRecord


@dataclass
class TableTokenStore:
    table: KeyValueTable

    def put(self, record: TokenRecord) -> None:
        item: Item = {
            "pk": f"TOKEN#{record.digest}",
            "sk": "#TOKEN",
            "kind": record.kind,
            "appID": record.app_id,
            "principalKind": record.principal_kind,
            "issuedAt": record.issued_at,
            "expiresAt": record.expires_at,
            "ttl": record.expires_at // 1000,
        }
        if record.principal_id is not None:
            item.update(
                principalID=record.principal_id,
                gsi1pk=f"APP#{record.app_id}#PRINCIPAL#{record.principal_id}",
                gsi1sk=f"TOKEN#{record.digest}",
            )
        self.table.transact([Put(DATA, item)])

    def get(self, digest: str) -> TokenRecord | None:
        item = self.table.get(DATA, Key(f"TOKEN#{digest}", "#TOKEN"))
        if item is None:
            return None
        return TokenRecord(
            digest=digest,
            kind=item["kind"],
            app_id=item["appID"],
            principal_kind=item["principalKind"],
            principal_id=item.get("principalID"),
            issued_at=int(item["issuedAt"]),
            expires_at=int(item["expiresAt"]),
        )

    def delete(self, digest: str) -> None:
        self.table.transact([Delete(DATA, Key(f"TOKEN#{digest}", "#TOKEN"))])

    def delete_for_principal(self, app_id: str, principal_id: str, keep: str | None = None) -> None:
        tokens = self.table.query(DATA, f"APP#{app_id}#PRINCIPAL#{principal_id}", "TOKEN#", index="gsi1")
        delete_all(self.table, [t for t in tokens if keep is None or t["pk"] != f"TOKEN#{keep}"])
