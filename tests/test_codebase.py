"""The codebase stays lint-clean, its migrations match its models, its modules stay short and
the database is reached through the ORM."""

from __future__ import annotations

import ast
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "secondline", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}\n{exc}")


SOURCE = ROOT / "secondline"
LONGEST_MODULE = 500  # lines; docs/architecture.md says why


def _modules() -> list[Path]:
    return [p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts]


def test_no_module_is_longer_than_a_newcomer_can_hold_in_their_head() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }
    assert not long, f"split these by sub-capability: {long}"


def test_the_database_is_reached_through_the_orm_only() -> None:
    raw = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if "cursor.execute" in (text := p.read_text(encoding="utf-8"))
        or "connection.cursor" in text
    ]
    assert not raw, f"write these with the ORM: {raw}"


def _imported(node: ast.Import | ast.ImportFrom) -> str:
    """The module an import names; a relative one keeps its dots (``.models``)."""
    if isinstance(node, ast.Import):
        return node.names[0].name
    return "." * node.level + (node.module or "")


def _imports_inside_functions(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, _imported(node))
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def test_our_imports_are_at_the_top_of_the_module() -> None:
    """docs/architecture.md, "Where code goes": an import of our own code inside a function
    hides a dependency (or a cycle) from the reader. Allowed: an app's ``ready()``, the CLI and
    the management commands (they import Django first), and a service publishing its own app's
    Celery task, which imports the service."""
    hidden = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules()
        if path.name not in {"apps.py", "cli.py"} and "management" not in path.parts
        for line, module in _imports_inside_functions(path)
        if module.startswith(("secondline", ".")) and not module.endswith(".tasks")
    ]
    assert not hidden, "move these to the top of their modules:\n" + "\n".join(hidden)


def test_every_csv_goes_through_the_formula_safe_writer() -> None:
    """A spreadsheet runs a cell starting with = + - @ as a formula: secondline/common/
    spreadsheet.py quotes those, so no module may write CSV around it."""
    direct = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p.name != "spreadsheet.py"
        and ("csv.writer(" in (text := p.read_text(encoding="utf-8")) or "csv.DictWriter(" in text)
    ]
    assert not direct, f"write CSV with secondline.common.spreadsheet.writer: {direct}"


def test_page_titles_name_secondline_once() -> None:
    """base.html appends "· SecondLine" to every page's title; a page adding it again read
    "SLA report · SecondLine · SecondLine"."""
    doubled = [
        str(p.relative_to(ROOT))
        for p in SOURCE.rglob("*.html")
        if p.name != "base.html"
        and any(
            "SecondLine" in line
            for line in p.read_text(encoding="utf-8").splitlines()
            if "{% block title %}" in line
        )
    ]
    assert not doubled, f"drop the name from these titles: {doubled}"
