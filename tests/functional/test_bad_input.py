"""Bad input gets Kii's 400, never a 5xx, and nothing that is not JSON is ever stored: long
number literals, NaN and Infinity, lone surrogates, deep nesting, and forged paging keys."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.conftest import Kii
from tests.functional.world import register_thing

QUERY_ALL = {"bucketQuery": {"clause": {"type": "all"}}}


def _key(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _error(reply: Any) -> tuple[int, str]:
    return reply.status, reply.body["errorCode"]


def test_number_literal_of_5000_digits_is_invalid_json(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("POST", "/buckets/bb/objects", '{"a": ' + "9" * 5000 + "}", token)
    assert _error(reply) == (400, "INVALID_JSON")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_object_with_a_non_finite_number_is_refused(kii: Kii, literal: str) -> None:
    _, token = kii.register("alice")
    reply = kii.call("POST", "/buckets/bb/objects", '{"a": ' + literal + "}", token)
    assert _error(reply) == (400, "INVALID_INPUT_DATA")
    listed = kii.call("POST", "/buckets/bb/query", QUERY_ALL, token)
    assert listed.status in (200, 404)
    assert not (listed.body or {}).get("results")


def test_object_with_a_lone_surrogate_is_refused(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("POST", "/buckets/bb/objects", '{"a": "\\ud800"}', token)
    assert _error(reply) == (400, "INVALID_INPUT_DATA")
    key = kii.call("POST", "/buckets/bb/objects", '{"\\udfff": 1}', token)
    assert _error(key) == (400, "INVALID_INPUT_DATA")


@pytest.mark.parametrize("limit", ["NaN", "Infinity", "1e400"])
def test_query_with_a_non_finite_best_effort_limit_is_refused(kii: Kii, limit: str) -> None:
    _, token = kii.register("alice")
    kii.call("POST", "/buckets/bb/objects", {"a": 1}, token)
    body = '{"bucketQuery": {"clause": {"type": "all"}}, "bestEffortLimit": ' + limit + "}"
    assert _error(kii.call("POST", "/buckets/bb/query", body, token)) == (400, "INVALID_INPUT_DATA")


@pytest.mark.parametrize(
    "forged", [[2, "x", "id"], ["2", 1, "id"], [3, 5, "id"], [2, 1, 7], [True, 1, "id"], [2, {}, "id"]]
)
def test_query_with_a_forged_pagination_key_and_order_is_refused(kii: Kii, forged: list[Any]) -> None:
    _, token = kii.register("alice")
    for n in range(3):
        kii.call("POST", "/buckets/bb/objects", {"n": n}, token)
    body = {
        "bucketQuery": {"clause": {"type": "all"}, "orderBy": "n"},
        "bestEffortLimit": 1,
        "paginationKey": _key(forged),
    }
    assert _error(kii.call("POST", "/buckets/bb/query", body, token)) == (400, "INVALID_INPUT_DATA")


def test_query_pages_with_the_key_it_issued(kii: Kii) -> None:
    _, token = kii.register("alice")
    for n in range(3):
        kii.call("POST", "/buckets/bb/objects", {"n": n}, token)
    body: dict[str, Any] = {"bucketQuery": {"clause": {"type": "all"}, "orderBy": "n"}, "bestEffortLimit": 2}
    first = kii.call("POST", "/buckets/bb/query", body, token).body
    second = kii.call(
        "POST", "/buckets/bb/query", {**body, "paginationKey": first["nextPaginationKey"]}, token
    ).body
    assert [r["n"] for r in first["results"] + second["results"]] == [0, 1, 2]


def test_hook_config_nested_10000_deep_is_refused(kii: Kii) -> None:
    admin = kii.admin_token()
    version = kii.call("POST", "/server-code", "function f(p, c) {}", admin, "application/javascript").body[
        "versionID"
    ]
    deep = '{"kiicloud://users": ' + "[" * 10000 + "]" * 10000 + "}"
    reply = kii.call(
        "PUT", f"/hooks/versions/{version}", deep, admin, "application/vnd.kii.HooksDeploymentRequest+json"
    )
    assert _error(reply) == (400, "INVALID_INPUT_DATA")


@pytest.mark.parametrize("key", ["x" * 2000, ""])
def test_executions_with_a_bad_pagination_key_are_refused(kii: Kii, key: str) -> None:
    reply = kii.call("GET", f"/hooks/executions?paginationKey={key}", token=kii.admin_token())
    assert _error(reply) == (400, "INVALID_INPUT_DATA")


def test_deep_json_body_is_refused_everywhere(kii: Kii) -> None:
    _, token = kii.register("alice")
    deep = "[" * 100 + "]" * 100
    for path in ("/buckets/bb/objects", "/users/me", "/groups"):
        reply = kii.call("POST", path, '{"a": ' + deep + "}", token)
        assert _error(reply) == (400, "INVALID_INPUT_DATA"), path


def test_states_with_nan_are_refused_over_rest(kii: Kii) -> None:
    thing = register_thing(kii, "d1", "pw")
    reply = kii.call(
        "PUT",
        f"/thing-if/apps/{kii.app.app_id}/targets/thing:{thing['_thingID']}/states",
        '{"t": NaN}',
        thing["_accessToken"],
    )
    assert _error(reply) == (400, "INVALID_INPUT_DATA")


def test_states_with_nan_are_refused_over_mqtt(kii: Kii) -> None:
    from chalicelib.dispatcher.devices import DeviceBridge
    from chalicelib.errors import InvalidInputData, InvalidJson

    thing = register_thing(kii, "d1", "pw")
    bridge = DeviceBridge(kii.services.container)
    for payload in (b'{"t": NaN}', b'{"t": "\\ud800"}', b'{"t": ' + b"1" * 5000 + b"}"):
        with pytest.raises((InvalidInputData, InvalidJson)):
            bridge.state(kii.app.app_id, thing["_thingID"], payload)
    assert kii.services.container.thingif.store.state(kii.app.app_id, thing["_thingID"]) is None
