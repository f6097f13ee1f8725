"""Settings from the environment, read once: the only module that reads ``os.environ``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    region: str = "us-east-1"
    data_table: str = "karakuri-local-data"
    events_table: str = "karakuri-local-events"
    # The S3 bucket of object bodies (infra/template.json; created at start-up locally).
    bodies_bucket: str = "karakuri-local-bodies"
    # The KMS key that wraps the data keys of encrypted buckets (infra/template.json); without
    # one, a local master key (hex; derived from the stage when empty: not a secret locally).
    data_key_id: str | None = None
    local_data_key: str = ""
    # An explicit AWS endpoint (the embedded moto server locally); None means real AWS.
    aws_endpoint: str | None = None
    # `chalice local --stage local` starts the embedded stack when the app is imported.
    embedded_stack: bool = False
    local_host: str = "127.0.0.1"
    local_port: int = 8000
    local_aws_port: int = 8001
    local_mqtt_port: int = 1883
    # Publish Thing-IF commands through AWS IoT Core (set by the template in AWS).
    iot_publish: bool = False
    state_dir: str = ".karakuri"
    # The local stack keeps its data under state_dir/data; fresh=True forgets it on start.
    fresh: bool = False
    # Kii tokens historically never expired; ours do, and can be refreshed.
    access_token_ttl_seconds: int = 30 * 24 * 3600
    refresh_token_ttl_seconds: int = 180 * 24 * 3600
    # scrypt cost: OWASP's minimum, N=2**17 (r=8, p=1): 128 MiB and a few hundred milliseconds
    # per hash, the point of a slow KDF.
    scrypt_log2_n: int = 17
    verification_code_ttl_seconds: int = 24 * 3600
    reset_code_ttl_seconds: int = 3600
    event_retention_seconds: int = 7 * 24 * 3600
    # Thing-IF state history: how long every uploaded state is kept (0: no history).
    state_history_retention_seconds: int = 30 * 24 * 3600
    log_level: str = "INFO"
    # Server code: the engine ("js2py", the default, or "quickjs") and Kii's 20 s limit.
    script_engine: str = "js2py"
    script_timeout_seconds: float = 20.0
    # Each sandbox worker's memory cap (RLIMIT_AS beyond the worker's own start-up size), and at
    # most this many worker processes per app at once (more executions of the app wait).
    script_memory_mb: int = 128
    script_workers_per_app: int = 4
    # Server code's outbound HTTP ($.ajax): comma-separated host[:port] or CIDR rules. Internal
    # addresses (loopback, private, link-local, metadata) are refused unless allowed.
    outbound_allow: str = ""
    outbound_deny: str = ""
    outbound_max_response_bytes: int = 5 * 1024 * 1024
    # What Kii.getBaseURL() answers in hooks and schedules (manual executions use the request's host).
    base_url: str = "http://127.0.0.1:8000/api"
    # How long hook execution records are kept.
    execution_retention_seconds: int = 7 * 24 * 3600
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> Settings:
        stage = env.get("KARAKURI_STAGE", "local")

        def num(name: str, default: int) -> int:
            raw = env.get(name)
            return int(raw) if raw else default

        return cls(
            stage=stage,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            data_table=env.get("KARAKURI_DATA_TABLE", f"karakuri-{stage}-data"),
            events_table=env.get("KARAKURI_EVENTS_TABLE", f"karakuri-{stage}-events"),
            bodies_bucket=env.get("KARAKURI_BODIES_BUCKET", f"karakuri-{stage}-bodies"),
            data_key_id=env.get("KARAKURI_DATA_KEY_ID") or None,
            local_data_key=env.get("KARAKURI_LOCAL_DATA_KEY", ""),
            aws_endpoint=env.get("KARAKURI_AWS_ENDPOINT") or None,
            embedded_stack=env.get("KARAKURI_EMBEDDED_STACK", "") in ("1", "true", "yes"),
            local_host=env.get("KARAKURI_LOCAL_HOST", "127.0.0.1"),
            local_port=num("KARAKURI_LOCAL_PORT", 8000),
            local_aws_port=num("KARAKURI_LOCAL_AWS_PORT", 8001),
            local_mqtt_port=num("KARAKURI_LOCAL_MQTT_PORT", 1883),
            iot_publish=env.get("KARAKURI_IOT_PUBLISH", "") in ("1", "true", "yes"),
            state_dir=env.get("KARAKURI_STATE_DIR", ".karakuri"),
            fresh=env.get("KARAKURI_FRESH", "") in ("1", "true", "yes"),
            access_token_ttl_seconds=num("KARAKURI_ACCESS_TOKEN_TTL", 30 * 24 * 3600),
            refresh_token_ttl_seconds=num("KARAKURI_REFRESH_TOKEN_TTL", 180 * 24 * 3600),
            scrypt_log2_n=num("KARAKURI_SCRYPT_LOG2_N", 17),
            verification_code_ttl_seconds=num("KARAKURI_VERIFICATION_CODE_TTL", 24 * 3600),
            reset_code_ttl_seconds=num("KARAKURI_RESET_CODE_TTL", 3600),
            event_retention_seconds=num("KARAKURI_EVENT_RETENTION", 7 * 24 * 3600),
            state_history_retention_seconds=num("KARAKURI_STATE_HISTORY_RETENTION", 30 * 24 * 3600),
            log_level=env.get("KARAKURI_LOG_LEVEL", "INFO"),
            script_engine=env.get("KARAKURI_SCRIPT_ENGINE", "js2py"),
            script_timeout_seconds=float(env.get("KARAKURI_SCRIPT_TIMEOUT") or 20.0),
            script_memory_mb=num("KARAKURI_SCRIPT_MEMORY_MB", 128),
            script_workers_per_app=num("KARAKURI_SCRIPT_WORKERS_PER_APP", 4),
            outbound_allow=env.get("KARAKURI_OUTBOUND_ALLOW", ""),
            outbound_deny=env.get("KARAKURI_OUTBOUND_DENY", ""),
            outbound_max_response_bytes=num("KARAKURI_OUTBOUND_MAX_RESPONSE_BYTES", 5 * 1024 * 1024),
            execution_retention_seconds=num("KARAKURI_EXECUTION_RETENTION", 7 * 24 * 3600),
            base_url=env.get("KARAKURI_BASE_URL")
            or f"http://{env.get('KARAKURI_LOCAL_HOST', '127.0.0.1')}:{num('KARAKURI_LOCAL_PORT', 8000)}/api",
        )


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
