"""Thing-IF state history queries (kii-rest-api.md §9.4): clauses, time ranges, grouping and
aggregations over the states a thing uploaded, as the Thing-IF SDKs send them (pure).

Request: ``{"query": {"clause", "grouped", "aggregations": [{"type", "field", "fieldType",
"putAggregationInto"}]}, "bestEffortLimit", "paginationKey", "firmwareVersion"}``. Clauses are
the bucket-query grammar plus ``withinTimeRange`` (``lowerLimit``/``upperLimit``, epoch ms, on
the state's ``_created``). Grouped queries cut the range into the thing's data grouping
interval (``dataGroupingInterval`` at onboarding; 15 minutes otherwise, INFERRED).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.query import Clause, parse_clause
from chalicelib.errors import InvalidInputData, QueryNotSupported

INTERVALS_MS = {
    "1_MINUTE": 60_000,
    "15_MINUTES": 15 * 60_000,
    "30_MINUTES": 30 * 60_000,
    "1_HOUR": 3_600_000,
    "12_HOURS": 12 * 3_600_000,
}
DEFAULT_INTERVAL = "15_MINUTES"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
# A grouped query answers one group per interval of its range: bound the work one request does.
MAX_GROUPS = 1000


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(values: list[Any]) -> Any:
    return len(values)


def _sum(values: list[Any]) -> Any:
    return sum(values)


def _mean(values: list[Any]) -> Any:
    return sum(values) / len(values) if values else None


# type -> (function over the field's values, whether the answer names the state it came from)
AGGREGATIONS: dict[str, tuple[Callable[[list[Any]], Any], bool]] = {
    "COUNT": (_count, False),
    "SUM": (_sum, False),
    "MEAN": (_mean, False),
    "AVG": (_mean, False),
    "MIN": (min, True),
    "MAX": (max, True),
}


@dataclass(frozen=True)
class Aggregation:
    kind: str
    field: str
    into: str

    @classmethod
    def parse(cls, raw: Any) -> Aggregation:
        if not isinstance(raw, Mapping):
            raise InvalidInputData("An aggregation is an object")
        kind = str(raw.get("type", "")).upper()
        if kind not in AGGREGATIONS:
            raise QueryNotSupported(f"Unknown aggregation {raw.get('type')!r}: COUNT, SUM, MEAN, MIN or MAX")
        field = raw.get("field")
        if not isinstance(field, str) or not field:
            raise InvalidInputData("An aggregation names its field")
        into = raw.get("putAggregationInto") or kind.lower()
        return cls(kind, field, str(into))

    def apply(self, states: list[dict[str, Any]]) -> dict[str, Any]:
        function, names_state = AGGREGATIONS[self.kind]
        having = [s for s in states if self.field in s and s[self.field] is not None]
        if self.kind != "COUNT":
            having = [s for s in having if _number(s[self.field])]
        values = [s[self.field] for s in having]
        result: dict[str, Any] = {"type": self.kind, "putAggregationInto": self.into}
        result["value"] = function(values) if values or self.kind == "COUNT" else None
        if names_state and values:
            result["object"] = next(s for s in having if s[self.field] == result["value"])
        return result


def _time_range(raw: Any) -> tuple[int | None, int | None]:
    """The ``withinTimeRange`` of a clause, at its top or in its top-level ``and``."""
    if not isinstance(raw, Mapping):
        return None, None
    if raw.get("type") == "withinTimeRange":
        return raw.get("lowerLimit"), raw.get("upperLimit")
    if raw.get("type") == "and":
        for sub in raw.get("clauses") or []:
            lower, upper = _time_range(sub)
            if lower is not None or upper is not None:
                return lower, upper
    return None, None


def _rewrite(raw: Any) -> Any:
    """``withinTimeRange`` is a range on ``_created`` (both limits included)."""
    if isinstance(raw, list):
        return [_rewrite(c) for c in raw]
    if not isinstance(raw, Mapping):
        return raw
    if raw.get("type") == "withinTimeRange":
        lower: Any = raw.get("lowerLimit")
        upper: Any = raw.get("upperLimit")
        if not _number(lower) or not _number(upper) or lower > upper:
            raise InvalidInputData("withinTimeRange needs lowerLimit <= upperLimit, epoch milliseconds")
        return {
            "type": "range",
            "field": "_created",
            "lowerLimit": lower,
            "lowerIncluded": True,
            "upperLimit": upper,
            "upperIncluded": True,
        }
    return {k: _rewrite(v) for k, v in raw.items()}


@dataclass(frozen=True)
class HistoryQuery:
    clause: Clause
    grouped: bool
    aggregations: tuple[Aggregation, ...]
    limit: int
    pagination_key: str | None
    lower: int | None
    upper: int | None
    firmware_version: str | None = None

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> HistoryQuery:
        query = body.get("query")
        if not isinstance(query, Mapping):
            raise InvalidInputData("The request needs a query object")
        raw_clause = query.get("clause") or {"type": "all"}
        lower, upper = _time_range(raw_clause)
        grouped = query.get("grouped") in (True, "true")
        if grouped and (lower is None or upper is None):
            raise InvalidInputData("A grouped query needs a withinTimeRange clause")
        raw_aggregations = query.get("aggregations") or []
        if not isinstance(raw_aggregations, list):
            raise InvalidInputData("aggregations is a list")
        aggregations = tuple(Aggregation.parse(a) for a in raw_aggregations)
        if aggregations and not grouped:
            raise QueryNotSupported("Aggregations are computed per group: set grouped to true")
        try:
            limit = int(body.get("bestEffortLimit") or DEFAULT_LIMIT)
        except (TypeError, ValueError) as error:
            raise InvalidInputData("bestEffortLimit is a number") from error
        key = body.get("paginationKey")
        firmware = body.get("firmwareVersion")
        return cls(
            parse_clause(_rewrite(raw_clause)),
            grouped,
            aggregations,
            max(1, min(limit, MAX_LIMIT)),
            str(key) if key else None,
            int(lower) if lower is not None else None,
            int(upper) if upper is not None else None,
            str(firmware) if firmware else None,
        )

    def matches(self, state: dict[str, Any]) -> bool:
        return self.clause.matches(state, {})

    def groups(self, interval: str, states: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Kii's ``groupedResults``: one entry per interval of the range that holds states, with
        the states (``objects``) or the aggregations over them."""
        assert self.lower is not None and self.upper is not None
        size = INTERVALS_MS.get(interval, INTERVALS_MS[DEFAULT_INTERVAL])
        if (self.upper - self.lower) // size > MAX_GROUPS:
            raise InvalidInputData(f"At most {MAX_GROUPS} groups per query: narrow the time range")
        buckets: dict[int, list[dict[str, Any]]] = {}
        for state in states:
            start = state["_created"] - state["_created"] % size
            buckets.setdefault(start, []).append(state)
        results = []
        for start in sorted(buckets):
            entry: dict[str, Any] = {"range": {"from": start, "to": start + size - 1}}
            if self.aggregations:
                entry["aggregations"] = [a.apply(buckets[start]) for a in self.aggregations]
            else:
                entry["objects"] = buckets[start]
            results.append(entry)
        return results
