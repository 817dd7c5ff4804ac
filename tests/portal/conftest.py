"""Browser fixtures: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import need_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw"  # tests.factories.UserFactory

# Playwright's sync API keeps an event loop running in the test thread for the rest of the
# session, so Django's async-safety check would refuse every later ORM call, the database
# flushes of transactional tests included. The ORM calls here are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Playwright cannot download its own browser here; Debian's Chromium stands in."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@dataclass
class Visit:
    """A signed-in (or anonymous) browser tab with the console errors it has seen."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def sign_in(self, username: str) -> None:
        self.go("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("form button.primary")
        self.page.wait_for_load_state()
        assert "/login/" not in self.page.url, f"could not sign in as {username}"

    def watch(self) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                self.errors.append(f"{self.page.url}: {message.text}")

        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))


@pytest.fixture(scope="session")
def serialized_database(django_db_setup: Any, django_db_blocker: Any) -> dict[str, str]:
    """The test database's initial rows (data migrations), as Django serialized them."""
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


def _keep_serialized_contents(saved: dict[str, str]) -> None:
    """Once Playwright's event loop runs, Django hands this thread fresh connection objects
    (connections live in an asgiref Local); give them the serialized rows again so the next
    transactional test can restore the data migrations' rows (serialized_rollback)."""
    from django.db import connections

    for alias, contents in saved.items():
        connections[alias]._test_serialized_contents = contents


@pytest.fixture
def browser_session(
    request: pytest.FixtureRequest, live_server: Any, serialized_database: dict[str, str]
) -> Iterator[Any]:
    """Open tabs with ``browser_session(username)``; every tab must end without console errors."""
    if not CHROMIUM.exists():
        need_service("chromium", f"{CHROMIUM} is not installed (apt-get install chromium)")
    browser = request.getfixturevalue("browser")
    _keep_serialized_contents(serialized_database)
    contexts: list[Any] = []
    visits: list[Visit] = []

    def open_tab(username: str | None = None) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        visit = Visit(context.new_page(), live_server.url)
        visit.page.set_default_timeout(10_000)
        visit.watch()
        visits.append(visit)
        if username:
            visit.sign_in(username)
        return visit

    yield open_tab
    _keep_serialized_contents(serialized_database)
    errors = [error for visit in visits for error in visit.errors]
    for context in contexts:
        context.close()
    assert not errors, "console errors:\n" + "\n".join(errors)
