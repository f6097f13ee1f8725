"""The local stack's data on disk, under ``.karakuri/data/``: it survives restarts.

Two files: ``tables.json``, a full dump (the same portable format as ``karakuri export``),
and ``journal.jsonl``, every committed change since that dump, one JSON line each. Changes
come from the embedded DynamoDB as they commit (moto_patches.on_change) and are written and
fsync'ed at least every ``flush_seconds``: a kill -9 loses at most that much. On start the
dump and the journal are put back into moto quietly (no stream records: old events do not
run their hooks again) and compacted into a new dump; a clean stop compacts again.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chalicelib.local import moto_patches

log = logging.getLogger("karakuri.local.persist")

DUMP_FORMAT = "karakuri-dump/1"
DUMP_FILE = "tables.json"
JOURNAL_FILE = "journal.jsonl"


def dump(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The portable dump: logical table name -> items in DynamoDB JSON."""
    return {"format": DUMP_FORMAT, "tables": tables}


def tables_of(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    if document.get("format") != DUMP_FORMAT:
        raise ValueError(f"not a karakuri dump (format {document.get('format')!r}, expected {DUMP_FORMAT!r})")
    return {str(name): list(items) for name, items in document["tables"].items()}


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open(temporary, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _key_text(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True)


class Persistence:
    """Keeps the embedded DynamoDB's tables (logical name -> table name) in ``directory``."""

    def __init__(self, directory: Path, names: dict[str, str], flush_seconds: float = 0.5) -> None:
        self.directory = directory
        self.names = names
        self._logical = {table: logical for logical, table in names.items()}
        self.flush_seconds = flush_seconds
        self._buffer: list[str] = []
        self._buffer_lock = threading.Lock()
        self._file_lock = threading.Lock()  # one of flush and compact at a time
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="karakuri-persist", daemon=True)
        self._journal: Any = None
        self._backend: Any = None

    @property
    def dump_path(self) -> Path:
        return self.directory / DUMP_FILE

    @property
    def journal_path(self) -> Path:
        return self.directory / JOURNAL_FILE

    def saved(self) -> dict[str, list[dict[str, Any]]]:
        """What is on disk: the dump with the journal applied (a torn last line is skipped)."""
        tables: dict[str, dict[str, dict[str, Any]]] = {logical: {} for logical in self.names}
        if self.dump_path.exists():
            for logical, items in tables_of(json.loads(self.dump_path.read_text())).items():
                table = tables.setdefault(logical, {})
                for item in items:
                    table[self._key(logical, item)] = item
        if self.journal_path.exists():
            for line in self.journal_path.read_text().splitlines():
                try:
                    change = json.loads(line)
                except ValueError:
                    log.warning("skipped a torn line at the end of %s", self.journal_path)
                    continue
                table = tables.setdefault(change["t"], {})
                if change.get("i") is None:
                    table.pop(_key_text(change["k"]), None)
                else:
                    table[_key_text(change["k"])] = change["i"]
        return {logical: list(items.values()) for logical, items in tables.items()}

    def merge(self, tables: dict[str, list[dict[str, Any]]]) -> int:
        """Adds items to what is saved (the stack is stopped): a new dump, no journal."""
        current = {
            logical: {self._key(logical, i): i for i in items} for logical, items in self.saved().items()
        }
        for logical, items in tables.items():
            for item in items:
                current.setdefault(logical, {})[self._key(logical, item)] = item
        write_atomically(self.dump_path, json.dumps(dump({k: list(v.values()) for k, v in current.items()})))
        self.journal_path.unlink(missing_ok=True)
        return sum(len(items) for items in tables.values())

    def _key(self, logical: str, item: dict[str, Any]) -> str:
        return _key_text({name: item[name] for name in ("pk", "sk") if name in item})

    def start(self, backend: Any) -> int:
        """Put the saved tables back into the (empty) embedded DynamoDB, compact, and follow
        every change from now on. Returns the number of items restored."""
        self._backend = backend
        restored = 0
        for logical, items in self.saved().items():
            if logical in self.names and items:
                moto_patches.put_quietly(backend, self.names[logical], items)
                restored += len(items)
        self.compact()
        moto_patches.on_change(self._follow)
        self._thread.start()
        return restored

    def compact(self) -> None:
        """A fresh dump of everything, then an empty journal. The snapshot is taken under
        moto's lock (no write half done); the dump is written outside it."""
        with self._file_lock:
            with moto_patches.LOCK, self._buffer_lock:
                current = moto_patches.tables(self._backend)
                self._buffer.clear()  # all in the snapshot
            document = dump({self._logical[n]: items for n, items in current.items() if n in self._logical})
            write_atomically(self.dump_path, json.dumps(document))
            if self._journal is not None:
                self._journal.close()
            self._journal = open(self.journal_path, "w")  # noqa: SIM115 (kept open, closed in stop)

    def _follow(self, change: moto_patches.Change) -> None:
        table, key, item = change
        logical = self._logical.get(table)
        if logical is not None:
            line = json.dumps({"t": logical, "k": key, "i": item})
            with self._buffer_lock:
                self._buffer.append(line)

    def flush(self) -> None:
        with self._file_lock:
            with self._buffer_lock:
                lines, self._buffer = self._buffer, []
            if not lines or self._journal is None:
                return
            self._journal.write("\n".join(lines) + "\n")
            self._journal.flush()
            os.fsync(self._journal.fileno())

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            try:
                self.flush()
            except OSError:
                log.exception("could not write %s", self.journal_path)

    def stop(self) -> None:
        moto_patches.forget_changes(self._follow)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.flush()
        self.compact()
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def forget(directory: Path, files: Iterable[str] = (DUMP_FILE, JOURNAL_FILE)) -> None:
    """A fresh start: remove what was saved."""
    for name in files:
        (directory / name).unlink(missing_ok=True)
