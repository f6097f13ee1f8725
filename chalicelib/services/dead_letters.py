"""The app's dead letters (docs/hooks.md): executions the executor gave up on, for the app
admin to look at and run again. Only the caller's own app's letters are ever read or moved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.events import Caller
from chalicelib.domain.ports import DeadLetterQueue
from chalicelib.errors import NotFound
from chalicelib.services.access import require_admin

MAX_LETTERS = 100


@dataclass
class DeadLetterService:
    # None where the stage has no dead-letter queue the API may read (then there are none).
    queue: DeadLetterQueue | None = None

    def letters(self, caller: Caller, limit: int = MAX_LETTERS) -> list[dict[str, Any]]:
        require_admin(caller.principal)
        if self.queue is None:
            return []
        return [letter.to_json() for letter in self.queue.letters(caller.app_id, min(limit, MAX_LETTERS))]

    def redrive(self, caller: Caller, letter_id: str) -> None:
        """Back to the executions queue; an execution that finished meanwhile does not run
        again (its claim says so)."""
        require_admin(caller.principal)
        if self.queue is None or not self.queue.redrive(caller.app_id, letter_id):
            raise NotFound("The app has no dead letter of that ID", letterID=letter_id)
