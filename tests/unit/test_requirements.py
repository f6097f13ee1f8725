"""requirements.txt (what `chalice package` installs) must be generated from pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from scripts.requirements import requirements

ROOT = Path(__file__).resolve().parents[2]


def test_requirements_txt_matches_pyproject() -> None:
    assert (ROOT / "requirements.txt").read_text() == requirements(), "run `make requirements`"
