"""Fixtures the contract tests share: the services on the in-memory twin and on moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.local.moto_direct import MotoDynamoDB
from chalicelib.local.tables import table_definitions
from tests.conftest import TEST_SETTINGS


@pytest.fixture(params=["memory", "dynamodb", "moto-direct"])
def services(request: pytest.FixtureRequest) -> Iterator[wiring.Container]:
    if request.param == "memory":
        yield wiring.build_in_memory(TEST_SETTINGS)
        return
    from moto import mock_aws

    with mock_aws():
        wiring.provision_tables(TEST_SETTINGS, table_definitions())
        wiring.provision_bodies_bucket(TEST_SETTINGS)
        direct = None
        if request.param == "moto-direct":  # the embedded stack's client (local/moto_direct.py)
            direct = MotoDynamoDB(TEST_SETTINGS.region, wiring.aws_client("dynamodb", TEST_SETTINGS))
        yield wiring.build_for_aws(TEST_SETTINGS, dynamodb=direct)
