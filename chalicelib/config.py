"""Settings from the environment, read once: the only module that reads ``os.environ``.

Every setting is one row of ``VARIABLES`` (field, environment variable, parser, default,
meaning); ``Settings`` takes its defaults from there and docs/configuration.md is generated
from it (``python -m chalicelib.config``; a unit test keeps the two equal). An empty variable
counts as unset.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Values = Mapping[str, Any]


def _text(raw: str) -> str:
    return raw


def _integer(raw: str) -> int:
    return int(raw)


def _decimal(raw: str) -> float:
    return float(raw)


def _flag(raw: str) -> bool:
    return raw in ("1", "true", "yes")


@dataclass(frozen=True)
class Variable:
    field: str
    names: tuple[str, ...]  # the first one set wins
    parse: Callable[[str], Any]
    # A value, or how to derive it from the settings above it (the table is in that order).
    default: Any
    meaning: str
    shown_default: str | None = None  # how the docs show a derived default

    def value(self, env: Mapping[str, str], known: Values) -> Any:
        for name in self.names:
            raw = env.get(name)
            if raw:
                return self.parse(raw)
        return self.default(known) if callable(self.default) else self.default


DAY = 24 * 3600
V = Variable
VARIABLES: tuple[Variable, ...] = (
    V(
        "stage",
        ("KARAKURI_STAGE",),
        _text,
        "local",
        "stage name; resource names default to `karakuri-{stage}-…`",
    ),
    V("region", ("AWS_REGION", "AWS_DEFAULT_REGION"), _text, "us-east-1", "AWS region"),
    V(
        "data_table",
        ("KARAKURI_DATA_TABLE",),
        _text,
        lambda s: f"karakuri-{s['stage']}-data",
        "the data table (set by the CloudFormation template in AWS)",
        "`karakuri-{stage}-data`",
    ),
    V(
        "events_table",
        ("KARAKURI_EVENTS_TABLE",),
        _text,
        lambda s: f"karakuri-{s['stage']}-events",
        "the events table, whose stream feeds the dispatcher",
        "`karakuri-{stage}-events`",
    ),
    V(
        "bodies_bucket",
        ("KARAKURI_BODIES_BUCKET",),
        _text,
        lambda s: f"karakuri-{s['stage']}-bodies",
        "the S3 bucket of object bodies (created at start-up locally)",
        "`karakuri-{stage}-bodies`",
    ),
    V(
        "data_key_id",
        ("KARAKURI_DATA_KEY_ID",),
        _text,
        None,
        "the KMS key that wraps the data keys of encrypted buckets (set by the template)",
    ),
    V(
        "local_data_key",
        ("KARAKURI_LOCAL_DATA_KEY",),
        _text,
        "",
        "without KMS, the master key of encrypted buckets (hex); empty: derived from the stage",
    ),
    V(
        "aws_endpoint",
        ("KARAKURI_AWS_ENDPOINT",),
        _text,
        None,
        "an explicit AWS endpoint (the embedded moto server locally); unset: real AWS",
    ),
    V(
        "embedded_stack",
        ("KARAKURI_EMBEDDED_STACK",),
        _flag,
        False,
        "`1`: importing the app starts the embedded local stack (`chalice local --stage local`)",
    ),
    V("local_host", ("KARAKURI_LOCAL_HOST",), _text, "127.0.0.1", "the local stack's host"),
    V("local_port", ("KARAKURI_LOCAL_PORT",), _integer, 8000, "the local API's port (`make run PORT=…`)"),
    V(
        "local_aws_port",
        ("KARAKURI_LOCAL_AWS_PORT",),
        _integer,
        8001,
        "the local moto server's port (`make run AWS_PORT=…`)",
    ),
    V(
        "local_mqtt_port",
        ("KARAKURI_LOCAL_MQTT_PORT",),
        _integer,
        1883,
        "the local MQTT broker's port (`make run MQTT_PORT=…`)",
    ),
    V(
        "iot_publish",
        ("KARAKURI_IOT_PUBLISH",),
        _flag,
        False,
        "`1`: Thing-IF commands are published through AWS IoT Core (set by the template)",
    ),
    V(
        "mqtt_credentials_ttl_seconds",
        ("KARAKURI_MQTT_CREDENTIALS_TTL",),
        _integer,
        7 * DAY,
        "how long an installation's `mqtt-endpoint` credentials are valid, seconds (`X-MQTT-TTL`)",
    ),
    V(
        "sns_push",
        ("KARAKURI_SNS_PUSH",),
        _flag,
        False,
        "`1`: ANDROID/IOS push goes through Amazon SNS mobile push (set by the template); "
        "the local stack records it instead (docs/push.md)",
    ),
    V(
        "state_dir",
        ("KARAKURI_STATE_DIR",),
        _text,
        ".karakuri",
        "where the local stack keeps its credentials and data (`data/`)",
    ),
    V(
        "fresh",
        ("KARAKURI_FRESH",),
        _flag,
        False,
        "`1`: the local stack forgets its data on start (`make run FRESH=1`)",
    ),
    V(
        "local_dynamodb",
        ("KARAKURI_LOCAL_DYNAMODB",),
        _text,
        "direct",
        "how the local stack reaches its in-process moto: `direct` (moto's handlers, "
        "`chalicelib/adapters/moto_direct.py`) or `boto3` (for comparison, BENCHMARKS.md)",
    ),
    # Kii tokens historically never expired; ours do, and can be refreshed.
    V(
        "access_token_ttl_seconds",
        ("KARAKURI_ACCESS_TOKEN_TTL",),
        _integer,
        30 * DAY,
        "access token lifetime, seconds (a client may ask for less with `expiresAt`)",
    ),
    V(
        "refresh_token_ttl_seconds",
        ("KARAKURI_REFRESH_TOKEN_TTL",),
        _integer,
        180 * DAY,
        "refresh token lifetime, seconds",
    ),
    # OWASP's minimum, N=2**17 (r=8, p=1): 128 MiB and a few hundred milliseconds per hash,
    # the point of a slow KDF.
    V(
        "scrypt_log2_n",
        ("KARAKURI_SCRYPT_LOG2_N",),
        _integer,
        17,
        "scrypt cost of password hashes (OWASP's minimum; older hashes are rehashed at login)",
    ),
    V(
        "verification_code_ttl_seconds",
        ("KARAKURI_VERIFICATION_CODE_TTL",),
        _integer,
        DAY,
        "e-mail and SMS verification code lifetime, seconds",
    ),
    V("reset_code_ttl_seconds", ("KARAKURI_RESET_CODE_TTL",), _integer, 3600, "reset code lifetime, seconds"),
    V(
        "event_retention_seconds",
        ("KARAKURI_EVENT_RETENTION",),
        _integer,
        7 * DAY,
        "how long events stay in the events table (DynamoDB TTL), seconds",
    ),
    V(
        "state_history_retention_seconds",
        ("KARAKURI_STATE_HISTORY_RETENTION",),
        _integer,
        30 * DAY,
        "how long every uploaded Thing-IF state is kept in the thing's history, seconds (0: none)",
    ),
    V("log_level", ("KARAKURI_LOG_LEVEL",), _text, "INFO", "log level of the `karakuri` loggers"),
    V(
        "log_format",
        ("KARAKURI_LOG_FORMAT",),
        _text,
        "text",
        "`json` (the template sets it): JSON log lines and CloudWatch EMF metrics (docs/operations.md)",
    ),
    V(
        "script_engine",
        ("KARAKURI_SCRIPT_ENGINE",),
        _text,
        "js2py",
        "the server-code engine: `js2py` or `quickjs`",
    ),
    V(
        "script_timeout_seconds",
        ("KARAKURI_SCRIPT_TIMEOUT",),
        _decimal,
        20.0,
        "seconds an execution may take (Kii's limit), SDK I/O included; the worker is killed then",
    ),
    V(
        "script_memory_mb",
        ("KARAKURI_SCRIPT_MEMORY_MB",),
        _integer,
        128,
        "each server-code worker process's memory cap (beyond its start-up size)",
    ),
    V(
        "script_workers_per_app",
        ("KARAKURI_SCRIPT_WORKERS_PER_APP",),
        _integer,
        4,
        "server-code worker processes one app may use at once (more executions of the app wait)",
    ),
    V(
        "outbound_allow",
        ("KARAKURI_OUTBOUND_ALLOW",),
        _text,
        "",
        "server code's `$.ajax`: comma-separated `host[:port]` or CIDR rules opening destinations",
    ),
    V(
        "outbound_deny",
        ("KARAKURI_OUTBOUND_DENY",),
        _text,
        "",
        "server code's `$.ajax`: rules closing destinations (internal addresses are closed anyway)",
    ),
    V(
        "outbound_max_response_bytes",
        ("KARAKURI_OUTBOUND_MAX_RESPONSE_BYTES",),
        _integer,
        5 * 1024 * 1024,
        "how much of an outbound HTTP answer server code reads, bytes",
    ),
    V(
        "execution_retention_seconds",
        ("KARAKURI_EXECUTION_RETENTION",),
        _integer,
        7 * DAY,
        "how long execution records are kept, seconds",
    ),
    V(
        "executions_queue_url",
        ("KARAKURI_EXECUTIONS_QUEUE_URL",),
        _text,
        None,
        "the executions queue (SQS, set by the template): the stream consumer and the scheduler "
        "enqueue there and the executor Lambda runs them; unset: the local stack's in-process "
        "pool, or inline without one (docs/hooks.md)",
    ),
    V(
        "executions_dead_letter_queue_url",
        ("KARAKURI_EXECUTIONS_DLQ_URL",),
        _text,
        None,
        "the executions dead-letter queue (SQS, set by the template): the app admin's "
        "`GET …/hooks/dead-letters` reads it and redrives to the executions queue",
    ),
    V(
        "local_executors",
        ("KARAKURI_LOCAL_EXECUTORS",),
        _integer,
        16,
        "the local stack's executor pool: executions at once (each app at most its workers)",
    ),
    V(
        "base_url",
        ("KARAKURI_BASE_URL",),
        _text,
        lambda s: f"http://{s['local_host']}:{s['local_port']}/api",
        "`Kii.getBaseURL()` in hooks and schedules (the template sets the stage's API URL)",
        "`http://{local host}:{local port}/api`",
    ),
)


def _values(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for variable in VARIABLES:
        values[variable.field] = variable.value(env, values)
    return values


_DEFAULTS = _values({})


@dataclass(frozen=True)
class Settings:
    """The settings: each field's default is its row's in ``VARIABLES``."""

    stage: str = _DEFAULTS["stage"]
    region: str = _DEFAULTS["region"]
    data_table: str = _DEFAULTS["data_table"]
    events_table: str = _DEFAULTS["events_table"]
    bodies_bucket: str = _DEFAULTS["bodies_bucket"]
    data_key_id: str | None = _DEFAULTS["data_key_id"]
    local_data_key: str = _DEFAULTS["local_data_key"]
    aws_endpoint: str | None = _DEFAULTS["aws_endpoint"]
    embedded_stack: bool = _DEFAULTS["embedded_stack"]
    local_host: str = _DEFAULTS["local_host"]
    local_port: int = _DEFAULTS["local_port"]
    local_aws_port: int = _DEFAULTS["local_aws_port"]
    local_mqtt_port: int = _DEFAULTS["local_mqtt_port"]
    iot_publish: bool = _DEFAULTS["iot_publish"]
    mqtt_credentials_ttl_seconds: int = _DEFAULTS["mqtt_credentials_ttl_seconds"]
    sns_push: bool = _DEFAULTS["sns_push"]
    state_dir: str = _DEFAULTS["state_dir"]
    fresh: bool = _DEFAULTS["fresh"]
    local_dynamodb: str = _DEFAULTS["local_dynamodb"]
    access_token_ttl_seconds: int = _DEFAULTS["access_token_ttl_seconds"]
    refresh_token_ttl_seconds: int = _DEFAULTS["refresh_token_ttl_seconds"]
    scrypt_log2_n: int = _DEFAULTS["scrypt_log2_n"]
    verification_code_ttl_seconds: int = _DEFAULTS["verification_code_ttl_seconds"]
    reset_code_ttl_seconds: int = _DEFAULTS["reset_code_ttl_seconds"]
    event_retention_seconds: int = _DEFAULTS["event_retention_seconds"]
    state_history_retention_seconds: int = _DEFAULTS["state_history_retention_seconds"]
    log_level: str = _DEFAULTS["log_level"]
    log_format: str = _DEFAULTS["log_format"]
    script_engine: str = _DEFAULTS["script_engine"]
    script_timeout_seconds: float = _DEFAULTS["script_timeout_seconds"]
    script_memory_mb: int = _DEFAULTS["script_memory_mb"]
    script_workers_per_app: int = _DEFAULTS["script_workers_per_app"]
    outbound_allow: str = _DEFAULTS["outbound_allow"]
    outbound_deny: str = _DEFAULTS["outbound_deny"]
    outbound_max_response_bytes: int = _DEFAULTS["outbound_max_response_bytes"]
    base_url: str = _DEFAULTS["base_url"]
    execution_retention_seconds: int = _DEFAULTS["execution_retention_seconds"]
    executions_queue_url: str | None = _DEFAULTS["executions_queue_url"]
    executions_dead_letter_queue_url: str | None = _DEFAULTS["executions_dead_letter_queue_url"]
    local_executors: int = _DEFAULTS["local_executors"]

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> Settings:
        return cls(**_values(env))


def markdown() -> str:
    """The table of docs/configuration.md."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for variable in VARIABLES:
        names = ", ".join(f"`{n}`" for n in variable.names)
        if variable.shown_default is not None:
            shown = variable.shown_default
        elif variable.default is None or variable.default == "":
            shown = "unset"
        elif isinstance(variable.default, bool):
            shown = "`1`" if variable.default else "unset"
        else:
            shown = f"`{variable.default}`"
        rows.append(f"| {names} | {shown} | {variable.meaning} |")
    return "\n".join(rows) + "\n"


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_environ(os.environ)


def reset() -> None:
    """Forget the cached settings (tests change the environment)."""
    settings.cache_clear()


def default_environ(name: str, value: str) -> None:
    """Set a process environment variable unless it is set (the embedded stack's fake AWS
    credentials: real ones, where given, are kept)."""
    os.environ.setdefault(name, value)


def set_environ(name: str, value: str) -> None:
    """Set a process environment variable (the embedded stack points boto3 at moto)."""
    os.environ[name] = value


if __name__ == "__main__":
    sys.stdout.write(markdown())
