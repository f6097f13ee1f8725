"""The console's pure JavaScript (console/test/*.test.js: paths, the query builder, the diff,
the highlighter) under node's test runner; the console's pages are tested in tests/e2e."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CONSOLE = Path(__file__).resolve().parents[2] / "console"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the console's tests")
def test_console_functions_pass_their_node_tests() -> None:
    if not (CONSOLE / "node_modules" / "preact").exists():
        pytest.skip("the console's packages are not installed (`make console`)")
    done = subprocess.run(
        ["node", "--test", "test/"], cwd=CONSOLE, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# fail 0" in done.stdout
