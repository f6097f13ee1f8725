"""Kii bucket queries: clause JSON -> validated tree -> evaluation, ordering and paging (pure).

The grammar is kii-rest-api.md §5.9.1. Like moto's DynamoDB expressions, a query is parsed
once into typed nodes (bad input gets QUERY_NOT_SUPPORTED or INVALID_INPUT_DATA naming the
clause), then evaluated by pure functions. Only top-level fields are queryable, as in Kii.

Paging is by position, not by offset: ``paginationKey`` carries the sort key of the last
object returned, and the next page starts strictly after it, so objects created or deleted
between pages neither repeat nor shift others out.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.values import check_json, loads
from chalicelib.errors import InvalidInputData, KiiError, QueryNotSupported

MAX_LIMIT = 1000
DEFAULT_LIMIT = 200
FIELD_TYPES = ("STRING", "INTEGER", "DECIMAL", "BOOLEAN")
EARTH_RADIUS_M = 6_371_000.0

Document = Mapping[str, Any]


def field_value(doc: Document, name: str) -> Any:
    """A field's value; ``a.b.c`` reaches into nested objects (and ``a.2`` into arrays), as
    Kii's queries did (``"minutes.6"``, ``"lights.X"``). A key that itself holds dots wins."""
    if "." not in name or name in doc:
        return doc.get(name)
    value: Any = doc
    for part in name.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, bool)) or _number(value)


def _same_kind(a: Any, b: Any) -> bool:
    return (_number(a) and _number(b)) or (type(a) is type(b) and isinstance(a, (str, bool)))


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float

    @classmethod
    def parse(cls, raw: Any, where: str) -> Point:
        if (
            not isinstance(raw, dict)
            or not _number(raw.get("lat"))
            or not _number(raw.get("lon"))
            or not -90 <= raw["lat"] <= 90
            or not -180 <= raw["lon"] <= 180
        ):
            raise InvalidInputData(f'{where}: a point {{"_type":"point","lat","lon"}} is required')
        return cls(float(raw["lat"]), float(raw["lon"]))

    def distance_to(self, other: Point) -> float:
        lat1, lat2 = math.radians(self.lat), math.radians(other.lat)
        dlat, dlon = lat2 - lat1, math.radians(other.lon - self.lon)
        h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _point_of(value: Any) -> Point | None:
    try:
        return Point.parse(value, "") if isinstance(value, dict) else None
    except InvalidInputData:
        return None


# --- the clause tree ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Clause:
    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class All(Clause):
    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        return True


@dataclass(frozen=True)
class Eq(Clause):
    field: str
    value: Any

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        actual = field_value(doc, self.field)
        return _same_kind(actual, self.value) and actual == self.value


@dataclass(frozen=True)
class Range(Clause):
    field: str
    lower: Any = None
    lower_included: bool = True
    upper: Any = None
    upper_included: bool = True

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        actual = field_value(doc, self.field)
        if self.lower is not None:
            if not _same_kind(actual, self.lower) or isinstance(actual, bool):
                return False
            if actual < self.lower or (actual == self.lower and not self.lower_included):
                return False
        if self.upper is not None:
            if not _same_kind(actual, self.upper) or isinstance(actual, bool):
                return False
            if actual > self.upper or (actual == self.upper and not self.upper_included):
                return False
        return True


@dataclass(frozen=True)
class In(Clause):
    field: str
    values: tuple[Any, ...]

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        actual = field_value(doc, self.field)
        return any(_same_kind(actual, v) and actual == v for v in self.values)


@dataclass(frozen=True)
class Prefix(Clause):
    field: str
    prefix: str

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        actual = field_value(doc, self.field)
        return isinstance(actual, str) and actual.startswith(self.prefix)


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "STRING": lambda v: isinstance(v, str),
    "INTEGER": lambda v: _number(v) and float(v).is_integer(),
    "DECIMAL": lambda v: _number(v),
    "BOOLEAN": lambda v: isinstance(v, bool),
}


@dataclass(frozen=True)
class HasField(Clause):
    field: str
    field_type: str

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        value = field_value(doc, self.field)
        return value is not None and _TYPE_CHECKS[self.field_type](value)


@dataclass(frozen=True)
class Not(Clause):
    clause: Clause

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        return not self.clause.matches(doc, calculated)


@dataclass(frozen=True)
class And(Clause):
    clauses: tuple[Clause, ...]

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        return all(c.matches(doc, calculated) for c in self.clauses)


@dataclass(frozen=True)
class Or(Clause):
    clauses: tuple[Clause, ...]

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        return any(c.matches(doc, calculated) for c in self.clauses)


@dataclass(frozen=True)
class GeoBox(Clause):
    field: str
    ne: Point
    sw: Point

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        point = _point_of(field_value(doc, self.field))
        return (
            point is not None
            and self.sw.lat <= point.lat <= self.ne.lat
            and self.sw.lon <= point.lon <= self.ne.lon
        )


@dataclass(frozen=True)
class GeoDistance(Clause):
    field: str
    center: Point
    radius: float
    put_into: str | None

    def matches(self, doc: Document, calculated: dict[str, float]) -> bool:
        point = _point_of(field_value(doc, self.field))
        if point is None:
            return False
        distance = self.center.distance_to(point)
        if distance > self.radius:
            return False
        if self.put_into:
            calculated[self.put_into] = distance
        return True


# --- parsing ------------------------------------------------------------------------------------
def _field(raw: Mapping[str, Any], kind: str) -> str:
    name = raw.get("field")
    if not isinstance(name, str) or not name:
        raise InvalidInputData(f"{kind} clause: 'field' must be a non-empty string")
    if any(not part for part in name.split(".")):
        raise InvalidInputData(f"{kind} clause: {name!r} is not a field name")
    return name


def _scalar_value(raw: Mapping[str, Any], key: str, kind: str) -> Any:
    value = raw.get(key)
    if not _scalar(value):
        raise InvalidInputData(f"{kind} clause: '{key}' must be a string, number or boolean")
    return value


def _included(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key, True)
    if not isinstance(value, bool):
        raise InvalidInputData(f"range clause: '{key}' must be true or false")
    return value


def _subclauses(raw: Mapping[str, Any], kind: str, depth: int) -> tuple[Clause, ...]:
    clauses = raw.get("clauses")
    if isinstance(clauses, dict):  # the JS SDK sends a lone clause unwrapped
        clauses = [clauses]
    if not isinstance(clauses, list) or not clauses:
        raise InvalidInputData(f"{kind} clause: 'clauses' must be a non-empty list")
    return tuple(parse_clause(c, depth + 1) for c in clauses)


def _range(raw: Mapping[str, Any]) -> Clause:
    field_name = _field(raw, "range")
    lower, upper = raw.get("lowerLimit"), raw.get("upperLimit")
    if lower is None and upper is None:
        raise InvalidInputData("range clause: give lowerLimit, upperLimit or both")
    for limit in (lower, upper):
        if limit is not None and not (_number(limit) or isinstance(limit, str)):
            raise InvalidInputData("range clause: limits must be numbers or strings")
    if lower is not None and upper is not None and not _same_kind(lower, upper):
        raise InvalidInputData("range clause: both limits must be of one type")
    return Range(field_name, lower, _included(raw, "lowerIncluded"), upper, _included(raw, "upperIncluded"))


def _in(raw: Mapping[str, Any]) -> Clause:
    values = raw.get("values")
    if not isinstance(values, list) or not values or not all(_scalar(v) for v in values):
        raise InvalidInputData("in clause: 'values' must be a non-empty list of strings, numbers or booleans")
    return In(_field(raw, "in"), tuple(values))


def _prefix(raw: Mapping[str, Any]) -> Clause:
    prefix = raw.get("prefix")
    if not isinstance(prefix, str):
        raise InvalidInputData("prefix clause: 'prefix' must be a string")
    return Prefix(_field(raw, "prefix"), prefix)


def _has_field(raw: Mapping[str, Any]) -> Clause:
    field_type = raw.get("fieldType")
    if field_type not in FIELD_TYPES:
        raise InvalidInputData(f"hasField clause: 'fieldType' must be one of {', '.join(FIELD_TYPES)}")
    return HasField(_field(raw, "hasField"), str(field_type))


def _geobox(raw: Mapping[str, Any]) -> Clause:
    box = raw.get("box")
    if not isinstance(box, dict):
        raise InvalidInputData("geobox clause: 'box' with 'ne' and 'sw' points is required")
    return GeoBox(
        _field(raw, "geobox"),
        Point.parse(box.get("ne"), "geobox ne"),
        Point.parse(box.get("sw"), "geobox sw"),
    )


def _geodistance(raw: Mapping[str, Any]) -> Clause:
    radius: Any = raw.get("radius")
    if not _number(radius) or not 0 < radius <= 20_000_000:
        raise InvalidInputData("geodistance clause: 'radius' must be in (0, 20000000] meters")
    put_into = raw.get("putDistanceInto", raw.get("calculatedDistance"))
    if put_into is not None and (not isinstance(put_into, str) or not put_into):
        raise InvalidInputData("geodistance clause: 'putDistanceInto' must be a name")
    return GeoDistance(
        _field(raw, "geodistance"),
        Point.parse(raw.get("center"), "geodistance center"),
        float(radius),
        put_into,
    )


_PARSERS: dict[str, Callable[[Mapping[str, Any]], Clause]] = {
    "all": lambda raw: All(),
    "eq": lambda raw: Eq(_field(raw, "eq"), _scalar_value(raw, "value", "eq")),
    "range": _range,
    "in": _in,
    "prefix": _prefix,
    "hasField": _has_field,
    "geobox": _geobox,
    "geodistance": _geodistance,
}
MAX_DEPTH = 16


def parse_clause(raw: Any, depth: int = 0) -> Clause:
    if depth > MAX_DEPTH:
        raise QueryNotSupported(f"Clauses are nested deeper than {MAX_DEPTH} levels")
    if not isinstance(raw, dict):
        raise InvalidInputData("A clause must be a JSON object with a 'type'")
    kind = raw.get("type")
    if kind == "not":
        return Not(parse_clause(raw.get("clause"), depth + 1))
    if kind == "and":
        return And(_subclauses(raw, "and", depth))
    if kind == "or":
        return Or(_subclauses(raw, "or", depth))
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise QueryNotSupported(f"Unknown clause type {kind!r}")
    return parser(raw)


# --- the query ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    clause: Clause = field(default_factory=All)
    order_by: str | None = None
    descending: bool = False
    limit: int = DEFAULT_LIMIT
    after: tuple[Any, ...] | None = None
    count_into: str | None = None

    @classmethod
    def parse(cls, body: Mapping[str, Any], wrapper: str = "bucketQuery") -> Query:
        query = body.get(wrapper)
        if not isinstance(query, dict):
            raise InvalidInputData(f"'{wrapper}' with a 'clause' is required")
        check_json(dict(body), "The query")  # bounded nesting before the clause is walked
        clause = parse_clause(query.get("clause", {"type": "all"}))
        order_by = query.get("orderBy")
        if order_by is not None and (not isinstance(order_by, str) or not order_by):
            raise InvalidInputData("'orderBy' must be a field name")
        descending = query.get("descending", False)
        if not isinstance(descending, bool):
            raise InvalidInputData("'descending' must be true or false")
        return cls(
            clause,
            order_by,
            descending,
            _limit(body.get("bestEffortLimit")),
            _decode_key(body.get("paginationKey")),
            _count_into(query.get("aggregations")),
        )

    def sort_key(self, doc: Document, calculated: Mapping[str, float]) -> tuple[Any, ...]:
        if self.order_by and self.order_by.startswith("_calculated."):
            value: Any = calculated.get(self.order_by.removeprefix("_calculated."))
        else:
            value = field_value(doc, self.order_by or "_created")
        return (*_rank(value), doc.get("_id", ""))

    @property
    def created_order(self) -> bool:
        """Served by the by-creation index: Kii's default order, no aggregation."""
        return self.order_by in (None, "_created") and self.count_into is None

    def created_after(self) -> tuple[int, str] | None:
        """Where a by-creation page starts: the (created, objectID) of the paging key."""
        if self.after is None:
            return None
        rank, created, object_id = self.after
        if rank != 2 or not _number(created) or not isinstance(object_id, str):
            raise InvalidInputData("'paginationKey' does not belong to this query")
        return int(created), object_id

    def run_lazily(self, docs: Iterable[Document]) -> tuple[list[dict[str, Any]], str | None]:
        """A page from documents already in order and past the paging key: reads only as far
        as the page needs (one more match tells whether there is a next page)."""
        page: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        for doc in docs:
            calculated: dict[str, float] = {}
            if self.clause.matches(doc, calculated):
                result = dict(doc)
                if calculated:
                    result["_calculated"] = calculated
                page.append((self.sort_key(doc, calculated), result))
                if len(page) > self.limit:
                    break
        more = len(page) > self.limit
        page = page[: self.limit]
        return [doc for _, doc in page], _encode_key(page[-1][0]) if more else None

    def run(self, docs: Sequence[Document]) -> tuple[list[dict[str, Any]], str | None, int]:
        """Matching documents of this page, the next page's key, and the total match count."""
        matched: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        for doc in docs:
            calculated: dict[str, float] = {}
            if self.clause.matches(doc, calculated):
                result = dict(doc)
                if calculated:
                    result["_calculated"] = calculated
                matched.append((self.sort_key(doc, calculated), result))
        matched.sort(key=lambda pair: pair[0], reverse=self.descending)
        if self.after is not None:
            after = self.after
            matched_after = [p for p in matched if (p[0] < after if self.descending else p[0] > after)]
        else:
            matched_after = matched
        page = matched_after[: self.limit]
        next_key = _encode_key(page[-1][0]) if len(matched_after) > self.limit else None
        return [doc for _, doc in page], next_key, len(matched)


def _rank(value: Any) -> tuple[int, Any]:
    """A total order over JSON values: missing < booleans < numbers < strings < the rest."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if _number(value):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True))


def _limit(raw: Any) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if isinstance(raw, str) and raw.isdigit():  # kii_go sends it as a string
        raw = int(raw)
    if not _number(raw) or not math.isfinite(raw) or raw < 1:
        raise InvalidInputData("'bestEffortLimit' must be a positive number")
    return min(int(raw), MAX_LIMIT)


def _count_into(raw: Any) -> str | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, list)
        or len(raw) != 1
        or not isinstance(raw[0], dict)
        or raw[0].get("type") != "COUNT"
        or not isinstance(raw[0].get("putAggregationInto"), str)
    ):
        raise QueryNotSupported("Only one COUNT aggregation with 'putAggregationInto' is supported")
    return str(raw[0]["putAggregationInto"])


def _encode_key(key: tuple[Any, ...]) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")
    )


def _decode_key(raw: Any) -> tuple[Any, ...] | None:
    if raw is None:
        return None
    try:
        text = base64.urlsafe_b64decode(str(raw) + "=" * (-len(str(raw)) % 4)).decode()
        value = loads(text)
    except (KiiError, ValueError, UnicodeDecodeError) as error:
        raise InvalidInputData("'paginationKey' is not one this server issued") from error
    if not _is_sort_key(value):
        raise InvalidInputData("'paginationKey' is not one this server issued")
    return tuple(value)


def _is_sort_key(value: Any) -> bool:
    """A key ``_encode_key`` made from ``sort_key``: [rank, value of that rank, objectID], so
    that comparing it with the keys of a page cannot mix types."""
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[2], str):
        return False
    rank, ranked = value[0], value[1]
    kinds: dict[int, Callable[[Any], bool]] = {
        0: lambda v: v == 0 and not isinstance(v, bool),
        1: lambda v: v in (0, 1) and not isinstance(v, bool),
        2: _number,
        3: lambda v: isinstance(v, str),
        4: lambda v: isinstance(v, str),
    }
    return isinstance(rank, int) and not isinstance(rank, bool) and rank in kinds and kinds[rank](ranked)
