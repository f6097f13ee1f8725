"""A hint for `chalice local` without the local stage (imported by app.py: nothing heavy here)."""

from __future__ import annotations

from pathlib import Path


def plain_chalice_local_hint(argv: list[str]) -> str | None:
    """`chalice local` without ``--stage local`` serves the dev stage, which needs AWS."""
    if len(argv) > 1 and Path(argv[0]).name == "chalice" and argv[1] == "local" and "local" not in argv[2:]:
        return (
            "karakuri: `chalice local` serves the dev stage, which reads tables in your AWS account "
            "(karakuri-dev-*); for the embedded local stack run `make run` or `chalice local --stage local`"
        )
    return None
