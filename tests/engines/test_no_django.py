"""Engines must never import Django (DESIGN.md: engines know nothing of Django)."""

import ast
from pathlib import Path

import mamori.engines

ENGINES = Path(mamori.engines.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_engine_module_imports_django_or_a_django_app() -> None:
    offenders = []
    apps = ("django", "rest_framework", "mamori.ledger", "mamori.accounts", "mamori.audit",
            "mamori.tenancy", "mamori.web", "mamori.settings")
    for path in sorted(ENGINES.rglob("*.py")):
        for module in _imported_modules(path):
            if module.split(".")[0] == "django" or module.startswith(apps):
                offenders.append(f"{path.relative_to(ENGINES)} imports {module}")
    assert offenders == []


def test_the_checker_sees_a_django_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from django.db import models\nimport os\n", encoding="utf-8")
    assert "django.db" in _imported_modules(bad)
