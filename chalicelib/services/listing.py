"""The admin's listing of every user or thing of an app (``POST /users/query``,
``POST /things/query``): the ``all`` clause, ``bestEffortLimit`` and ``paginationKey``, as
Kii pages them. Other clauses are refused (QUERY_NOT_SUPPORTED): these listings exist for
tools and migrations (`karakuri import kii`), not as a search."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any, TypeVar

from chalicelib.errors import InvalidInputData, QueryNotSupported

T = TypeVar("T")
DEFAULT_LIMIT = 100
MAX_LIMIT = 200


def page_all(
    body: dict[str, Any],
    query_field: str,
    items_after: Callable[[str | None], Iterator[T]],
    key_of: Callable[[T], str],
) -> tuple[list[T], str | None]:
    """One page of everything (``items_after(key)`` lists in key order after ``key``), and the
    key of the next page, if any."""
    query = body.get(query_field)
    clause = query.get("clause") if isinstance(query, dict) else None
    if not isinstance(clause, dict) or clause.get("type") != "all":
        raise QueryNotSupported(f"Only the 'all' clause is supported in {query_field}")
    limit = body.get("bestEffortLimit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInputData("bestEffortLimit must be a positive number", field="bestEffortLimit")
    after = body.get("paginationKey")
    if after is not None and not isinstance(after, str):
        raise InvalidInputData("'paginationKey' is not one this server issued", field="paginationKey")
    return page(items_after(after), min(limit, MAX_LIMIT), key_of)


def page(items: Iterator[T], limit: int, key_of: Callable[[T], str]) -> tuple[list[T], str | None]:
    """Kii-style best-effort paging over an ordered iterator: at most ``limit`` items, and the
    key of the next page when more follow."""
    found = list(islice(items, limit + 1))
    return found[:limit], key_of(found[limit - 1]) if len(found) > limit else None
