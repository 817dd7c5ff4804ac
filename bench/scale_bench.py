#!/usr/bin/env python3
"""Do the agent's pages stay flat as the data grows? PostgreSQL, `secondline seed` volume.

Measures two PostgreSQL databases, one per size, named after the size (``sl_scale_20k``,
``sl_scale_500k`` with the default ``--database-url``): the demo data plus ``--small`` tickets
seeded by ``secondline seed`` (comments, events, attachment rows, work logs over three years,
about 8 % open); the large one then gets history up to ``--large`` (all finished: the open
tickets, and so what the queues hold, stay those of the small size, as in a desk whose archive
grows over the years while its team's work in progress does not). A database that already holds
its size (the seeded tickets counted) is reused as it is, after ``migrate`` (new indexes are
built on it) and ``VACUUM ANALYZE``; ``--fresh`` seeds it again. Each is served with gunicorn
(2 workers on 127.0.0.1) and each page gets ``--requests`` requests (p95). The SLA sweep is
timed in-process on the large database (its steady state: a run after the catch-up run). The
peer, django-helpdesk, is measured by its own harness (bench/peer.py) on ``--peer-tickets``
tickets (the largest it fills and reads in a few minutes here; its API list, which reads every
ticket, is left out); that harness reports p90, not p95, and runs on SQLite through Django's
test client.

    .venv/bin/python bench/scale_bench.py [--small 20000] [--large 500000] [--requests 40]
        [--database-url postgres://postgres@127.0.0.1:5432/sl_scale] [--fresh]
        [--peer-tickets 200000] [--peer-reps 10] [--no-peer]

The last line: tickets=… queue_p95_ms=… ticket_p95_ms=… api_list_p95_ms=… search_p95_ms=…
sweep_s=… peer_queue_p95_ms=… growth=…  (growth: the largest ratio of a page's p95 at the
large size to its p95 at the small size)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ui_bench import free_port, session_for, start_gunicorn  # noqa: E402

PAGES = ("queue", "finished", "ticket", "api_list", "search", "dashboard")
ORGANIZATIONS, AGENTS = 50, 40


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def database_for(url: str, size: int) -> str:
    """The URL of the database of this size: ``…/sl_scale`` and 500,000 give ``…/sl_scale_500k``."""
    parts = urlparse(url)
    suffix = f"{size // 1000}k" if size % 1000 == 0 else str(size)
    return parts._replace(path=f"{parts.path}_{suffix}").geturl()


def _where(url: str) -> tuple[str, list[str]]:
    parts = urlparse(url)
    where = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    return parts.path.lstrip("/"), [*where, "-U", parts.username or "postgres"]


def fresh_database(url: str) -> None:
    name, where = _where(url)
    subprocess.run(["dropdb", "--if-exists", *where, name], check=True)
    subprocess.run(["createdb", *where, name], check=True)


def database_exists(url: str) -> bool:
    name, where = _where(url)
    names = subprocess.run(
        ["psql", *where, "-d", "postgres", "-Atl"], check=True, capture_output=True, text=True
    ).stdout
    return any(line.split("|")[0] == name for line in names.splitlines())


def analyze(url: str) -> None:
    """Fresh planner statistics and visibility map after a bulk load, as autovacuum would give
    them later (index-only scans need the map)."""
    subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE"], check=True)


def seeded_tickets() -> int:
    from secondline.tickets.models import Ticket

    return Ticket.objects.filter(contract__number__startswith="SEED-").count()


def prepare(url: str, size: int, small: int, fresh: bool) -> None:
    """The database holds the demo data and ``size`` seeded tickets: reused when it does,
    seeded otherwise (``small`` with open work, the rest history)."""
    from django.core.management import call_command
    from django.db import connection

    if not fresh and database_exists(url):
        call_command("migrate", verbosity=0)
        if seeded_tickets() == size:
            print(f"{size} tickets: reusing {urlparse(url).path.lstrip('/')}", flush=True)
            analyze(url)
            return
    connection.close()
    fresh_database(url)
    from secondline.demo.data import load_demo
    from secondline.demo.seed import seed

    call_command("migrate", verbosity=0)
    load_demo()
    started = time.perf_counter()
    seed(min(small, size), organizations=ORGANIZATIONS, agents=AGENTS, jobs=2)
    if size > small:  # history grows, the work in progress does not: all finished
        seed(size - small, ORGANIZATIONS, AGENTS, random_seed=2, open_share=0, jobs=2)
    print(f"seeded {size} tickets in {time.perf_counter() - started:.0f} s", flush=True)
    analyze(url)


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
            "finished": timings(f"{base}/desk/?queue=all&status=finished", cookie, requests),
            "ticket": timings(f"{base}/tickets/{known['ticket']}/", cookie, requests),
            "api_list": timings(f"{base}/api/tickets/", token, requests),
            "search": timings(f"{base}/desk/?queue=all&q=timeout", cookie, requests),
            "dashboard": timings(f"{base}/desk/dashboard/", cookie, requests),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    load = os.getloadavg()[0]
    print(
        f"{known['tickets']} tickets (load {load:.1f}): "
        + " ".join(f"{k}={v:.1f}ms" for k, v in figures.items()),
        flush=True,
    )
    return figures


def sweep_seconds() -> float:
    from secondline.sla import sweep

    sweep.sweep()  # the catch-up run after seeding (every overdue new ticket at once)
    start = time.perf_counter()
    sweep.sweep()
    return time.perf_counter() - start


def one_size(args: argparse.Namespace) -> int:
    """Prepare and measure one database (a process of its own: one Django setup per database);
    the figures go to stdout as the last line, in JSON."""
    url = database_for(args.database_url, args.size)
    with tempfile.TemporaryDirectory(prefix="secondline-scale-") as var:
        env = {
            **os.environ,
            "SECONDLINE_VAR_DIR": var,
            "DJANGO_SETTINGS_MODULE": "secondline.settings",
            "DATABASE_URL": url,
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
        }
        for name in ("REDIS_URL", "STORAGE_BUCKET", "CELERY_BROKER_URL"):
            env.pop(name, None)
            os.environ.pop(name, None)
        os.environ.update(env)
        (Path(var) / "static").mkdir()
        import django

        django.setup()
        prepare(url, args.size, args.small, args.fresh)
        figures: dict[str, Any] = measure(env, args.requests)
        if args.sweep:
            figures["sweep"] = sweep_seconds()
            print(f"SLA sweep (steady state): {figures['sweep']:.3f} s", flush=True)
    print(json.dumps(figures))
    return 0


def run_size(args: argparse.Namespace, size: int, sweep: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--size", str(size), "--small", str(args.small)]
    command += ["--requests", str(args.requests), "--database-url", args.database_url]
    command += ["--fresh"] * args.fresh + ["--sweep"] * sweep
    process = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = process.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)
    if process.returncode != 0 or not lines:
        raise SystemExit(f"the {size}-ticket round failed ({process.returncode})")
    figures: dict[str, float] = json.loads(lines[-1])
    return figures


def peer_queue(tickets: int, reps: int) -> str:
    from bench import peer

    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECONDLINE_VAR_DIR"):
        os.environ.pop(name, None)  # the peer is a Django project of its own
    results = peer.read(tickets, reps=reps, api_reps=0)
    figure = results["list_page"]["p90_ms"] + results["list_data"]["p90_ms"]
    print(f"peer (django-helpdesk, SQLite) at {tickets} tickets: queue p90 {figure:.1f} ms")
    return f"{figure:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/sl_scale",
        help="the size is added to its name: sl_scale_20k, sl_scale_500k",
    )
    parser.add_argument("--fresh", action="store_true", help="seed again even if present")
    parser.add_argument("--peer-tickets", type=int, default=200_000)
    parser.add_argument("--peer-reps", type=int, default=10)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)  # one round
    parser.add_argument("--sweep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.size:
        return one_size(args)
    small = run_size(args, args.small, sweep=False)
    large = run_size(args, args.large, sweep=True)
    peer = "n/a" if args.no_peer else peer_queue(args.peer_tickets, args.peer_reps)
    growth = max(large[page] / small[page] for page in PAGES)
    print(
        f"tickets={args.large} queue_p95_ms={large['queue']:.1f} "
        f"ticket_p95_ms={large['ticket']:.1f} api_list_p95_ms={large['api_list']:.1f} "
        f"search_p95_ms={large['search']:.1f} sweep_s={large['sweep']:.3f} "
        f"peer_queue_p95_ms={peer} growth={growth:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
