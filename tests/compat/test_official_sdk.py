"""Runs the Node suite (the official kii-cloud-sdk, unchanged) against a live local stack."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib import config, wiring
from chalicelib.local.server import LiveStack

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    from app import app, dispatcher

    # a cheap KDF, as in every test (tests/conftest.py)
    settings = replace(config.settings(), scrypt_log2_n=4)
    stack = LiveStack(
        app, lambda batch: dispatcher(batch, None), tmp_path_factory.mktemp("state"), settings=settings
    )
    yield stack
    stack.stop()
    wiring.reset()


@pytest.mark.compat
@pytest.mark.parametrize("suite", sorted(p.name for p in HERE.glob("*.test.js")))
def test_official_kii_sdk_suite_passes(live: LiveStack, suite: str) -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the SDK compatibility suite"
    assert (HERE / "node_modules" / "kii-cloud-sdk").exists(), "run `make compat-deps`"
    credentials = live.stack.credentials
    assert credentials is not None
    env = {
        **os.environ,
        "KARAKURI_BASE_URL": live.base_url,
        "KARAKURI_APP_ID": credentials.app_id,
        "KARAKURI_APP_KEY": credentials.app_key,
        "KARAKURI_CLIENT_ID": credentials.client_id,
        "KARAKURI_CLIENT_SECRET": credentials.client_secret,
    }
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", suite],
        cwd=HERE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
