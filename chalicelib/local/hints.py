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


def chalice_deploy_refusal(argv: list[str]) -> str | None:
    """`chalice deploy` cannot create the tables, queues, stream mapping and IoT resources of
    infra/template.json: it is refused before it creates anything (docs/operations.md)."""
    if len(argv) > 1 and Path(argv[0]).name == "chalice" and argv[1] == "deploy":
        return (
            "karakuri: `chalice deploy` is not supported (it cannot create the template's tables, "
            "queues and stream mapping): run `make deploy STAGE=dev BUCKET=your-bucket` (docs/operations.md)"
        )
    return None
