"""Search speed on PostgreSQL with 200,000 tickets and 1,000,000 comments, against
django-helpdesk's own search on the same text.

    .venv/bin/python bench/search_bench.py [--tickets 200000] [--comments 5] [--reps 3]

Fills a PostgreSQL database (127.0.0.1:5432, ``--database``) with ``bench/search_corpus.py``'s
tickets through ``bulk_create`` (reused when it already holds that many, and so are the
documents built, so a re-run takes minutes), builds the search documents
(``search.documents.rebuild``), then, signed in as an agent through Django's test client,
times the search page (``/search/?q=…``: ranking, count, first page, snippets, rendering) for
each of the corpus's 30 queries, ``--reps`` times after a warm-up.

The peer, django-helpdesk 2.6.1 in its own virtualenv (``bench/peer.py``), gets the same
tickets and comments as follow-ups (``bench/peer_search.py``, its SQLite database) and is timed
on its ticket list's search (the JSON rows of ``/datatables_ticket_list/``, every status) for
the same queries; its median is printed.

Ends with: tickets=… search_p50_ms=… search_p95_ms=… peer_search_ms=…
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import peer  # noqa: E402 - a sibling module
import search_corpus  # noqa: E402

BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--comments", type=int, default=5, help="comments per ticket")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--peer-reps", type=int, default=1)
    parser.add_argument("--database", default="secondline_search_bench")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")
    _create_database(args.database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    agent = _fill(args.tickets, args.comments)
    ours = _measure(agent, args.reps)
    print("load average while measuring: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    theirs = "n/a" if args.no_peer else f"{_peer(args.tickets, args.comments, args.peer_reps):.1f}"
    print(
        f"tickets={args.tickets} search_p50_ms={_pct(ours, 50):.1f} "
        f"search_p95_ms={_pct(ours, 95):.1f} peer_search_ms={theirs}"
    )


def _create_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def _fill(count: int, comments: int):  # type: ignore[no-untyped-def]
    from django.db.models import Q

    from secondline.accounts.models import User
    from secondline.search import documents
    from secondline.search.models import TicketDocument, TicketVector
    from secondline.tickets.models import Ticket

    agent = User.objects.filter(username="bench-agent").first()
    if agent is not None and Ticket.objects.count() == count:
        print(f"reusing the {count} tickets already in the database", flush=True)
    elif Ticket.objects.exists():
        raise SystemExit("the bench database holds other data: drop it or pass --database")
    else:
        agent = _fill_tickets(count, comments)
    built = (TicketDocument.objects.count(), TicketVector.objects.count())
    if built != (count, count):  # built here, or a build cut short
        began = time.perf_counter()
        missing = Q(search_document__isnull=True) | Q(search_vector__isnull=True)
        documents.rebuild(Ticket.objects.filter(missing))
        spent = time.perf_counter() - began
        print(f"search documents built in {spent:.0f} s ({count / spent:.0f}/s)", flush=True)
        _analyze()
    return agent


def _fill_tickets(count: int, comments: int):  # type: ignore[no-untyped-def]
    from secondline.tickets.models import Comment, Ticket
    from tests.factories import ContractFactory, ContractorFactory, OrganizationFactory, UserFactory

    contractor = ContractorFactory(name="Bench Contractor")
    agent = UserFactory(username="bench-agent", organization=contractor, role="agent")
    customers = [OrganizationFactory(name=f"Customer {n}") for n in range(20)]
    contracts = [ContractFactory(customer=c, number=f"BENCH-{n}") for n, c in enumerate(customers)]
    people = [
        UserFactory(
            username=f"user{n}", email=f"user{n}@example.com", organization=customers[n % 20]
        )
        for n in range(200)
    ]
    began = time.perf_counter()
    texts = search_corpus.tickets(count, comments)
    for start in range(0, count, BATCH):
        batch = [next(texts) for _ in range(min(BATCH, count - start))]
        made = Ticket.objects.bulk_create(
            Ticket(
                organization_id=contracts[(start + i) % 20].customer_id,
                contract=contracts[(start + i) % 20],
                requester=people[(start + i) % 200],
                type="consultation",
                priority="normal",
                status="in_progress",
                channel="web",
                subject=text.subject,
                description=text.description,
            )
            for i, text in enumerate(batch)
        )
        Comment.objects.bulk_create(
            Comment(ticket=ticket, author=agent, body=body, is_public=public, channel="web")
            for ticket, text in zip(made, batch, strict=True)
            for body, public in text.comments
        )
        print(f"  {start + len(batch)} tickets", flush=True)
    spent = time.perf_counter() - began
    print(f"filled in {spent:.0f} s ({count / spent:.0f} tickets/s)", flush=True)
    return agent


def _analyze() -> None:
    """Let the planner see the new rows (autovacuum would, some minutes later)."""
    import psycopg
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as c:
        c.execute("VACUUM ANALYZE")


def _measure(agent, reps: int) -> list[float]:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(agent)
    timings = []
    for query in search_corpus.QUERIES:
        client.get("/search/", {"q": query})  # warm-up
        for _ in range(reps):
            began = time.perf_counter()
            response = client.get("/search/", {"q": query})
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (query, response.status_code)
            assert b"<mark>" in response.content, query
        print(f"  {query!r}: {timings[-1]:.1f} ms", flush=True)
    return timings


def _peer(count: int, comments: int, reps: int) -> float:
    script = ROOT / "bench" / "peer_search.py"
    out = peer.work_dir() / "results" / "search.json"
    command = [str(peer.python()), str(script), str(count), str(comments), str(reps)]
    env = {**os.environ, "PEER_WORK": str(peer.work_dir()), "PEER_HARNESS": str(peer.harness())}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    print("peer: filling and searching ...", flush=True)
    subprocess.run(command, check=True, env=env, cwd=peer.work_dir(), timeout=7200)
    figures = json.loads(out.read_text())
    return float(statistics.median(figures["timings_ms"]))


def _pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * p / 100))]


if __name__ == "__main__":
    main()
