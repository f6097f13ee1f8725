"""Kii query clauses: parsing, validation errors, evaluation, ordering and stable paging."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.query import Query, parse_clause
from chalicelib.errors import InvalidInputData, QueryNotSupported

DOCS: list[dict[str, Any]] = [
    {
        "_id": "a",
        "_created": 1,
        "score": 10,
        "name": "alpha",
        "kind": "even",
        "ok": True,
        "loc": {"_type": "point", "lat": 35.68, "lon": 139.76},
    },
    {
        "_id": "b",
        "_created": 2,
        "score": 25,
        "name": "beta",
        "kind": "odd",
        "ok": False,
        "loc": {"_type": "point", "lat": 34.69, "lon": 135.50},
    },
    {"_id": "c", "_created": 3, "score": 2.5, "name": "gamma", "kind": "even"},
    {"_id": "d", "_created": 4, "score": "40", "name": "delta"},
    {"_id": "e", "_created": 5, "score": 40, "name": "alphabet", "kind": "odd", "ok": 1},
]


def ids(clause: dict[str, Any], **query: Any) -> list[str]:
    results, _, _ = Query.parse({"bucketQuery": {"clause": clause, **query}}).run(DOCS)
    return [r["_id"] for r in results]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ({"type": "all"}, ["a", "b", "c", "d", "e"]),
        ({"type": "eq", "field": "kind", "value": "even"}, ["a", "c"]),
        ({"type": "eq", "field": "score", "value": 40}, ["e"]),
        ({"type": "eq", "field": "ok", "value": True}, ["a"]),
        ({"type": "not", "clause": {"type": "eq", "field": "kind", "value": "even"}}, ["b", "d", "e"]),
        ({"type": "range", "field": "score", "lowerLimit": 10, "lowerIncluded": True}, ["a", "b", "e"]),
        (
            {
                "type": "range",
                "field": "score",
                "lowerLimit": 10,
                "lowerIncluded": False,
                "upperLimit": 40,
                "upperIncluded": False,
            },
            ["b"],
        ),
        ({"type": "range", "field": "name", "lowerLimit": "b", "upperLimit": "e"}, ["b", "d"]),
        ({"type": "in", "field": "name", "values": ["beta", "delta", "zeta"]}, ["b", "d"]),
        ({"type": "prefix", "field": "name", "prefix": "alpha"}, ["a", "e"]),
        ({"type": "hasField", "field": "score", "fieldType": "INTEGER"}, ["a", "b", "e"]),
        ({"type": "hasField", "field": "score", "fieldType": "DECIMAL"}, ["a", "b", "c", "e"]),
        ({"type": "hasField", "field": "score", "fieldType": "STRING"}, ["d"]),
        ({"type": "hasField", "field": "ok", "fieldType": "BOOLEAN"}, ["a", "b"]),
        (
            {
                "type": "and",
                "clauses": [
                    {"type": "eq", "field": "kind", "value": "odd"},
                    {"type": "range", "field": "score", "upperLimit": 30},
                ],
            },
            ["b"],
        ),
        (
            {
                "type": "or",
                "clauses": [
                    {"type": "eq", "field": "name", "value": "gamma"},
                    {"type": "eq", "field": "name", "value": "delta"},
                ],
            },
            ["c", "d"],
        ),
        ({"type": "and", "clauses": {"type": "eq", "field": "kind", "value": "odd"}}, ["b", "e"]),
        (
            {
                "type": "geobox",
                "field": "loc",
                "box": {
                    "ne": {"_type": "point", "lat": 36, "lon": 140},
                    "sw": {"_type": "point", "lat": 35, "lon": 139},
                },
            },
            ["a"],
        ),
        (
            {
                "type": "geodistance",
                "field": "loc",
                "center": {"_type": "point", "lat": 35.0, "lon": 137.0},
                "radius": 300000,
            },
            ["a", "b"],
        ),
    ],
)
def test_clause_selects_exactly_the_matching_objects(clause: dict[str, Any], expected: list[str]) -> None:
    assert ids(clause) == expected


def test_geodistance_puts_the_distance_into_calculated_and_can_order_by_it() -> None:
    clause = {
        "type": "geodistance",
        "field": "loc",
        "center": {"_type": "point", "lat": 34.7, "lon": 135.5},
        "radius": 1_000_000,
        "putDistanceInto": "d",
    }
    results, _, _ = Query.parse({"bucketQuery": {"clause": clause, "orderBy": "_calculated.d"}}).run(DOCS)
    assert [r["_id"] for r in results] == ["b", "a"]
    assert results[0]["_calculated"]["d"] < 2000 < results[1]["_calculated"]["d"]


def test_order_by_any_field_descending_with_missing_values_first_ascending() -> None:
    assert ids({"type": "all"}, orderBy="kind") == ["d", "a", "c", "b", "e"]
    assert ids({"type": "all"}, orderBy="score", descending=True) == ["d", "e", "b", "a", "c"]


def test_paging_is_stable_while_the_bucket_changes() -> None:
    query = Query.parse({"bucketQuery": {"clause": {"type": "all"}, "orderBy": "name"}, "bestEffortLimit": 2})
    docs = list(DOCS)
    first, key, total = query.run(docs)
    assert [d["_id"] for d in first] == ["a", "e"] and key and total == 5
    docs.append({"_id": "f", "_created": 6, "name": "aardvark"})  # sorts before the page boundary
    docs.remove(DOCS[1])  # "beta", after the boundary, is gone
    second, key2, _ = Query.parse(
        {
            "bucketQuery": {"clause": {"type": "all"}, "orderBy": "name"},
            "bestEffortLimit": 2,
            "paginationKey": key,
        }
    ).run(docs)
    assert [d["_id"] for d in second] == ["d", "c"] and key2 is None


def test_count_aggregation_is_parsed() -> None:
    query = Query.parse(
        {
            "bucketQuery": {
                "clause": {"type": "all"},
                "aggregations": [{"type": "COUNT", "putAggregationInto": "n"}],
            }
        }
    )
    assert query.count_into == "n"


@pytest.mark.parametrize(
    ("clause", "error"),
    [
        ({"type": "like", "field": "x"}, QueryNotSupported),
        ({"type": "eq", "field": "x"}, InvalidInputData),
        ({"type": "eq", "field": "x", "value": {"a": 1}}, InvalidInputData),
        ({"type": "eq", "value": 1}, InvalidInputData),
        ({"type": "eq", "field": "a..b", "value": 1}, InvalidInputData),
        ({"type": "range", "field": "x"}, InvalidInputData),
        ({"type": "range", "field": "x", "lowerLimit": 1, "upperLimit": "z"}, InvalidInputData),
        ({"type": "range", "field": "x", "lowerLimit": 1, "lowerIncluded": "yes"}, InvalidInputData),
        ({"type": "in", "field": "x", "values": []}, InvalidInputData),
        ({"type": "prefix", "field": "x", "prefix": 3}, InvalidInputData),
        ({"type": "hasField", "field": "x", "fieldType": "DATE"}, InvalidInputData),
        ({"type": "and", "clauses": []}, InvalidInputData),
        ({"type": "not"}, InvalidInputData),
        (
            {"type": "geodistance", "field": "l", "center": {"lat": 1, "lon": 2}, "radius": 0},
            InvalidInputData,
        ),
        (
            {
                "type": "geobox",
                "field": "l",
                "box": {"ne": {"lat": 100, "lon": 0}, "sw": {"lat": 0, "lon": 0}},
            },
            InvalidInputData,
        ),
        ("all", InvalidInputData),
    ],
)
def test_bad_clause_is_refused_with_a_kii_error(clause: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_clause(clause)


NESTED: list[dict[str, Any]] = [
    {"_id": "n1", "_created": 1, "minutes": {"6": 30}, "lights": {"X": {"on": True}}, "hours": [1, 2, 3]},
    {"_id": "n2", "_created": 2, "minutes": {"6": 10, "7": 1}, "lights": {"X": {"on": False}}},
    {"_id": "n3", "_created": 3, "minutes": 6, "a.b": 1},
]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ({"type": "eq", "field": "minutes.6", "value": 30}, ["n1"]),
        ({"type": "range", "field": "minutes.6", "lowerLimit": 5}, ["n1", "n2"]),
        ({"type": "eq", "field": "lights.X.on", "value": False}, ["n2"]),
        ({"type": "hasField", "field": "minutes.7", "fieldType": "INTEGER"}, ["n2"]),
        ({"type": "eq", "field": "hours.1", "value": 2}, ["n1"]),
        ({"type": "eq", "field": "a.b", "value": 1}, ["n3"]),
    ],
)
def test_nested_field_clauses_reach_into_objects_and_arrays(
    clause: dict[str, Any], expected: list[str]
) -> None:
    results, _, _ = Query.parse({"bucketQuery": {"clause": clause}}).run(NESTED)
    assert [r["_id"] for r in results] == expected


def test_order_by_a_nested_field() -> None:
    query = {"bucketQuery": {"clause": {"type": "all"}, "orderBy": "minutes.6", "descending": True}}
    results, _, _ = Query.parse(query).run(NESTED[:2])
    assert [r["_id"] for r in results] == ["n1", "n2"]


def test_deep_nesting_is_refused() -> None:
    clause: dict[str, Any] = {"type": "all"}
    for _ in range(40):
        clause = {"type": "not", "clause": clause}
    with pytest.raises(QueryNotSupported):
        parse_clause(clause)


@pytest.mark.parametrize(
    "body",
    [
        {"bucketQuery": {"clause": {"type": "all"}}, "bestEffortLimit": 0},
        {"bucketQuery": {"clause": {"type": "all"}}, "paginationKey": "garbage!"},
        {"bucketQuery": {"clause": {"type": "all"}, "descending": "yes"}},
        {"clause": {"type": "all"}},
    ],
)
def test_bad_query_options_are_invalid_input(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputData):
        Query.parse(body)


def test_string_limit_from_kii_go_is_accepted() -> None:
    assert Query.parse({"bucketQuery": {"clause": {"type": "all"}}, "bestEffortLimit": "10"}).limit == 10


def test_lazy_run_reads_only_what_the_page_needs() -> None:
    query = Query.parse(
        {"bucketQuery": {"clause": {"type": "eq", "field": "kind", "value": "odd"}}, "bestEffortLimit": 1}
    )
    read: list[str] = []

    def docs():  # type: ignore[no-untyped-def]
        for doc in DOCS:
            read.append(doc["_id"])
            yield doc

    results, key = query.run_lazily(docs())
    assert [r["_id"] for r in results] == ["b"] and key is not None
    assert read == ["a", "b", "c", "d", "e"]  # stops at the second match, "e"
    assert Query.parse(
        {"bucketQuery": {"clause": {"type": "all"}}, "paginationKey": key}
    ).created_after() == (2, "b")
