"""Shared fixtures: moto-backed services, the Chalice test client, and a Kii-speaking helper."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

# botocore >= 1.44.4 sends DynamoDB Streams calls to an account-scoped host that moto does not
# know (stack-notes.md, risk 1).
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("KARAKURI_EMBEDDED_STACK", None)

from chalicelib import config, wiring
from chalicelib.adapters.events import StreamRecordParser
from chalicelib.adapters.security import ManualClock
from chalicelib.domain.events import Event
from chalicelib.local import gateway_patches, moto_patches
from chalicelib.local.tables import table_definitions
from chalicelib.services.apps import AppCredentials

# moto made atomic and its transactions O(1) in table size, as in the local stack.
moto_patches.install()
# Unknown paths and the HTTP server's own errors answer Kii errors, as in the local stack.
gateway_patches.install()

# Tests use a cheap scrypt cost; the hash format carries its cost, so verification is the same.
TEST_SETTINGS = replace(config.Settings(), scrypt_log2_n=4, data_table="t-data", events_table="t-events")
# Every test starts at this instant, whatever the machine's date: services read time only from
# the container's clock, which tests move explicitly (MotoServices.clock).
TEST_EPOCH_MS = 1_793_491_200_000  # 2026-11-01T00:00:00Z


@dataclass
class MotoServices:
    container: wiring.Container
    events_stream: str
    clock: ManualClock
    _seen: int = 0
    _dispatched: int = 0

    def drain_records(self) -> list[dict[str, Any]]:
        """Every stream record of the events table so far (TRIM_HORIZON), as Lambda gets them."""
        reader = wiring.stream_reader(self.container.settings, self.events_stream)
        records: list[dict[str, Any]] = []
        while batch := reader.poll(1000):
            records.extend(batch)
        return records

    def events(self) -> list[Event]:
        parser = StreamRecordParser()
        return [e for e in (parser.parse(r) for r in self.drain_records()) if e is not None]

    def new_events(self) -> list[Event]:
        """Events written since the last call."""
        found = self.events()
        fresh, self._seen = found[self._seen :], len(found)
        return fresh

    def dispatch(self) -> dict[str, Any]:
        """Hands the stream records written since the last dispatch to the dispatcher Lambda's
        handler, as the event source mapping does; returns its answer."""
        from app import dispatcher

        records = self.drain_records()
        fresh, self._dispatched = records[self._dispatched :], len(records)
        return dict(dispatcher({"Records": fresh}, None))


@pytest.fixture
def moto_services() -> Iterator[MotoServices]:
    from moto import mock_aws

    with mock_aws():
        arns = wiring.provision_tables(TEST_SETTINGS, table_definitions())
        wiring.provision_bodies_bucket(TEST_SETTINGS)
        clock = ManualClock(TEST_EPOCH_MS)
        container = wiring.build_for_aws(TEST_SETTINGS, clock)
        wiring.use(container)
        assert arns["events"]
        yield MotoServices(container, arns["events"], clock)
    wiring.reset()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def json(self) -> Any:
        return self.body


class Kii:
    """Speaks Kii's REST API to the Chalice test client."""

    def __init__(self, http: Any, app: AppCredentials, services: MotoServices) -> None:
        self.http = http
        self.app = app
        self.services = services

    @property
    def base(self) -> str:
        return f"/api/apps/{self.app.app_id}"

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if content_type:
            sent["Content-Type"] = content_type
        if token:
            sent["Authorization"] = f"Bearer {token}"
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        url = path if path.startswith(("/api", "/thing-if", "/console")) else self.base + path
        response = getattr(self.http, method.lower())(url, headers=sent, body=raw or b"")
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        headers = {k.lower(): v for k, v in response.headers.items()}
        parsed = json.loads(text) if text and "json" in headers.get("content-type", "json") else text or None
        return Reply(response.status_code, headers, parsed)

    def register(self, login: str, password: str = "pass1234", **fields: Any) -> tuple[str, str]:
        reply = self.call(
            "POST",
            "/users",
            {"loginName": login, "password": password, **fields},
            content_type="application/vnd.kii.RegistrationAndAuthorizationRequest+json",
        )
        assert reply.status == 201, reply.body
        return reply.body["userID"], reply.body["_accessToken"]

    def register_thing(self, vendor_thing_id: str, password: str = "pw") -> tuple[str, str]:
        reply = self.call(
            "POST",
            "/things",
            {"_vendorThingID": vendor_thing_id, "_password": password},
            content_type="application/vnd.kii.ThingRegistrationAndAuthorizationRequest+json",
        )
        assert reply.status == 201, reply.body
        return reply.body["_thingID"], reply.body["_accessToken"]

    def admin_token(self) -> str:
        reply = self.call(
            "POST",
            "/oauth2/token",
            {"client_id": self.app.client_id, "client_secret": self.app.client_secret},
        )
        assert reply.status == 200, reply.body
        return str(reply.body["access_token"])

    def create_group(self, token: str, name: str = "team", members: list[str] | None = None) -> str:
        reply = self.call(
            "POST",
            "/groups",
            {"name": name, "members": members or []},
            token,
            content_type="application/vnd.kii.GroupCreationRequest+json",
        )
        assert reply.status == 201, reply.body
        return str(reply.body["groupID"])


@pytest.fixture
def kii(moto_services: MotoServices) -> Iterator[Kii]:
    from chalice.test import Client

    from app import app

    credentials = moto_services.container.apps.create("test")
    with Client(app) as client:
        yield Kii(client.http, credentials, moto_services)


@pytest.fixture
def other_app(kii: Kii) -> Kii:
    """A second app in the same deployment: nothing may cross between the two."""
    return Kii(kii.http, kii.services.container.apps.create("other"), kii.services)


@pytest.fixture(autouse=True)
def _capture_karakuri_logs() -> Iterator[None]:
    """Chalice gives its app logger ("karakuri") its own handler and stops propagation;
    tests let records reach pytest's capture so they can assert on what is logged."""
    import logging

    import app  # noqa: F401  (configures the logger)

    logger = logging.getLogger("karakuri")
    logger.propagate = True
    yield
    logger.propagate = False
