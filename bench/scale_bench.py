#!/usr/bin/env python3
"""Do the agent's pages stay flat as the data grows? PostgreSQL, `secondline seed` volume.

Creates a throw-away PostgreSQL database, loads the demo data and seeds ``--small`` tickets
(with their comments, events, attachment rows and work logs), serves it with gunicorn
(2 workers on 127.0.0.1) and takes the p95 of ``--requests`` requests of each page; then seeds
up to ``--large`` tickets and measures again. The tickets added then are history (all
finished): the open tickets, and so what the queues hold, stay those of the small size, as in a
desk whose archive grows over the years while its team's work in progress does not. The SLA
sweep is timed in this process on the large database (its steady state: a run after the
catch-up run). The peer, django-helpdesk, is measured by its own harness (bench/peer.py) on
``--peer-tickets`` tickets; that harness reports p90, not p95, and runs on SQLite through
Django's test client.

    .venv/bin/python bench/scale_bench.py [--small 20000] [--large 500000] [--requests 40]
        [--database-url postgres://postgres@127.0.0.1:5432/sl_scale_bench] [--no-peer]

The last line: tickets=… queue_p95_ms=… ticket_p95_ms=… api_list_p95_ms=… search_p95_ms=…
sweep_s=… peer_queue_p95_ms=… growth=…  (growth: the largest ratio of a page's p95 at the
large size to its p95 at the small size)
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ui_bench import free_port, session_for, start_gunicorn  # noqa: E402

PAGES = ("queue", "ticket", "api_list", "search", "dashboard")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def fresh_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    where = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    where += ["-U", parts.username or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *where, name], check=True)
    subprocess.run(["createdb", *where, name], check=True)


def analyze(url: str) -> None:
    """Fresh planner statistics and visibility map after a bulk load, as autovacuum would give
    them later (index-only scans need the map)."""
    subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE"], check=True)


def facts() -> dict[str, str]:
    from secondline.accounts.models import User
    from secondline.accounts.tokens import issue_token
    from secondline.tickets.choices import Status
    from secondline.tickets.models import Ticket

    ticket = Ticket.objects.filter(status=Status.IN_PROGRESS).order_by("-pk").first()
    assert ticket is not None
    _, key = issue_token(User.objects.get(username="agent"))
    return {
        "session": session_for("agent"),
        "token": key,
        "ticket": str(ticket.pk),
        "tickets": str(Ticket.objects.count()),
    }


def timings(url: str, headers: list[tuple[str, str]], requests: int) -> float:
    opener = urllib.request.build_opener()
    opener.addheaders = headers
    for _ in range(3):  # warm both workers
        opener.open(url, timeout=60).read()
    spent = []
    for _ in range(requests):
        start = time.perf_counter()
        with opener.open(url, timeout=60) as response:
            response.read()
            assert response.status == 200, (url, response.status)
        spent.append((time.perf_counter() - start) * 1000)
    return p95(spent)


def measure(env: dict[str, str], requests: int) -> dict[str, float]:
    known = facts()
    port = free_port()
    server = start_gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    cookie = [("Cookie", f"sessionid={known['session']}")]
    token = [("Authorization", f"Token {known['token']}")]
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        figures = {
            "queue": timings(f"{base}/desk/?queue=all", cookie, requests),
            "ticket": timings(f"{base}/tickets/{known['ticket']}/", cookie, requests),
            "api_list": timings(f"{base}/api/tickets/", token, requests),
            "search": timings(f"{base}/desk/?queue=all&q=timeout", cookie, requests),
            "dashboard": timings(f"{base}/desk/dashboard/", cookie, requests),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{known['tickets']} tickets: " + " ".join(f"{k}={v:.1f}ms" for k, v in figures.items()))
    return figures


def sweep_seconds() -> float:
    from secondline.sla import services

    services.sweep()  # the catch-up run after seeding (every overdue new ticket at once)
    start = time.perf_counter()
    services.sweep()
    return time.perf_counter() - start


def peer_queue(tickets: int) -> str:
    from bench import peer

    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECONDLINE_VAR_DIR"):
        os.environ.pop(name, None)  # the peer is a Django project of its own
    results = peer.read(tickets, reps=20, api_reps=2)
    return f"{results['list_page']['p90_ms'] + results['list_data']['p90_ms']:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/sl_scale_bench"
    )
    parser.add_argument("--peer-tickets", type=int, default=0, help="default: --small")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secondline-scale-") as var:
        env = {
            **os.environ,
            "SECONDLINE_VAR_DIR": var,
            "DJANGO_SETTINGS_MODULE": "secondline.settings",
            "DATABASE_URL": args.database_url,
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
        }
        for name in ("REDIS_URL", "STORAGE_BUCKET", "CELERY_BROKER_URL"):
            env.pop(name, None)
            os.environ.pop(name, None)
        os.environ.update(env)
        (Path(var) / "static").mkdir()
        fresh_database(args.database_url)
        import django

        django.setup()
        from django.core.management import call_command

        from secondline.demo.data import load_demo
        from secondline.demo.seed import seed

        call_command("migrate", verbosity=0)
        load_demo()
        started = time.perf_counter()
        seed(args.small, organizations=50, agents=40)
        print(f"seeded {args.small} tickets in {time.perf_counter() - started:.0f} s", flush=True)
        analyze(args.database_url)
        small = measure(env, args.requests)
        started = time.perf_counter()
        # History grows, the work in progress does not: the tickets added are all finished.
        seed(args.large - args.small, organizations=50, agents=40, random_seed=2, open_share=0)
        print(f"seeded up to {args.large} in {time.perf_counter() - started:.0f} s", flush=True)
        analyze(args.database_url)
        large = measure(env, args.requests)
        sweep = sweep_seconds()
        print(f"SLA sweep (steady state): {sweep:.3f} s", flush=True)
    peer = "n/a" if args.no_peer else peer_queue(args.peer_tickets or args.small)
    growth = max(large[page] / small[page] for page in PAGES)
    print(
        f"tickets={args.large} queue_p95_ms={large['queue']:.1f} "
        f"ticket_p95_ms={large['ticket']:.1f} api_list_p95_ms={large['api_list']:.1f} "
        f"search_p95_ms={large['search']:.1f} sweep_s={sweep:.3f} peer_queue_p95_ms={peer} "
        f"growth={growth:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
