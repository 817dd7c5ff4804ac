#!/usr/bin/env python3
"""How fast the agent's pages answer with 20,000 tickets in the embedded SQLite database.

Builds a throw-away database (demo data plus 20,000 tickets), serves it with gunicorn
(2 workers on 127.0.0.1) and times 20 requests of each page with a signed-in agent's session
cookie. The named peer, measured in the same run on the same data, is Django admin's ticket
changelist (a plain, well-known Django list page). Target: under 50 ms per page.

    .venv/bin/python bench/ui_bench.py [--tickets 20000] [--requests 20]

The last line is: list_page_ms=… ticket_page_ms=… admin_list_ms=… list_vs_admin=…
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_database(count: int) -> dict[str, str]:
    """Demo data through the services, then ``count`` tickets cloned from it in bulk."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from secondline.accounts.models import User
    from secondline.demo.data import load_demo
    from secondline.tickets import services
    from secondline.tickets.choices import Priority, Status
    from secondline.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    load_demo()
    templates = list(Ticket.objects.all())
    staff = list(User.objects.filter(role__in=User.CONTRACTOR_ROLES))
    rng = random.Random(2026)
    now = timezone.now()
    statuses = [
        Status.NEW,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.WAITING_FOR_CUSTOMER,
        Status.RESOLVED,
        Status.CLOSED,
    ]
    states = ["on_track", "at_risk", "breached", "met", "paused"]
    batch = []
    for index in range(count):
        model = templates[index % len(templates)]
        created = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 90))
        batch.append(
            Ticket(
                organization_id=model.organization_id,
                contract_id=model.contract_id,
                requester_id=model.requester_id,
                type=model.type,
                priority=rng.choice(list(Priority)),
                status=rng.choice(statuses),
                channel=model.channel,
                subject=f"{model.subject} #{index}",
                description=model.description,
                assignee=rng.choice([None, *staff]),
                reaction_due_at=created + dt.timedelta(hours=rng.randrange(1, 60)),
                sla_state=rng.choice(states),
                created_at=created,
            )
        )
    Ticket.objects.bulk_create(batch, batch_size=2000)
    ticket = Ticket.objects.filter(status=Status.IN_PROGRESS).order_by("-pk").first()
    agent = User.objects.get(username="agent")
    for number in range(5):
        services.add_comment(ticket, agent, f"Update {number}: we are looking into it.")
    services.add_comment(ticket, ticket.requester, "Thank you, waiting.")

    return {
        "agent": session_for("agent"),
        "admin": session_for("admin"),
        "ticket": str(ticket.pk),
        "tickets": str(Ticket.objects.count()),
    }


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """The product's web server as deployed: gunicorn, 2 sync workers, on 127.0.0.1."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "secondline.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--no-control-socket",  # as `secondline run` starts it
        ],
        env=env,
        cwd=ROOT,
    )


def session_for(username: str) -> str:
    """A signed-in session cookie value for this user (Django set up by the caller)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from secondline.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def median_ms(url: str, session: str, requests: int) -> float:
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", f"sessionid={session}")]
    for _ in range(3):  # warm both workers
        opener.open(url).read()
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        with opener.open(url) as response:
            response.read()
            assert response.status == 200, (url, response.status)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secondline-bench-") as var:
        env = {
            **os.environ,
            "SECONDLINE_VAR_DIR": var,
            "DJANGO_SETTINGS_MODULE": "secondline.settings",
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
        }
        os.environ.update(env)
        os.environ.pop("DATABASE_URL", None)
        env.pop("DATABASE_URL", None)
        print(f"building a SQLite database with {args.tickets} tickets ...", flush=True)
        facts = build_database(args.tickets)
        port = free_port()
        server = start_gunicorn(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/login/", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.2)
            list_ms = median_ms(f"{base}/desk/?queue=all", facts["agent"], args.requests)
            ticket_ms = median_ms(
                f"{base}/tickets/{facts['ticket']}/", facts["agent"], args.requests
            )
            admin_ms = median_ms(f"{base}/admin/tickets/ticket/", facts["admin"], args.requests)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"tickets in the database: {facts['tickets']}")
    print(f"agent queue page (all open, 25 per page): median {list_ms:.1f} ms")
    print(f"ticket page: median {ticket_ms:.1f} ms")
    print(f"peer, Django admin ticket changelist (100 per page): median {admin_ms:.1f} ms")
    print(
        f"list_page_ms={list_ms:.1f} ticket_page_ms={ticket_ms:.1f} admin_list_ms={admin_ms:.1f}"
        f" list_vs_admin={list_ms / admin_ms:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
