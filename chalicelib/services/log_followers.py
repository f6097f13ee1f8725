"""Followers of the developer log in this process (docs/console.md, Live): a reader with
nothing new may wait until a line is appended to its app's log, or its time is up. Only
where every append happens in the process that answers (the local stack); in AWS the lines
are appended by other Lambdas, so nothing is wired and readers poll."""

from __future__ import annotations

import threading


class LogFollowers:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._appends: dict[str, int] = {}  # app ID -> lines appended so far in this process
        self._waiting: dict[str, int] = {}

    def appended(self, app_id: str) -> None:
        with self._changed:
            self._appends[app_id] = self._appends.get(app_id, 0) + 1
            self._changed.notify_all()

    def mark(self, app_id: str) -> int:
        """Where the app's log stands now: taken before reading, so that a line appended
        between the read and the wait still ends the wait."""
        with self._changed:
            return self._appends.get(app_id, 0)

    def wait(self, app_id: str, mark: int, seconds: float) -> bool:
        """Until the app's log moves past ``mark`` (True) or ``seconds`` pass (False). Another
        app's lines do not end it."""
        with self._changed:
            self._waiting[app_id] = self._waiting.get(app_id, 0) + 1
            self._changed.notify_all()
            try:
                return self._changed.wait_for(lambda: self._appends.get(app_id, 0) != mark, seconds)
            finally:
                self._waiting[app_id] -= 1
                self._changed.notify_all()

    def wait_for_waiting(self, app_id: str, seconds: float) -> bool:
        """Until a reader of the app waits (tests: append only once it does)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._waiting.get(app_id, 0) > 0, seconds)
