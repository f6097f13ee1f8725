"""Server code checks at upload, hook configs and cron (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.cron import Cron
from chalicelib.domain.hooks import parse_hook_config
from chalicelib.domain.scripts import check_script
from chalicelib.errors import InvalidHookConfig, InvalidInputData, ServerCodeVerificationError


def test_endpoints_are_the_top_level_functions() -> None:
    checked = check_script(
        "function a(p, c) { return 1; }\nvar b = function(p, c, done) { done(2); };\n"
        "var notFn = 3;\nfunction helper() {}"
    )
    assert checked.endpoints == {"a", "b", "helper"}


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("function a( {", 1, 12),
        ("var x = 1;\nfoo(;", 2, 5),
    ],
)
def test_syntax_errors_name_line_and_column(source: str, line: int, column: int) -> None:
    with pytest.raises(ServerCodeVerificationError) as error:
        check_script(source)
    assert (error.value.extra["line"], error.value.extra["column"]) == (line, column)
    assert error.value.message.startswith(f"Line {line}, column {column}:")


@pytest.mark.parametrize(
    "source",
    [
        'eval("1")',
        "var a = new Array(3);",
        "var a = Array(3);",
        "var __kii_x = 1;",
        "log(__dirname);",
        "log(__filename);",
        "setTimeout(f, 1);",
        "setInterval(f, 1);",
        "var f = () => 1;",
    ],
)
def test_kii_static_restrictions_are_enforced(source: str) -> None:
    with pytest.raises(ServerCodeVerificationError):
        check_script(source)


def test_oversized_code_is_refused() -> None:
    with pytest.raises(ServerCodeVerificationError):
        check_script("var a = 1;\n" * 40_000)


ENDPOINTS = {"main", "other", "job"}


def test_hook_config_resolves_endpoints_and_jobs() -> None:
    config = parse_hook_config(
        """{
      // copied from Kii's docs
      "kiicloud://users": [{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "main"}],
      "kiicloud://users/*/buckets/gifts": [{"when": "DATA_OBJECT_CREATED", "what": "EXECUTE_SERVER_CODE",
                                            "endpoint": "other"}],
      /* a job */
      "kiicloud://scheduler": {"Hourly": {"what": "EXECUTE_SERVER_CODE", "cron": "0 * * * *", "endpoint": "job",
                                          "parameters": {"k": "//not a comment"}, "name": "ignored"}}
    }""",
        ENDPOINTS,
    )
    assert config.endpoint_for("kiicloud://users", "USER_CREATED") == "main"
    assert config.endpoint_for("kiicloud://users/*/buckets/gifts", "DATA_OBJECT_CREATED") == "other"
    assert config.endpoint_for("kiicloud://users", "USER_DELETED") is None
    [job] = config.jobs
    assert (job.name, job.endpoint, job.parameters) == ("Hourly", "job", {"k": "//not a comment"})


def test_a_path_written_twice_keeps_the_last() -> None:
    config = parse_hook_config(
        """{"kiicloud://users": [{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE",
    "endpoint": "main"}], "kiicloud://users": [{"when": "USER_DELETED", "what": "EXECUTE_SERVER_CODE",
    "endpoint": "other"}]}""",
        ENDPOINTS,
    )
    assert config.endpoint_for("kiicloud://users", "USER_CREATED") is None
    assert config.endpoint_for("kiicloud://users", "USER_DELETED") == "other"


def _hook(when: str, endpoint: str = "main", what: str = "EXECUTE_SERVER_CODE") -> dict[str, Any]:
    return {"when": when, "what": what, "endpoint": endpoint}


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ('{"kiicloud://nowhere": []}', "Unknown hook path"),
        (
            '{"kiicloud://users": [{"when": "GROUP_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "main"}]}',
            "not a trigger",
        ),
        ('{"kiicloud://users": [{"when": "USER_CREATED", "what": "RUN", "endpoint": "main"}]}', "'what'"),
        (
            '{"kiicloud://users": [{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "missing"}]}',
            "no endpoint 'missing'",
        ),
        (
            '{"kiicloud://users": [{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "main"},'
            '{"when": "USER_CREATED", "what": "EXECUTE_SERVER_CODE", "endpoint": "other"}]}',
            "one endpoint per trigger",
        ),
        (
            '{"kiicloud://scheduler": {"j": {"what": "EXECUTE_SERVER_CODE", "cron": "* * *", "endpoint": "job"}}}',
            "five fields",
        ),
        ('{"kiicloud://buckets/x": []}', "Unknown hook path"),
        ("[1]", "JSON object"),
        ("{not json", "not JSON"),
    ],
)
def test_bad_hook_config_is_refused_saying_what_and_where(document: str, fragment: str) -> None:
    with pytest.raises(InvalidHookConfig) as error:
        parse_hook_config(document, ENDPOINTS)
    assert fragment in error.value.message


@pytest.mark.parametrize(
    ("expression", "when", "due"),
    [
        ("0 * * * *", datetime(2026, 1, 1, 3, 0), True),
        ("0 * * * *", datetime(2026, 1, 1, 3, 1), False),
        ("0/15 * * * *", datetime(2026, 1, 1, 3, 45), True),
        ("0 5 * * MON-FRI", datetime(2026, 11, 23, 5, 0), True),
        ("0 5 * * MON-FRI", datetime(2026, 11, 22, 5, 0), False),
        ("0 13 1 * *", datetime(2026, 2, 1, 13, 0), True),
        ("0 0 * JAN,jul *", datetime(2026, 7, 9, 0, 0), True),
        ("0 0 1 * 0", datetime(2026, 11, 22, 0, 0), True),
    ],
)
def test_cron_is_due_in_utc_minutes(expression: str, when: datetime, due: bool) -> None:
    assert Cron.parse(expression).matches(when) is due


@pytest.mark.parametrize("expression", ["* * * *", "60 * * * *", "x * * * *", "*/0 * * * *", "5-1 * * * *"])
def test_bad_cron_is_invalid(expression: str) -> None:
    with pytest.raises(InvalidInputData):
        Cron.parse(expression)
