"""Optimistic updates (use-case policy): read, change, write on the condition that nothing
changed meanwhile, and read again when something did."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.errors import Conflict

T = TypeVar("T")

# Every round of a race has a winner, so N concurrent writers need at most N rounds; a write
# without If-Match must not fail because others were writing too.
RETRIES = 32


def optimistic_update(attempt: Callable[[], T]) -> T:
    """``attempt()`` (which reads, changes and writes conditionally) until it does not raise
    Conflict; Conflict after ``RETRIES`` rounds. Any other error ends the update at once."""
    for _ in range(RETRIES):
        try:
            return attempt()
        except Conflict:
            continue
    raise Conflict()
