"""Server code checked at upload: syntax (with line and column), Kii's static restrictions,
and the endpoints the file defines (pure; pyjsparser is a pure-Python ES5 parser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyjsparser import PyJsParser  # type: ignore[import-untyped]

from chalicelib.errors import ServerCodeVerificationError

MAX_SOURCE_BYTES = 300 * 1024
FORBIDDEN_CALLS = {"eval": "eval", "setTimeout": "setTimeout", "setInterval": "setInterval"}
FORBIDDEN_NAMES = ("__filename", "__dirname")


class _LocatingParser(PyJsParser):  # type: ignore[misc]
    """pyjsparser reports only the line; the column is computed from the offset it knows."""

    def createError(self, line: int, pos: int, description: str) -> Exception:
        column = pos - self.source.rfind("\n", 0, pos)
        error = SyntaxError(f"Line {line}, column {column}: {description}")
        error.lineno, error.offset = line, column
        return error


class ScriptTimeout(Exception):
    """The engine stopped the script because its time was up."""


class ScriptFailure(Exception):
    """The engine itself failed (not a JavaScript error the prelude caught)."""


class ScriptMemoryExceeded(ScriptFailure):
    """The execution passed its memory cap (the sandbox worker ran out or was stopped)."""


@dataclass(frozen=True)
class CheckedScript:
    source: str
    endpoints: frozenset[str]
    # Names the file assigns (``global.sayHello = ...``, ``x = ...``): endpoints if its top
    # level leaves a function under that global name, which only evaluating it can tell.
    assigned: frozenset[str] = frozenset()


def check_script(source: str) -> CheckedScript:
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise ServerCodeVerificationError(f"The server code is larger than {MAX_SOURCE_BYTES // 1024} KB")
    try:
        tree = _LocatingParser().parse(source)
    except SyntaxError as error:
        raise ServerCodeVerificationError(error.msg, line=error.lineno, column=error.offset) from None
    except Exception as error:  # pyjsparser raises its own JsSyntaxError for some inputs
        raise ServerCodeVerificationError(f"Syntax error: {error}") from None
    assigned: set[str] = set()
    for node in _walk(tree):
        _check_node(node)
        if node["type"] == "AssignmentExpression":
            assigned.update(_assigned_name(node.get("left") or {}))
    endpoints = frozenset(_endpoints(tree))
    names = {n for n in assigned if ENDPOINT_NAME.match(n) and not n.startswith("__kii_")}
    return CheckedScript(source, endpoints, frozenset(names - endpoints))


def _assigned_name(target: dict[str, Any]) -> Iterator[str]:
    if target.get("type") == "Identifier":
        yield target.get("name", "")
    elif target.get("type") == "MemberExpression":
        prop = target.get("property") or {}
        if not target.get("computed") and prop.get("type") == "Identifier":
            yield prop.get("name", "")
        elif prop.get("type") == "Literal" and isinstance(prop.get("value"), str):
            yield prop["value"]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _check_node(node: dict[str, Any]) -> None:
    kind = node["type"]
    if kind == "Identifier":
        name = node.get("name", "")
        if name.startswith("__kii_"):
            raise ServerCodeVerificationError(f"Names starting with __kii_ are reserved: {name}")
        if name in FORBIDDEN_NAMES:
            raise ServerCodeVerificationError(f"{name} is not available in server code")
    if kind in ("CallExpression", "NewExpression"):
        callee = node.get("callee") or {}
        if callee.get("type") == "Identifier":
            name = callee.get("name")
            if name in FORBIDDEN_CALLS:
                raise ServerCodeVerificationError(f"{name} is not allowed in server code")
            if name == "Array":
                raise ServerCodeVerificationError(
                    "The Array constructor is not allowed in server code; use []"
                )


def _endpoints(tree: dict[str, Any]) -> Iterator[str]:
    """Top-level functions: declarations and ``var name = function(){}``."""
    for statement in tree.get("body", []):
        if statement["type"] == "FunctionDeclaration":
            yield statement["id"]["name"]
        elif statement["type"] == "VariableDeclaration":
            for declaration in statement.get("declarations", []):
                init = declaration.get("init") or {}
                if init.get("type") == "FunctionExpression":
                    yield declaration["id"]["name"]


ENVIRONMENT_VERSIONS = ("0", "6")
DEFAULT_ENVIRONMENT = "6"
ENDPOINT_NAME = re.compile(r"^[a-zA-Z][_a-zA-Z0-9]*$")


@dataclass(frozen=True)
class CodeVersion:
    """One deployed server-code file; versions never change, only which one is current."""

    app_id: str
    version_id: str
    created_at: int
    environment_version: str
    endpoints: tuple[str, ...]
    size: int

    def to_json(self, current: bool) -> dict[str, Any]:
        return {
            "versionID": self.version_id,
            "createdAt": self.created_at,
            "modifiedAt": self.created_at,
            "current": current,
            "environmentVersion": self.environment_version,
        }
