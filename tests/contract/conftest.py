"""Fixtures the contract tests share: the services on the in-memory twin and on moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import wiring
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
        # moto-direct: the embedded stack's client (adapters/moto_direct.py)
        yield wiring.build_for_aws(TEST_SETTINGS, direct_moto=request.param == "moto-direct")
