"""The console's end-to-end tests: a local stack as `make run` starts it (its own process, free
ports, stopped at the end) and Debian's headless Chromium driven by Playwright.

They skip, saying why, only when the browser cannot be had here (no /usr/bin/chromium: `make
browser` installs it as root), the console was not built (`make console`), or the machine's
calendar is faked (`make test-timeshift`: Chromium does not run under libfaketime)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.functional.test_local_stack import _start, _wait_ready

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KARAKURI_CHROMIUM", "/usr/bin/chromium")
STOP_SECONDS = 60
# As the machine's notes say: no background networking (this machine has no network but
# loopback), no sandbox (tests run as root), a fresh profile per run.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@dataclass
class Stack:
    base_url: str
    credentials: dict[str, Any]
    process: subprocess.Popen[str]


def _why_no_browser() -> str | None:
    if os.environ.get("FAKETIME"):
        # Seen here: under libfaketime Chromium takes a minute to start and then never answers.
        # These tests read no date (the stack and the page share the machine's clock), so the
        # calendar-shifted runs of `make test-timeshift` leave them to `make test`.
        return "Chromium does not run under libfaketime; the console's tests run in `make test`"
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return "Debian's chromium is not installed (`make browser` installs it with apt-get, as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not (ROOT / "chalicelib" / "console" / "index.html").exists():
        return "the console is not built (`make console`)"
    return None


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("console-stack")
    process = _start(state)
    try:
        _wait_ready(process)
        # The stack's output is not read after this: drain it, or a full pipe would block it.
        assert process.stdout is not None
        drain = process.stdout
        import threading

        threading.Thread(target=lambda: [None for _ in drain], daemon=True).start()
        credentials = json.loads((state / "local-app.json").read_text())
        yield Stack(f"http://127.0.0.1:{process.port}", credentials, process)  # type: ignore[attr-defined]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def browser(stack: Stack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
