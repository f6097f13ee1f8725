"""The table definitions of infra/template.json, read for the local stack and the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.json"

# Logical resource -> the table it becomes locally.
TABLES = {"DataTable": "data", "EventsTable": "events"}


def table_definitions(template: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    """Logical table name (``data``, ``events``) -> CloudFormation properties."""
    resources = json.loads(template.read_text())["Resources"]
    return {logical: resources[resource]["Properties"] for resource, logical in TABLES.items()}
