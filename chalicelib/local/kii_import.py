"""`karakuri import kii`: copy an app from a Kii-compatible server over Kii's REST API."""

from __future__ import annotations

import argparse
from typing import Any


def run(args: argparse.Namespace, services: Any, base_url: str) -> dict[str, Any]:
    raise SystemExit("`karakuri import kii` is not available yet")
