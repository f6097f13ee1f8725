"""docs/openapi.yaml describes exactly the routes the app serves: a new route without its
operation, or an operation without its route, fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "head", "post", "put", "patch", "delete", "options"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text()))


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def test_every_route_has_an_operation_and_every_operation_a_route(spec: dict[str, Any]) -> None:
    from app import app

    routes = {(path, method) for path, methods in app.routes.items() for method in methods}
    described = set(_operations(spec))
    assert sorted(routes - described) == [], "routes missing from docs/openapi.yaml"
    assert sorted(described - routes) == [], "operations in docs/openapi.yaml without a route"


def test_spec_is_openapi_3_1_with_unique_operation_ids(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    ids = [op["operationId"] for op in _operations(spec).values()]
    assert len(ids) == len(set(ids))


def test_every_operation_answers_kii_errors_and_declares_its_path_parameters(spec: dict[str, Any]) -> None:
    import re

    for (path, method), operation in _operations(spec).items():
        assert operation["responses"]["4XX"] == {"$ref": "#/components/responses/KiiError"}, (path, method)
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(spec):
        target: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref
