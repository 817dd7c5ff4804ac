"""API speed against django-helpdesk, both measured in this run: ticket creation through the
whole rule pipeline, then list and detail latency with 20,000 tickets.

SecondLine: SQLite (the embedded default), gunicorn with 2 workers on 127.0.0.1, token auth,
one sequential client. After 20 warm-up creates it times 2,000 tickets created through the API
(audit events, SLA deadline, notification queued). Creation runs in ``BENCH_ROUNDS`` rounds
(default 3), SecondLine then the peer in each, each round on a fresh database; each side's
figure is the median of its rounds, so that a slow minute of a shared machine weighs on both
and on neither for long. After the last round SecondLine fills its database to 20,000
tickets, then takes the median of 20 requests for the ticket list and for one ticket's detail,
and (signed in as an agent) for the portal's queue page and ticket page.

Then the peer, django-helpdesk 2.6.1, through its harness (``bench/peer.py``; it needs
``../shared/peer`` or ``$SECONDLINE_PEER_DIR`` and exits with a message without it):

- creates: ``bench_create.py --modes api_http``, the same N and warm-up, gunicorn with 2 sync
  workers, one sequential client, ``POST /api/tickets/`` with the same subject and description
  (``body()`` in its bench_create.py) and the middle priority. SecondLine's incident also
  carries the fields its rules require of an incident (time, impact, steps). The peer signs in
  with a session cookie and CSRF token: the harness has no token mode (its Basic mode pays a
  password hash per request).
- reads: ``bench_read.py`` on a fresh database of the same number of tickets. The harness
  times reads in the peer's own process through ``django.test.Client``, with no HTTP and no
  gunicorn, so its read figures leave out what SecondLine's include (a millisecond or two).
  Its pages (list page with its JSON rows, ticket page) are the median of 20 requests after 2
  warm-ups. Its API list and detail are each about as slow as the other (seconds a request at
  20,000 tickets: its viewset's ``get_queryset`` walks every ticket the agent may see, for
  the detail too), so those two are the median of ``BENCH_PEER_API_REPS`` (default 5)
  requests after one warm-up, not 20.

A full run takes about 5 minutes on 2 cores (2026-12-07), most of it the peer.

    .venv/bin/python bench/api_bench.py   # BENCH_CREATES / BENCH_TOTAL for a shorter run

Ends with: create_per_s=… peer_create_per_s=… ratio_create=… list_api_ms=… detail_ms=…
peer_list_api_ms=… peer_detail_ms=… list_page_ms=… peer_list_page_ms=… ticket_page_ms=…
peer_ticket_page_ms=…
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import peer  # noqa: E402 - a sibling module
from ui_bench import free_port, start_gunicorn  # noqa: E402 - a sibling script
from ui_bench import median_ms as page_median_ms  # noqa: E402

CREATES = int(os.environ.get("BENCH_CREATES", "2000"))
TOTAL = int(os.environ.get("BENCH_TOTAL", "20000"))
PEER_API_REPS = int(os.environ.get("BENCH_PEER_API_REPS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))  # creation rounds; each side's median counts
WARM = 20  # the peer harness's default warm-up
WORKERS = 2  # as start_gunicorn runs SecondLine
READS = 20


def body(i: int) -> str:
    """The description the peer harness posts (``body()`` in its bench_create.py)."""
    return (
        f"Customer no. {i} reports that the invoice export fails with error E{i % 97}.\n"
        "Steps: open Billing > Export, choose CSV, click Go.\n"
        "Expected a file, got a blank page. Please advise.\n"
    )


def payload(i: int) -> dict[str, object]:
    """The peer's title and description; the rest is what SecondLine requires of an incident."""
    return {
        "type": "incident",
        "priority": "normal",  # the peer posts 3, its middle "Normal" priority
        "subject": f"Invoice export fails {i}",
        "description": body(i),
        "occurred_at": "2026-11-20T11:00:00+03:00",
        "impact": "Invoices cannot be exported",
        "steps_to_reproduce": "Open Billing > Export, choose CSV, click Go.",
    }


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate a fresh database and make a customer contact with a token."""
    script = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from secondline.accounts.tokens import issue_token
from tests.factories import Personas
p = Personas.create()
print(issue_token(p.member)[1], issue_token(p.agent)[1])
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[0], out[1]


def fill(env: dict[str, str], total: int) -> tuple[int, str]:
    """Bulk-insert tickets until the database holds ``total``; also a signed-in agent's
    session, for the portal pages."""
    script = f"""
import django; django.setup()
from secondline.tickets.models import Ticket, TicketEvent
first = Ticket.objects.order_by("pk").first()
missing = {total} - Ticket.objects.count()
columns = [f.attname for f in Ticket._meta.concrete_fields if f.attname != "id"]
fields = {{name: getattr(first, name) for name in columns}}
batch = [Ticket(**{{**fields, "subject": f"Bulk ticket {{i}}"}}) for i in range(missing)]
Ticket.objects.bulk_create(batch, batch_size=2000)
import sys; sys.path.insert(0, "bench")
from ui_bench import session_for
print(Ticket.objects.count(), session_for("agent"))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[-2]), out[-1]


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    token: str,
    body: dict[str, object] | None = None,
) -> tuple[int, bytes]:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def median_ms(port: int, path: str, token: str, times: int = 20) -> float:
    samples = []
    for _ in range(times):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start = time.perf_counter()
        status, _ = request(conn, "GET", path, token)
        samples.append((time.perf_counter() - start) * 1000)
        conn.close()
        assert status == 200, (path, status)
    return statistics.median(samples)


def wait_for(port: int) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def secondline(reads: bool = True) -> dict[str, float]:
    """SecondLine's figures on a fresh database: creates per second, then (with ``reads``)
    medians in ms with ``TOTAL`` tickets."""
    var = Path(tempfile.mkdtemp(prefix="secondline-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "secondline.settings",
        "SECONDLINE_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'bench.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    customer, agent = prepare(env)
    port = free_port()
    server = start_gunicorn(env, port)
    try:
        wait_for(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(-WARM, CREATES):  # numbered as the peer's: warm-up ones below zero
            if i == 0:
                start = time.perf_counter()
            status, answer = request(conn, "POST", "/api/tickets/", customer, payload(i))
            if status != 201:
                raise SystemExit(f"create failed: {status} {answer[:300]!r}")
        create_per_s = CREATES / (time.perf_counter() - start)
        conn.close()
        if not reads:
            print(f"SecondLine: {CREATES} tickets created at {create_per_s:.0f}/s", flush=True)
            return {"create_per_s": create_per_s}
        tickets, session = fill(env, TOTAL)
        ticket_id = json.loads(answer)["id"]
        list_ms = median_ms(port, "/api/tickets/", agent, READS)
        detail_ms = median_ms(port, f"/api/tickets/{ticket_id}/", agent, READS)
        base = f"http://127.0.0.1:{port}"
        list_page_ms = page_median_ms(f"{base}/desk/?queue=all", session, READS)
        ticket_page_ms = page_median_ms(f"{base}/tickets/{ticket_id}/", session, READS)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(
        f"SecondLine: {CREATES} tickets created through the API at {create_per_s:.0f}/s; "
        f"{tickets} tickets in the database; API list median {list_ms:.1f} ms, detail "
        f"{detail_ms:.1f} ms; queue page {list_page_ms:.1f} ms, "
        f"ticket page {ticket_page_ms:.1f} ms",
        flush=True,
    )
    return {
        "create_per_s": create_per_s,
        "list_api_ms": list_ms,
        "detail_ms": detail_ms,
        "list_page_ms": list_page_ms,
        "ticket_page_ms": ticket_page_ms,
    }


def peer_create_per_s() -> float:
    rate = float(peer.create(CREATES, WARM, WORKERS)["tickets_per_s"])
    print(f"peer: {CREATES} tickets created through its API at {rate:.0f}/s", flush=True)
    return rate


def helpdesk() -> dict[str, float]:
    """The peer's read figures for the same workload (see the module's docstring for how)."""
    reads = peer.read(TOTAL, READS, PEER_API_REPS)
    print(
        f"peer: {TOTAL} tickets: API list median {reads['api_list']['median_ms']:.0f} ms "
        f"(n={reads['api_list']['n']}), detail {reads['api_detail']['median_ms']:.0f} ms "
        f"(n={reads['api_detail']['n']}); list page with its rows "
        f"{reads['list_total_median_ms']:.0f} ms, ticket page {reads['detail']['median_ms']:.0f} ms"
        " (in-process, no HTTP)",
        flush=True,
    )
    return {
        "list_api_ms": reads["api_list"]["median_ms"],
        "detail_ms": reads["api_detail"]["median_ms"],
        "list_page_ms": reads["list_total_median_ms"],
        "ticket_page_ms": reads["detail"]["median_ms"],
    }


def main() -> None:
    peer.python()  # before anything is timed: no harness, no run; first use installs it
    ours_rates, peer_rates = [], []
    for n in range(ROUNDS):  # each side in turn, so a slower minute of the machine hits both
        ours = secondline(reads=n == ROUNDS - 1)
        ours_rates.append(ours["create_per_s"])
        peer_rates.append(peer_create_per_s())
    theirs = helpdesk()
    create_per_s, peer_rate = statistics.median(ours_rates), statistics.median(peer_rates)
    print(peer.by_round("creates per second", ours_rates, peer_rates))
    print(
        f"create_per_s={create_per_s:.0f} "
        f"peer_create_per_s={peer_rate:.0f} "
        f"ratio_create={create_per_s / peer_rate:.1f} "
        f"list_api_ms={ours['list_api_ms']:.1f} detail_ms={ours['detail_ms']:.1f} "
        f"peer_list_api_ms={theirs['list_api_ms']:.0f} peer_detail_ms={theirs['detail_ms']:.0f} "
        f"list_page_ms={ours['list_page_ms']:.1f} peer_list_page_ms={theirs['list_page_ms']:.0f} "
        f"ticket_page_ms={ours['ticket_page_ms']:.1f} "
        f"peer_ticket_page_ms={theirs['ticket_page_ms']:.0f}"
    )


if __name__ == "__main__":
    main()
