"""Property-based fuzzing of every operation in docs/openapi.yaml: whatever the path, query,
headers, principal and body, karakuri answers a non-5xx status, and every error is Kii's
``{"errorCode", "message"}`` with no traceback; nothing stored is left that is not JSON.

Bounded in ``make test`` (KARAKURI_FUZZ_EXAMPLES, 1,000 by default, derandomized: the same
requests every run). Locally, at scale:

    KARAKURI_FUZZ_EXAMPLES=10000 .venv/bin/pytest -q tests/functional/test_fuzz.py -s
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_EPOCH_MS, TEST_SETTINGS
from tests.functional.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("KARAKURI_FUZZ_EXAMPLES", "1000"))
METHODS = ("get", "head", "post", "put", "patch", "delete")

SPEC = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
OPERATIONS = sorted(
    (path, method.upper(), operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if method in METHODS
)

# Bodies JSON parsers get wrong: every one must be refused with a Kii 400, never stored.
NASTY_BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"text"',
    b"1e999",
    b'{"a": NaN}',
    b'{"a": Infinity, "b": -Infinity}',
    b'{"a": ' + b"9" * 5000 + b"}",
    b'{"a": "\\ud800"}',
    b'{"\\udfff": 1}',
    b"[" * 10000 + b"]" * 10000,
    b'{"a":' * 200 + b"1" + b"}" * 200,
    b"\xff\xfe\x00",
    b"a=b&c=d",
    b'{"bucketQuery": {"clause": {"type": "all"}, "orderBy": "n"}, "bestEffortLimit": NaN}',
    b'{"bucketQuery": {"clause": {"type": "all"}}, "bestEffortLimit": 1e400}',
]

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
SEGMENT_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), min_size=1, max_size=40
)


@dataclass
class Fuzzed:
    """What the fuzzer names: the world's IDs and tokens, and what it has seen."""

    http: Any
    values: dict[str, list[str]]
    tokens: dict[str, str | None]
    statuses: Counter[int] = field(default_factory=Counter)
    requests: int = 0


# Names that exist in the world but are not the first choice of a path placeholder.
ALTERNATIVES = {
    "appID": ["{appID}"] * 6 + ["nope"],
    "userRef": ["{a}", "{b}", "me", "LOGIN_NAME:usera", "EMAIL:a@example.com", "PHONE:+819011112222"],
    "userID": ["{b}", "{c}"],
    "thingRef": ["{thingRef}", "VENDOR_THING_ID:vt-a"],
    "bucketID": ["bucket1", "bucket2", "b"],
    "action": [
        "READ_EXISTING_OBJECT",
        "WRITE_EXISTING_OBJECT",
        "QUERY_OBJECTS_IN_BUCKET",
        "CREATE_OBJECTS_IN_BUCKET",
        "DROP_BUCKET_WITH_ALL_CONTENT",
    ],
    "subject": [
        "UserID:{b}",
        "GroupID:{group}",
        "ThingID:{thingRef}",
        "UserID:ANY_AUTHENTICATED_USER",
        "UserID:ANONYMOUS_USER",
    ],
    "owner": ["user:{a}", "group:{group}", "user:{c}"],
    "versionID": ["{version}", "current"],
    "endpoint": ["hello", "missing"],
    "target": ["{target}", "thing:nope", "user:x"],
    "field": ["thing-type", "firmware-version"],
    "switch": ["enable", "disable"],
    "installationRef": ["{installationRef}", "ANDROID:reg-1"],
}


def _fuzzed(world: World) -> Fuzzed:
    names = world.names
    values = {name: [names[name]] for name in names}
    for name, choices in ALTERNATIVES.items():
        values[name] = [re.sub(r"{(\w+)}", lambda m: names[m.group(1)], choice) for choice in choices]
    values["appID"].append(names["other_app"])
    return Fuzzed(world.kii.http, values, {**world.tokens, "garbage": "not-a-token"})


@st.composite
def requests(draw: st.DrawFn, world: Fuzzed) -> dict[str, Any]:
    path, method, operation = draw(st.sampled_from(OPERATIONS))

    def fill(match: re.Match[str]) -> str:
        known = world.values.get(match.group(1), [])
        # Mostly names that exist, so requests get past the lookups to the rules behind them.
        value = (
            draw(SEGMENT_TEXT) if not known or draw(st.integers(0, 9)) == 0 else draw(st.sampled_from(known))
        )
        return quote(value, safe=":@")

    url = re.sub(r"{(\w+)}", fill, path)
    query = {
        p["name"]: draw(st.sampled_from(["", "1", "-5", "NaN", "1e999", "x" * 2000, "abc"]) | SEGMENT_TEXT)
        for p in operation.get("parameters", [])
        if p["in"] == "query" and draw(st.booleans())
    }
    if query:
        url += "?" + urlencode(query)
    headers: dict[str, str] = {}
    principal = draw(st.sampled_from(sorted(world.tokens)))
    if world.tokens[principal]:
        headers["Authorization"] = f"Bearer {world.tokens[principal]}"
    declared = list((operation.get("requestBody") or {}).get("content", {}))
    content_type = draw(
        st.sampled_from([*declared, "application/json", "text/plain", "application/x-www-form-urlencoded"])
    )
    headers["Content-Type"] = content_type
    if draw(st.integers(0, 9)) == 0:
        headers[draw(st.sampled_from(["If-Match", "If-None-Match", "X-HTTP-Method-Override"]))] = draw(
            st.sampled_from(["*", "1", "abc", "PATCH"])
        )
    kind = draw(st.sampled_from(["schema", "json", "nasty", "none"]))
    body: bytes = b""
    if kind == "nasty":
        body = draw(st.sampled_from(NASTY_BODIES))
    elif kind == "json":
        body = json.dumps(draw(JSON_VALUES)).encode()
    elif kind == "schema":
        body = json.dumps(draw(_from_schema(operation))).encode()
    return {"method": method, "url": url, "headers": headers, "body": body, "principal": principal}


def _from_schema(operation: dict[str, Any]) -> st.SearchStrategy[Any]:
    content = (operation.get("requestBody") or {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    properties = schema.get("properties") or {}
    if not properties:
        return st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=5)
    value_for = {
        name: st.sampled_from(spec["enum"]) | JSON_SCALARS if "enum" in spec else JSON_VALUES
        for name, spec in properties.items()
    }
    return st.fixed_dictionaries({}, optional=value_for)


def _check(world: Fuzzed, request: dict[str, Any]) -> None:
    reply = world.http.request(
        request["method"], request["url"], headers=request["headers"], body=request["body"]
    )
    world.requests += 1
    world.statuses[reply.status_code] += 1
    text = reply.body.decode("utf-8", "replace") if isinstance(reply.body, bytes) else str(reply.body or "")
    where = (
        f"{request['method']} {request['url']} as {request['principal']}: {reply.status_code} {text[:300]}"
    )
    assert reply.status_code < 500, where
    assert "Traceback" not in text, where
    if reply.status_code >= 400 and request["method"] != "HEAD":
        error = json.loads(text)
        assert isinstance(error, dict), where
        assert isinstance(error.get("errorCode"), str) and isinstance(error.get("message"), str), where


def _stored_non_json(client: Any, table: str) -> list[str]:
    """Strings in the table that hold NaN, Infinity or lone surrogates."""

    def refuse(name: str) -> Any:
        raise ValueError(name)

    found: list[str] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            for value in item.values():
                text = value.get("S")
                if not isinstance(text, str) or text[:1] not in "{[":
                    continue
                try:
                    json.loads(text, parse_constant=refuse)
                except ValueError as error:
                    if "NaN" in str(error) or "Infinity" in str(error):
                        found.append(text[:200])
    return found


def test_no_request_gets_a_5xx_or_a_non_kii_error() -> None:
    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from chalicelib import wiring
    from chalicelib.adapters.security import ManualClock
    from chalicelib.local.tables import table_definitions

    with mock_aws():
        wiring.provision_tables(TEST_SETTINGS, table_definitions())
        wiring.provision_bodies_bucket(TEST_SETTINGS)
        clock = ManualClock(TEST_EPOCH_MS)
        services = wiring.build_for_aws(TEST_SETTINGS, clock)
        wiring.use(services)
        try:
            with Client(app) as client:
                world = _fuzzed(build_world(client.http, services, clock))
                started = time.monotonic()

                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                @given(st.data())
                def fuzz(data: st.DataObject) -> None:
                    _check(world, data.draw(requests(world)))

                fuzz()
                elapsed = time.monotonic() - started
                print(
                    f"\nfuzz: {world.requests} requests in {elapsed:.1f} s, "
                    f"statuses {dict(sorted(world.statuses.items()))}"
                )
                client_ = wiring.aws_client("dynamodb", TEST_SETTINGS)
                assert _stored_non_json(client_, TEST_SETTINGS.data_table) == []
        finally:
            wiring.reset()
