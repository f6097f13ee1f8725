"""Imports point inward (STYLE.md): a test that parses every module's imports keeps it so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE_PACKAGES = {"boto3", "botocore", "js2py", "quickjs", "urllib3", "httpx", "requests"}

# layer -> the chalicelib packages it may import. runtime/ (the server-code host) sits beside
# services/: it uses them, and the transports use it.
ALLOWED = {
    "config": set(),
    "errors": set(),
    "domain": {"domain", "errors"},
    "services": {"domain", "errors", "services"},
    "adapters": {"domain", "errors", "adapters"},
    "runtime": {"domain", "errors", "services", "runtime"},
    "api": {"api", "domain", "errors", "services", "runtime", "wiring", "config"},
    "dispatcher": {"dispatcher", "domain", "errors", "services", "runtime", "wiring", "config"},
    "local": {"local", "domain", "errors", "services", "runtime", "wiring", "config", "dispatcher"},
    "cli": {"domain", "errors", "services", "wiring", "config", "local", "dispatcher"},
    "wiring": {"config", "adapters", "domain", "errors", "services", "runtime"},
}


def _modules() -> list[Path]:
    return sorted((ROOT / "chalicelib").rglob("*.py"))


def _layer(path: Path) -> str:
    parts = path.relative_to(ROOT / "chalicelib").parts
    return parts[0].removesuffix(".py") if len(parts) > 1 or parts[0] != "__init__.py" else "init"


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            if node.module == "chalicelib":
                found.extend(f"chalicelib.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_inner_layers(path: Path) -> None:
    layer = _layer(path)
    if layer == "init":
        return
    for name in _imports(path):
        top = name.split(".")[0]
        if top in ENGINE_PACKAGES:
            assert layer == "adapters", f"{path.name} imports {name}: only adapters/ may"
        if top == "chalicelib" and name != "chalicelib":
            target = name.split(".")[1]
            assert target in ALLOWED[layer] or target == layer, f"{layer}/{path.name} imports {name}"


def test_only_wiring_builds_adapters() -> None:
    for path in _modules():
        if _layer(path) in ("adapters", "wiring"):
            continue
        assert not any(n.startswith("chalicelib.adapters") for n in _imports(path)), path


def test_app_py_is_composition_only() -> None:
    imports = _imports(ROOT / "app.py")
    assert not any(n.split(".")[0] in ENGINE_PACKAGES for n in imports)
    assert not any(n.startswith("chalicelib.adapters") for n in imports)
