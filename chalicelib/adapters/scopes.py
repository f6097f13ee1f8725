"""Scope ACLs over the key-value table port (key layout: docs/data.md).

APP#{app}#{scope}   #ACL   a scope's ACL once granted or revoked (JSON); none: Kii's defaults
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib.adapters.items import DATA, commit, json_text
from chalicelib.adapters.table import Absent, Delete, Item, Key, KeyValueTable, Put, VersionIs
from chalicelib.domain.acl import ScopeAcl
from chalicelib.domain.scopes import Scope


def _key(scope: Scope) -> Key:
    # In the partition of the user, group or thing itself (APP#{app}#USER#{id}, ...).
    return Key(f"APP#{scope.app_id}#{scope.key}", "#ACL")


@dataclass
class TableScopeAclStore:
    table: KeyValueTable

    def get(self, scope: Scope) -> ScopeAcl | None:
        item = self.table.get(DATA, _key(scope))
        return ScopeAcl(scope, json.loads(item["acl"]), int(item["version"])) if item else None

    def save(self, acl: ScopeAcl, previous: ScopeAcl) -> None:
        key = _key(acl.scope)
        item: Item = {"pk": key.pk, "sk": key.sk, "acl": json_text(acl.acl), "version": acl.version}
        condition = Absent() if previous.version == 0 else VersionIs(previous.version)
        commit(self.table, [Put(DATA, item, condition)])

    def drop_scope(self, scope: Scope) -> None:
        self.table.transact([Delete(DATA, _key(scope))])
