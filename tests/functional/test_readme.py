"""The README is true: its shell snippets, then its JavaScript snippet, run as written against
the stack its first snippet starts (`make run`), in a scratch copy of the repository."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from chalicelib.local.server import free_port

ROOT = Path(__file__).resolve().parents[2]
# Ceilings, not expectations: never a test of speed.
RUN_SECONDS = 600
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# What the scratch copy links to; everything the snippets write (.karakuri/, karakuri.log,
# hello.js, tour.js) stays in the copy.
LINKED = (
    ".chalice",
    ".venv",
    "Makefile",
    "app.py",
    "chalicelib",
    "console",
    "infra",
    "pyproject.toml",
    "requirements.txt",
)


def _snippets(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [body for lang, info, body in BLOCK.findall(text) if lang == language and "no-test" not in info]


def test_readme_has_the_snippets_this_test_runs() -> None:
    assert len(_snippets("sh")) >= 2 and len(_snippets("js")) == 1


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the README's SDK snippet")
def test_every_readme_snippet_runs_as_written(tmp_path: Path) -> None:
    repo = tmp_path / "karakuri"
    repo.mkdir()
    for name in LINKED:
        (repo / name).symlink_to(ROOT / name)
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "AWS_PORT": str(free_port()),
        "MQTT_PORT": str(free_port()),
        "NODE_PATH": str(ROOT / "tests" / "compat" / "node_modules"),  # has kii-cloud-sdk
    }
    for name in ("KARAKURI_STATE_DIR", "KARAKURI_LOCAL_PORT", "KARAKURI_EMBEDDED_STACK", "MAKEFLAGS"):
        env.pop(name, None)
    script = "set -euo pipefail\n" + "\n".join(_snippets("sh"))
    shell = subprocess.Popen(
        ["bash", "-c", script],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # `make run &` stays in this group, which is killed at the end
    )
    try:
        output, _ = shell.communicate(timeout=RUN_SECONDS)
        log = (repo / "karakuri.log").read_text() if (repo / "karakuri.log").exists() else ""
        assert shell.returncode == 0, output + log
        assert "alice@example.com" in output and "climbers" in output
        assert '"returnedValue": "hello kii"' in output and "noting hi" in output
        (repo / "tour.js").write_text(_snippets("js")[0])
        node = subprocess.run(
            ["node", "tour.js"], cwd=repo, env=env, capture_output=True, text=True, timeout=RUN_SECONDS
        )
        assert node.returncode == 0, node.stdout + node.stderr
        assert "registered bob as" in node.stdout
    finally:
        with contextlib.suppress(ProcessLookupError):  # a background `make run &` ignores SIGINT
            os.killpg(shell.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            shell.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
