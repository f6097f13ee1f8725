"""Print requirements.txt (what `chalice package` installs in the Lambda) from pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def requirements() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = ["# Generated from pyproject.toml by `make requirements`; do not edit.", *project["dependencies"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(requirements(), end="")
