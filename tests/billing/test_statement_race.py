"""Two managers generating the same new month at once (F6): one statement, no error.

Needs PostgreSQL (SQLite takes one writer at a time, so it never races); skipped without it
unless REQUIRE_SERVICES=1."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections

from conftest import need_service
from secondline.billing import statements
from secondline.billing.models import Statement
from tests.billing.conftest import msk

JANUARY = dt.date(2025, 1, 1)


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_generations_of_a_new_month_make_one_statement(
    personas: Any, ticket: Any, log: Any, manager: Any, monkeypatch: Any
) -> None:
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")
    contract = personas.contract
    log(ticket, msk(2025, 1, 13, 10), msk(2025, 1, 13, 11))
    # the first generation stops after saving its new statement, before it commits
    inside, go_on = threading.Event(), threading.Event()
    draw = statements.draw_for_statement

    def held_draw(statement: Statement) -> None:
        if not inside.is_set():
            inside.set()
            go_on.wait(timeout=10)
        draw(statement)

    monkeypatch.setattr(statements, "draw_for_statement", held_draw)
    results: dict[str, object] = {}

    def generate(name: str) -> None:
        try:
            results[name] = statements.generate_statement(contract, JANUARY, manager).pk
        except Exception as error:  # the test reports what went wrong, whatever it is
            results[name] = repr(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=generate, args=("first",))
    first.start()
    assert inside.wait(timeout=10)
    second = threading.Thread(target=generate, args=("second",))
    second.start()
    deadline = time.monotonic() + 10
    while not _someone_waits_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    go_on.set()
    first.join(timeout=20)
    second.join(timeout=20)
    assert isinstance(results["first"], int), results
    assert results["second"] == results["first"], results
    assert Statement.objects.filter(contract=contract, period=JANUARY).count() == 1
