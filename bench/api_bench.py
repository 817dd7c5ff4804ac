"""API speed: ticket creation through the whole rule pipeline, then list and detail latency.

SQLite (the embedded default), gunicorn with 2 workers on 127.0.0.1, token auth, one client.
Creates 2,000 tickets through the API (audit events, SLA deadline, notification queued), fills
the database to 20,000 tickets, then takes the median of 20 requests for the ticket list and
for one ticket's detail, and (signed in as an agent) for the portal's queue page and ticket
page. The peer figures are the ones the issues quote for the closest Python peer on the same
machine and workload (36 tickets/s created, 0.7 s for its list page, 11.7 s for its API list).

Ends with: create_per_s=… list_api_ms=… detail_ms=… peer_create_per_s=36 ratio_create=…
list_page_ms=… ticket_page_ms=…
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
from ui_bench import free_port, start_gunicorn  # noqa: E402 - a sibling script
from ui_bench import median_ms as page_median_ms  # noqa: E402

CREATES = int(os.environ.get("BENCH_CREATES", "2000"))
TOTAL = int(os.environ.get("BENCH_TOTAL", "20000"))
PEER_CREATE_PER_S = 36.0
PEER_LIST_API_MS = 11700.0


def prepare(env: dict[str, str]) -> tuple[str, int]:
    """Migrate a fresh database and make a customer contact with a token."""
    script = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from rest_framework.authtoken.models import Token
from tests.factories import Personas
p = Personas.create()
print(Token.objects.create(user=p.member).key, Token.objects.create(user=p.agent).key)
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return out[0], out[1]  # type: ignore[return-value]


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


def main() -> None:
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
        payload = {
            "type": "incident",
            "priority": "high",
            "subject": "Posting fails",
            "description": "Posting a shipment fails with error 500.",
            "occurred_at": "2026-11-20T11:00:00+03:00",
            "impact": "Warehouse blocked",
            "steps_to_reproduce": "Open a shipment, press Post.",
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        request(conn, "POST", "/api/tickets/", customer, payload)  # warm-up
        start = time.perf_counter()
        for _ in range(CREATES):
            status, body = request(conn, "POST", "/api/tickets/", customer, payload)
            if status != 201:
                raise SystemExit(f"create failed: {status} {body[:300]!r}")
        create_per_s = CREATES / (time.perf_counter() - start)
        conn.close()
        tickets, session = fill(env, TOTAL)
        ticket_id = json.loads(body)["id"]
        list_ms = median_ms(port, "/api/tickets/", agent)
        detail_ms = median_ms(port, f"/api/tickets/{ticket_id}/", agent)
        base = f"http://127.0.0.1:{port}"
        list_page_ms = page_median_ms(f"{base}/desk/?queue=all", session, 20)
        ticket_page_ms = page_median_ms(f"{base}/tickets/{ticket_id}/", session, 20)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(
        f"tickets created through the API: {CREATES} at {create_per_s:.0f}/s "
        f"(peer {PEER_CREATE_PER_S:.0f}/s); {tickets} tickets in the database"
    )
    print(
        f"API list median {list_ms:.1f} ms (peer {PEER_LIST_API_MS:.0f} ms), "
        f"detail median {detail_ms:.1f} ms"
    )
    print(
        f"agent queue page median {list_page_ms:.1f} ms (peer list page 700 ms), "
        f"ticket page median {ticket_page_ms:.1f} ms"
    )
    print(
        f"create_per_s={create_per_s:.0f} list_api_ms={list_ms:.1f} detail_ms={detail_ms:.1f} "
        f"peer_create_per_s={PEER_CREATE_PER_S:.0f} "
        f"ratio_create={create_per_s / PEER_CREATE_PER_S:.1f} "
        f"list_page_ms={list_page_ms:.1f} ticket_page_ms={ticket_page_ms:.1f}"
    )


if __name__ == "__main__":
    main()
