"""Server-code management (kii-rest-api.md §8, kii-servercode.md §8): versions, the current
version, hook configs, and the developer log. Everything here is for the app admin, except
resolving the version an execution runs, which anyone who may execute needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain import ids
from chalicelib.domain.events import Caller
from chalicelib.domain.hooks import SCHEDULE_TRIGGER, Activation, Execution, HookConfig, parse_hook_config
from chalicelib.domain.ports import Clock, ExecutionLog, ExecutionStore, HookStore, ServerCodeStore
from chalicelib.domain.query import parse_clause
from chalicelib.domain.scripts import (
    DEFAULT_ENVIRONMENT,
    ENDPOINT_NAME,
    ENVIRONMENT_VERSIONS,
    CodeVersion,
    check_script,
)
from chalicelib.errors import (
    HookVersionNotFound,
    InvalidInputData,
    NotFound,
    ServerCodeVersionNotFound,
)
from chalicelib.services.access import require_admin
from chalicelib.services.log_followers import LogFollowers

CURRENT = "current"
MAX_HOOK_CONFIG_BYTES = 64 * 1024
RUNNABLE_CACHE = 64
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")


@dataclass
class ServerCodeService:
    store: ServerCodeStore
    log: ExecutionLog
    clock: Clock
    hook_store: HookStore
    execution_store: ExecutionStore
    # Which of ``names`` the file's top level leaves as global functions (evaluated in the
    # sandbox: runtime/executor.py); None where no sandbox is wired.
    global_functions: Callable[[str, str, frozenset[str]], frozenset[str]] | None = None
    # Where readers of the log may wait for its next line (the local stack); None: they poll.
    followers: LogFollowers | None = None
    # Versions never change: a warm process keeps the ones it ran (deleting one forgets it).
    _runnable: dict[tuple[str, str], tuple[CodeVersion, str]] = field(default_factory=dict, repr=False)

    # --- versions -------------------------------------------------------------------------------
    def deploy(self, caller: Caller, source: str, environment_version: str | None = None) -> CodeVersion:
        """Checks and stores a new version; it becomes current only when set (as Kii's CLI
        does after attaching the hook config)."""
        require_admin(caller.principal)
        environment = environment_version or DEFAULT_ENVIRONMENT
        if environment not in ENVIRONMENT_VERSIONS:
            raise InvalidInputData(
                f"environmentVersion must be one of {', '.join(ENVIRONMENT_VERSIONS)}",
                field="environmentVersion",
            )
        checked = check_script(source)
        endpoints = checked.endpoints
        if checked.assigned and self.global_functions is not None:
            # Endpoints exposed as globals (webpack bundles: `global.sayHello = ...`).
            endpoints |= self.global_functions(caller.app_id, source, checked.assigned)
        now = self.clock.now_ms()
        version = CodeVersion(
            app_id=caller.app_id,
            version_id=ids.new_code_version_id(),
            created_at=now,
            environment_version=environment,
            endpoints=tuple(sorted(endpoints)),
            size=len(source.encode()),
        )
        self.store.put_version(version, source)
        self.record(
            caller.app_id,
            "servercode.file.deploy",
            "INFO",
            f"Deployed server code version {version.version_id}",
            versionID=version.version_id,
        )
        return version

    def versions(self, caller: Caller) -> list[dict[str, Any]]:
        require_admin(caller.principal)
        current = self.store.current(caller.app_id)
        return [v.to_json(v.version_id == current) for v in self.store.versions(caller.app_id)]

    def _existing(self, app_id: str, version_id: str) -> CodeVersion:
        version = self.store.version(app_id, version_id)
        if version is None:
            raise ServerCodeVersionNotFound(versionID=version_id)
        return version

    def _named(self, app_id: str, ref: str) -> CodeVersion:
        """A version by ID, or the current one for ``current``."""
        if ref == CURRENT:
            current = self.store.current(app_id)
            if current is None:
                raise ServerCodeVersionNotFound("No version is current", versionID=CURRENT)
            ref = current
        return self._existing(app_id, ref)

    def source(self, caller: Caller, ref: str) -> str:
        require_admin(caller.principal)
        version = self._named(caller.app_id, ref)
        return self.store.source(caller.app_id, version.version_id) or ""

    def delete(self, caller: Caller, version_id: str) -> None:
        require_admin(caller.principal)
        self._existing(caller.app_id, version_id)
        was_current = self.store.current(caller.app_id) == version_id
        self.store.delete_version(caller.app_id, version_id)
        self._runnable.pop((caller.app_id, version_id), None)
        if was_current:
            self._activate(caller.app_id, None)

    def current(self, caller: Caller) -> str:
        require_admin(caller.principal)
        return self._named(caller.app_id, CURRENT).version_id

    def set_current(self, caller: Caller, version_id: str) -> None:
        require_admin(caller.principal)
        version_id = version_id.strip()
        self._existing(caller.app_id, version_id)
        self.store.set_current(caller.app_id, version_id)
        self._activate(caller.app_id, version_id)

    def unset_current(self, caller: Caller) -> None:
        require_admin(caller.principal)
        self._named(caller.app_id, CURRENT)
        self.store.set_current(caller.app_id, None)
        self._activate(caller.app_id, None)

    # --- hook configs ---------------------------------------------------------------------------
    def put_hooks(self, caller: Caller, ref: str, text: str) -> HookConfig:
        require_admin(caller.principal)
        version = self._named(caller.app_id, ref)
        if len(text.encode()) > MAX_HOOK_CONFIG_BYTES:
            raise InvalidInputData(f"The hook config is larger than {MAX_HOOK_CONFIG_BYTES // 1024} KB")
        config = parse_hook_config(text, version.endpoints)
        self.store.put_hook_config(caller.app_id, version.version_id, text)
        self._activate_if_current(caller.app_id, version.version_id)
        return config

    def hook_config(self, caller: Caller, ref: str) -> dict[str, Any]:
        require_admin(caller.principal)
        version = self._named(caller.app_id, ref)
        text = self.store.hook_config(caller.app_id, version.version_id)
        if text is None:
            raise HookVersionNotFound(versionID=version.version_id)
        return parse_hook_config(text, version.endpoints).document

    def delete_hooks(self, caller: Caller, ref: str) -> None:
        require_admin(caller.principal)
        version = self._named(caller.app_id, ref)
        if not self.store.delete_hook_config(caller.app_id, version.version_id):
            raise HookVersionNotFound(versionID=version.version_id)
        self._activate_if_current(caller.app_id, version.version_id)

    # --- activations: what hooks use, by the time events occur ------------------------------------
    def _activate(self, app_id: str, version_id: str | None) -> None:
        config = self.store.hook_config(app_id, version_id) if version_id else None
        scheduled = config is not None and bool(parse_hook_config(config, None).jobs)
        self.hook_store.activate(app_id, Activation(self.clock.now_ms(), version_id, config), scheduled)

    def _activate_if_current(self, app_id: str, version_id: str) -> None:
        if self.store.current(app_id) == version_id:
            self._activate(app_id, version_id)

    # --- executions -----------------------------------------------------------------------------
    def runnable(self, app_id: str, ref: str, endpoint: str) -> tuple[CodeVersion, str]:
        """The version and source an execution of ``endpoint`` runs (no admin needed)."""
        if not ENDPOINT_NAME.match(endpoint):
            raise InvalidInputData(f"Not an endpoint name: {endpoint}", field="endpoint")
        version_id = self._named(app_id, ref).version_id if ref == CURRENT else ref
        cached = self._runnable.get((app_id, version_id))
        if cached is not None:
            return cached
        version = self._existing(app_id, version_id)
        source = self.store.source(app_id, version_id)
        if source is None:
            raise ServerCodeVersionNotFound(versionID=version_id)
        if len(self._runnable) >= RUNNABLE_CACHE:
            self._runnable.pop(next(iter(self._runnable)))
        self._runnable[(app_id, version_id)] = version, source
        return version, source

    # --- hook executions ------------------------------------------------------------------------
    def executions(
        self,
        caller: Caller,
        filters: dict[str, str],
        limit: int = 50,
        pagination_key: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first, filtered by ``endpoint``, ``trigger``, ``status`` and ``since``/``until``
        (startedAt, epoch ms); Kii-style paging (best effort limit, next pagination key)."""
        require_admin(caller.principal)
        unknown = set(filters) - {"endpoint", "trigger", "status", "since", "until"}
        if unknown:
            raise InvalidInputData(f"Unknown filter: {', '.join(sorted(unknown))}")
        try:
            since, until = int(filters.get("since", 0)), int(filters.get("until", 2**62))
        except ValueError:
            raise InvalidInputData("since and until are epoch milliseconds") from None

        def wanted(execution: Execution) -> bool:
            return since <= execution.started_at <= until and all(
                filters.get(name) in (None, value)
                for name, value in (
                    ("endpoint", execution.endpoint),
                    ("trigger", execution.trigger),
                    ("status", execution.status),
                )
            )

        return self._page(caller.app_id, wanted, limit, pagination_key, True)

    def schedule_executions(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        """Kii's schedule execution history query (kii-servercode.md §5): a clause over the
        records (``range`` on ``startedAt``, ``prefix`` on ``name``, …), ordered by
        ``startedAt``, paged."""
        require_admin(caller.principal)
        query = body.get("scheduleExecutionQuery") or {}
        if not isinstance(query, dict):
            raise InvalidInputData("scheduleExecutionQuery must be an object")
        clause = parse_clause(query.get("clause") or {"type": "all"})
        if query.get("orderBy", "startedAt") != "startedAt":
            raise InvalidInputData("Schedule executions are ordered by startedAt only", field="orderBy")
        limit = body.get("bestEffortLimit", 50)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InvalidInputData("bestEffortLimit must be a positive number", field="bestEffortLimit")
        key = body.get("paginationKey")
        if key is not None and not isinstance(key, str):
            raise InvalidInputData("paginationKey must be a string", field="paginationKey")

        def wanted(execution: Execution) -> bool:
            return execution.trigger == SCHEDULE_TRIGGER and clause.matches(execution.to_json(), {})

        found, next_key = self._page(
            caller.app_id, wanted, min(limit, 200), key, query.get("descending") is True
        )
        result: dict[str, Any] = {"queryDescription": "WHERE ( scheduled executions )", "results": found}
        if next_key:
            result["nextPaginationKey"] = next_key
        return result

    def _page(
        self,
        app_id: str,
        wanted: Callable[[Execution], bool],
        limit: int,
        key: str | None,
        descending: bool,
    ) -> tuple[list[dict[str, Any]], str | None]:
        found: list[dict[str, Any]] = []
        last_key: str | None = None
        for current, execution in self.execution_store.executions(app_id, key, descending):
            if len(found) == limit:
                return found, last_key
            last_key = current
            if wanted(execution):
                found.append(execution.to_json())
        return found, None

    def schedules(self, caller: Caller) -> dict[str, Any]:
        """The scheduler jobs of the app's current hook config (the activation the scheduler
        tick reads), each with its next run: the first minute after this one its cron is due
        in (UTC), or null when it never is."""
        require_admin(caller.principal)
        activation = self.hook_store.latest_activation(caller.app_id)
        if activation is None or activation.version_id is None or activation.config is None:
            return {"versionID": None, "schedules": []}
        now = datetime.fromtimestamp(self.clock.now_ms() / 1000, UTC)
        jobs = []
        for job in parse_hook_config(activation.config, None).jobs:
            due = job.cron.next_due(now)
            jobs.append(
                {
                    "name": job.name,
                    "cron": job.cron.expression,
                    "endpoint": job.endpoint,
                    "parameters": job.parameters,
                    "nextRunAt": None if due is None else int(due.timestamp() * 1000),
                }
            )
        return {"versionID": activation.version_id, "schedules": jobs}

    def execution(self, caller: Caller, execution_id: str) -> dict[str, Any]:
        require_admin(caller.principal)
        found = self.execution_store.get(caller.app_id, execution_id)
        if found is None:
            raise NotFound("The execution was not found", executionID=execution_id)
        return found.to_json()

    # --- the developer log ----------------------------------------------------------------------
    def record(self, app_id: str, key: str, level: str, message: str, **fields: Any) -> None:
        self.log.append(
            app_id, {"time": self.clock.now_ms(), "key": key, "level": level, "message": message, **fields}
        )
        if self.followers is not None:
            self.followers.appended(app_id)

    def logs(
        self, caller: Caller, after: int = 0, limit: int = 100, level: str | None = None, wait: float = 0
    ) -> tuple[list[dict[str, Any]], float]:
        """Log lines, oldest first: the newest ``limit`` after sequence ``after``, at or
        above ``level``. Each execution's record expands to its invoke line and its
        ``console`` lines. With ``wait`` seconds and nothing new, the answer waits for the
        next line where this process sees every append (the local stack); the seconds it
        may wait come back with the lines (0: it answered at once, so ask again later)."""
        require_admin(caller.principal)
        if level is not None and level.upper() not in LOG_LEVELS:
            raise InvalidInputData(f"level must be one of {', '.join(LOG_LEVELS)}", field="level")
        floor = LOG_LEVELS.index(level.upper()) if level else 0
        followers = self.followers if wait > 0 else None
        mark = followers.mark(caller.app_id) if followers else 0
        lines = self._lines(caller.app_id, after, floor, limit)
        if followers is None:
            return lines, 0
        if not lines and followers.wait(caller.app_id, mark, wait):
            lines = self._lines(caller.app_id, after, floor, limit)
        return lines, wait

    def _lines(self, app_id: str, after: int, floor: int, limit: int) -> list[dict[str, Any]]:
        lines = []
        for record in self.log.read(app_id, after):
            console = record.pop("lines", [])
            lines.append(record)
            for line in console:
                lines.append(
                    {
                        "seq": record["seq"],
                        "time": record["time"],
                        "key": "servercode.log",
                        "level": line.get("level", "INFO"),
                        "message": line.get("message", ""),
                        "entryName": record.get("entryName"),
                        "executionID": record.get("executionID"),
                    }
                )
        kept = [line for line in lines if LOG_LEVELS.index(_level(line)) >= floor]
        return kept[-limit:] if limit > 0 else kept


def _level(line: dict[str, Any]) -> str:
    level = str(line.get("level", "INFO")).upper()
    return level if level in LOG_LEVELS else "INFO"
