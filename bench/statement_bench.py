"""How long a monthly statement takes for a contract with 100,000 work logs.

    .venv/bin/python bench/statement_bench.py [--logs 100000] [--database secondline_bench]
    .venv/bin/python bench/statement_bench.py --sqlite [--logs 5000]

Builds (once per run) a month of work logs whose split was stored at write time, gives the
planner its statistics (``ANALYZE``, as autovacuum would soon after such a load; this machine
runs PostgreSQL with autovacuum off, and without statistics the planner guesses one row and
reads the month through the index), then times ``generate_statement`` (best of three after a
warm-up run) and counts its queries, on PostgreSQL (127.0.0.1:5432) or, with ``--sqlite``, on a
SQLite file in the temporary directory.
Ends with one line: ``database=… worklogs=… seconds=… queries=…``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logs", type=int, default=100_000)
    parser.add_argument("--database", default="secondline_bench")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    args = parser.parse_args()
    if args.sqlite:
        path = Path(tempfile.gettempdir()) / f"{args.database}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
        _create_database(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    contract, manager = _month_of_work(args.logs)
    _measure(contract, manager, args.logs)


def _create_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def _month_of_work(count: int, tickets_count: int = 200):  # type: ignore[no-untyped-def]
    from secondline.accounts.models import User
    from secondline.billing import rules
    from secondline.billing.models import Statement, StatementLine, WorkLog
    from secondline.sla.calendars import calendar_of
    from secondline.tickets.models import Ticket
    from tests.factories import ContractFactory, ContractorFactory, OrganizationFactory, UserFactory

    StatementLine.objects.all().delete()
    Statement.objects.all().delete()
    WorkLog.objects.all().delete()
    Ticket.objects.all().delete()
    User.objects.all().delete()
    from secondline.accounts.models import Contract, Organization

    Contract.objects.all().delete()
    Organization.objects.all().delete()

    contractor = ContractorFactory(name="Bench Contractor")
    customer = OrganizationFactory(name="Bench Customer")
    contract = ContractFactory(customer=customer, number="BENCH-1")
    agent = UserFactory(username="bench-agent", organization=contractor, role="agent")
    manager = UserFactory(username="bench-manager", organization=contractor, role="manager")
    requester = UserFactory(username="bench-customer", organization=customer)
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                organization=customer,
                contract=contract,
                requester=requester,
                type="consultation",
                priority="normal",
                channel="web",
                subject=f"Bench ticket {n}",
                description="-",
            )
            for n in range(tickets_count)
        ]
    )
    calendar = calendar_of(contract)
    zone = ZoneInfo("Europe/Moscow")
    start = dt.datetime(2024, 11, 1, 8, tzinfo=zone)
    logs = []
    made = time.perf_counter()
    for n in range(count):
        begin = start + dt.timedelta(minutes=(n * 7) % (29 * 24 * 60))
        end = begin + dt.timedelta(minutes=15 + n % 90)
        parts = rules.split(calendar, begin, end)
        business, ooh = int(parts.business.total_seconds()), int(parts.out_of_hours.total_seconds())
        billed = rules.billed_minutes(business, 0, 15)
        logs.append(
            WorkLog(
                ticket=tickets[n % len(tickets)],
                contract=contract,
                agent=agent,
                activity="analysis",
                started_at=begin,
                ended_at=end,
                description=f"Work item {n}",
                business_seconds=business,
                out_of_hours_seconds=ooh,
                out_of_hours_status="unverified" if ooh else "",
                billed_business_minutes=billed.business,
                billed_out_of_hours_minutes=billed.out_of_hours,
            )
        )
    WorkLog.objects.bulk_create(logs, batch_size=5000)
    _analyze()
    print(f"built {count} work logs (split at write time) in {time.perf_counter() - made:.1f} s")
    return contract, manager


def _analyze() -> None:
    """Planner statistics for the tables just filled (PostgreSQL; SQLite plans without)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE billing_worklog, tickets_ticket")


def _run(contract, manager):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from secondline.billing import statements

    with CaptureQueriesContext(connection) as queries:
        began, cpu = time.perf_counter(), time.process_time()
        statement = statements.generate_statement(contract, dt.date(2024, 11, 1), manager)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return statement, seconds, len(queries), cpu


def _measure(contract, manager, count: int) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    _run(contract, manager)  # warm the calendar cache and the connection
    statement, seconds, queries, cpu = min(
        (_run(contract, manager) for _ in range(3)), key=lambda r: r[1]
    )
    lines = statement.lines.count()
    # this process's CPU time too: on a shared, loaded machine the wall clock mostly measures
    # the others (PostgreSQL's own time is in the wall clock only)
    print(
        f"statement: {lines} lines, total {statement.total_amount} {statement.currency}, "
        f"{seconds:.3f} s ({cpu:.3f} s CPU in Python), {queries} queries"
    )
    print(f"database={connection.vendor} worklogs={count} seconds={seconds:.3f} queries={queries}")


if __name__ == "__main__":
    main()
