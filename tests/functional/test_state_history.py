"""Thing-IF state history (kii-rest-api.md §9.4): every uploaded state is kept, and queried
with Kii's clauses, time ranges, grouping, aggregations and paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Kii
from tests.functional.test_thingif import BY_OWNER, tif

TRAIT = "application/vnd.kii.MultipleTraitState+json"
QUERY = "application/vnd.kii.TraitStateQueryRequest+json"
MINUTE = 60_000


@pytest.fixture
def thing(kii: Kii) -> dict[str, str]:
    user_id, token = kii.register("owner")
    reply = tif(
        kii,
        "POST",
        "/onboardings",
        {
            "vendorThingID": "thermo-1",
            "thingPassword": "pw1",
            "owner": f"user:{user_id}",
            "dataGroupingInterval": "1_MINUTE",
        },
        token,
        BY_OWNER,
    )
    assert reply.status == 200, reply.body
    return {"token": reply.body["accessToken"], "target": f"thing:{reply.body['thingID']}", "owner": token}


def _upload(kii: Kii, thing: dict[str, str], temperatures: list[int], every_ms: int = 20_000) -> int:
    start = kii.services.clock.now_ms()
    for value in temperatures:
        state = {"AirConditionerAlias": {"temperature": value, "power": value > 20}, "Other": {"x": 1}}
        reply = tif(kii, "PUT", f"/targets/{thing['target']}/states", state, thing["token"], TRAIT)
        assert reply.status in (201, 204), reply.body
        kii.services.clock.advance(every_ms)
    return start


def _query(kii: Kii, thing: dict[str, str], body: dict[str, Any], alias: str = "AirConditionerAlias") -> Any:
    return tif(
        kii, "POST", f"/targets/{thing['target']}/states/aliases/{alias}/query", body, thing["owner"], QUERY
    )


def test_every_state_is_kept_and_queried_with_a_clause(kii: Kii, thing: dict[str, str]) -> None:
    start = _upload(kii, thing, [18, 22, 25, 19])
    reply = _query(
        kii, thing, {"query": {"clause": {"type": "range", "field": "temperature", "lowerLimit": 20}}}
    )
    assert reply.status == 200, reply.body
    results = reply.body["results"]
    assert [(r["temperature"], r["power"]) for r in results] == [(22, True), (25, True)]
    assert start + 20_000 <= results[0]["_created"] < results[1]["_created"] < start + 60_000


def test_a_time_range_and_paging_walk_the_history_in_order(kii: Kii, thing: dict[str, str]) -> None:
    start = _upload(kii, thing, [10, 11, 12, 13, 14])
    clause = {"type": "withinTimeRange", "lowerLimit": start + 20_000, "upperLimit": start + 90_000}
    first = _query(kii, thing, {"query": {"clause": clause}, "bestEffortLimit": 2})
    assert [s["temperature"] for s in first.body["results"]] == [11, 12]
    second = _query(
        kii,
        thing,
        {"query": {"clause": clause}, "bestEffortLimit": 2, "paginationKey": first.body["nextPaginationKey"]},
    )
    assert [s["temperature"] for s in second.body["results"]] == [13, 14]
    assert "nextPaginationKey" not in second.body


def test_grouped_results_follow_the_things_data_grouping_interval(kii: Kii, thing: dict[str, str]) -> None:
    kii.services.clock.advance(MINUTE - kii.services.clock.now_ms() % MINUTE)  # at a minute's start
    start = _upload(kii, thing, [1, 2, 3, 4, 5, 6])  # three per minute
    clause = {"type": "withinTimeRange", "lowerLimit": start, "upperLimit": start + 10 * MINUTE}
    reply = _query(kii, thing, {"query": {"clause": clause, "grouped": True}})
    groups = reply.body["groupedResults"]
    minute = start - start % MINUTE
    assert [g["range"] for g in groups] == [
        {"from": minute, "to": minute + MINUTE - 1},
        {"from": minute + MINUTE, "to": minute + 2 * MINUTE - 1},
    ]
    assert [[s["temperature"] for s in g["objects"]] for g in groups] == [[1, 2, 3], [4, 5, 6]]


def test_aggregations_per_group(kii: Kii, thing: dict[str, str]) -> None:
    kii.services.clock.advance(MINUTE - kii.services.clock.now_ms() % MINUTE)
    start = _upload(kii, thing, [30, 10, 20, 5, 7, 9])
    window = {"type": "withinTimeRange", "lowerLimit": start, "upperLimit": start + 2 * MINUTE}
    hot = {"type": "and", "clauses": [{"type": "eq", "field": "power", "value": True}, window]}
    answers = {}
    for kind in ("COUNT", "SUM", "MEAN", "MIN", "MAX"):
        body = {
            "query": {
                "clause": window if kind != "COUNT" else hot,
                "grouped": True,
                "aggregations": [
                    {
                        "type": kind,
                        "field": "temperature",
                        "fieldType": "INTEGER",
                        "putAggregationInto": kind.lower(),
                    }
                ],
            }
        }
        reply = _query(kii, thing, body)
        assert reply.status == 200, reply.body
        answers[kind] = [g["aggregations"][0] for g in reply.body["groupedResults"]]
    assert [a["value"] for a in answers["COUNT"]] == [1]  # only 30 is above 20
    assert [a["value"] for a in answers["SUM"]] == [60, 21]
    assert [a["value"] for a in answers["MEAN"]] == [20, 7]
    assert [a["value"] for a in answers["MIN"]] == [10, 5]
    assert answers["MAX"][0]["object"]["temperature"] == 30
    assert start <= answers["MAX"][0]["object"]["_created"] < start + MINUTE
    assert answers["MAX"][0]["putAggregationInto"] == "max"


def test_a_grouped_query_without_a_time_range_is_400(kii: Kii, thing: dict[str, str]) -> None:
    _upload(kii, thing, [1])
    reply = _query(kii, thing, {"query": {"clause": {"type": "all"}, "grouped": True}})
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_INPUT_DATA")


def test_an_unknown_aggregation_is_400_query_not_supported(kii: Kii, thing: dict[str, str]) -> None:
    start = _upload(kii, thing, [1])
    window = {"type": "withinTimeRange", "lowerLimit": start, "upperLimit": start + MINUTE}
    body = {"query": {"clause": window, "grouped": True, "aggregations": [{"type": "MEDIAN", "field": "t"}]}}
    reply = _query(kii, thing, body)
    assert (reply.status, reply.body["errorCode"]) == (400, "QUERY_NOT_SUPPORTED")


def test_history_is_the_things_and_its_owners_only(kii: Kii, thing: dict[str, str]) -> None:
    _upload(kii, thing, [1])
    _, stranger = kii.register("stranger")
    reply = tif(
        kii,
        "POST",
        f"/targets/{thing['target']}/states/aliases/AirConditionerAlias/query",
        {"query": {"clause": {"type": "all"}}},
        stranger,
        QUERY,
    )
    assert (reply.status, reply.body["errorCode"]) == (403, "UNAUTHORIZED")


def test_a_non_trait_things_whole_state_history(kii: Kii, thing: dict[str, str]) -> None:
    for power in (True, False):
        tif(kii, "PUT", f"/targets/{thing['target']}/states", {"power": power}, thing["token"])
        kii.services.clock.advance(1000)
    reply = tif(
        kii,
        "POST",
        f"/targets/{thing['target']}/states/query",
        {"query": {"clause": {"type": "eq", "field": "power", "value": False}}},
        thing["token"],
    )
    assert [s["power"] for s in reply.body["results"]] == [False]


def test_states_are_kept_only_for_the_retention_setting(kii: Kii, thing: dict[str, str]) -> None:
    from chalicelib.adapters.table import Key

    _upload(kii, thing, [1])
    table = kii.services.container.table
    pk = f"APP#{kii.app.app_id}#THING#{thing['target'].split(':')[1]}#TIFHIST"
    item = table.query("data", pk)[0]
    retention = kii.services.container.settings.state_history_retention_seconds
    assert item["ttl"] == item["createdAt"] // 1000 + retention
    assert table.get("data", Key(pk, item["sk"])) is not None
