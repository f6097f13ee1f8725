"""Server-code versions, hook configs and the execution log over the key-value table port
(key layout: docs/data.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.items import DATA
from chalicelib.adapters.table import Absent, ConditionFailed, Delete, Key, KeyValueTable, Put, VersionIs
from chalicelib.domain.scripts import CodeVersion
from chalicelib.errors import Conflict


def _pk(app_id: str) -> str:
    return f"APP#{app_id}#SERVERCODE"


@dataclass
class TableServerCodeStore:
    table: KeyValueTable

    def put_version(self, version: CodeVersion, source: str) -> None:
        pk = _pk(version.app_id)
        self.table.transact(
            [
                Put(
                    DATA,
                    {
                        "pk": pk,
                        "sk": f"VERSION#{version.version_id}",
                        "createdAt": version.created_at,
                        "environmentVersion": version.environment_version,
                        "endpoints": list(version.endpoints),
                        "size": version.size,
                    },
                    Absent(),
                ),
                Put(DATA, {"pk": pk, "sk": f"SOURCE#{version.version_id}", "source": source}, Absent()),
            ]
        )

    @staticmethod
    def _version(app_id: str, item: Mapping[str, Any]) -> CodeVersion:
        return CodeVersion(
            app_id=app_id,
            version_id=item["sk"].removeprefix("VERSION#"),
            created_at=int(item["createdAt"]),
            environment_version=item["environmentVersion"],
            endpoints=tuple(item.get("endpoints") or ()),
            size=int(item.get("size", 0)),
        )

    def version(self, app_id: str, version_id: str) -> CodeVersion | None:
        item = self.table.get(DATA, Key(_pk(app_id), f"VERSION#{version_id}"))
        return self._version(app_id, item) if item else None

    def versions(self, app_id: str) -> list[CodeVersion]:
        items = self.table.query(DATA, _pk(app_id), "VERSION#")
        return sorted((self._version(app_id, i) for i in items), key=lambda v: v.created_at)

    def source(self, app_id: str, version_id: str) -> str | None:
        item = self.table.get(DATA, Key(_pk(app_id), f"SOURCE#{version_id}"))
        return str(item["source"]) if item else None

    def delete_version(self, app_id: str, version_id: str) -> None:
        pk = _pk(app_id)
        writes: list[Any] = [
            Delete(DATA, Key(pk, f"{kind}#{version_id}")) for kind in ("VERSION", "SOURCE", "HOOKS")
        ]
        if self.current(app_id) == version_id:
            writes.append(Delete(DATA, Key(pk, "#CURRENT")))
        self.table.transact(writes)

    def current(self, app_id: str) -> str | None:
        item = self.table.get(DATA, Key(_pk(app_id), "#CURRENT"))
        return str(item["versionID"]) if item else None

    def set_current(self, app_id: str, version_id: str | None) -> None:
        key = Key(_pk(app_id), "#CURRENT")
        if version_id is None:
            self.table.transact([Delete(DATA, key)])
        else:
            self.table.transact([Put(DATA, {"pk": key.pk, "sk": key.sk, "versionID": version_id})])

    def hook_config(self, app_id: str, version_id: str) -> str | None:
        item = self.table.get(DATA, Key(_pk(app_id), f"HOOKS#{version_id}"))
        return str(item["config"]) if item else None

    def put_hook_config(self, app_id: str, version_id: str, text: str) -> None:
        self.table.transact([Put(DATA, {"pk": _pk(app_id), "sk": f"HOOKS#{version_id}", "config": text})])

    def delete_hook_config(self, app_id: str, version_id: str) -> bool:
        key = Key(_pk(app_id), f"HOOKS#{version_id}")
        if self.table.get(DATA, key) is None:
            return False
        self.table.transact([Delete(DATA, key)])
        return True


@dataclass
class TableExecutionLog:
    """A ring of ``capacity`` records per app: appending takes the next sequence number from
    the head item (optimistically) and overwrites the oldest slot. Records expire after
    ``retention_seconds`` as well."""

    table: KeyValueTable
    capacity: int = 500
    retention_seconds: int = 7 * 24 * 3600
    attempts: int = 8

    def append(self, app_id: str, record: Mapping[str, Any]) -> None:
        pk = f"APP#{app_id}#LOG"
        for _ in range(self.attempts):
            head = self.table.get(DATA, Key(pk, "#HEAD"))
            seq = int(head["seq"]) + 1 if head else 1
            version = int(head["version"]) if head else 0
            item = {
                "pk": pk,
                "sk": f"SLOT#{seq % self.capacity:06d}",
                "seq": seq,
                "record": json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str),
                "ttl": int(record.get("time", 0)) // 1000 + self.retention_seconds,
            }
            try:
                self.table.transact(
                    [
                        Put(
                            DATA,
                            {"pk": pk, "sk": "#HEAD", "seq": seq, "version": version + 1},
                            VersionIs(version) if head else Absent(),
                        ),
                        Put(DATA, item),
                    ]
                )
                return
            except (ConditionFailed, Conflict):
                continue
        raise Conflict("The execution log is busy")

    def read(self, app_id: str, after: int = 0) -> list[dict[str, Any]]:
        items = self.table.query(DATA, f"APP#{app_id}#LOG", "SLOT#")
        ordered = sorted((i for i in items if int(i["seq"]) > after), key=lambda i: int(i["seq"]))
        return [{"seq": int(i["seq"]), **json.loads(i["record"])} for i in ordered]
