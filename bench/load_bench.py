#!/usr/bin/env python3
"""Many users at once: 200 simulated people against gunicorn + PostgreSQL + Redis, then the same
workload against django-helpdesk.

Seeds a throw-away PostgreSQL database with ``secondline migrate`` and ``secondline seed``,
serves it as docs/production.md deploys it (gunicorn with ``--workers N --preload`` on
127.0.0.1, the cache and the sessions in Redis through ``REDIS_URL``), and runs locust headless
(``bench/load_locust.py``, whose docstring gives the think-time model and its source, TPC-W):
agents working the queue and replying, customers filing and reading their tickets, API clients
reading the list and a ticket. The statistics are reset once every
user has started, so the figures are the steady state of ``--users`` people. Then the peer,
django-helpdesk (its harness, ``bench/peer.py``), gets the same number of tickets
(``bench/peer_load.py``, SQLite as its harness runs it), the same gunicorn and the same
workload. No Celery worker runs: the tasks the requests queue (notification emails) wait in the
embedded queue of the run's temporary folder, so the figures are the web nodes' own.

Where the time goes is printed beside the figures: the CPU the server side (gunicorn and its
PostgreSQL backends) spent per request and in cores, what locust itself spent (it shares the
machine), and the 1-minute load average sampled through the run. A p95 far above the per-request
CPU with the server using less than its share of the cores means requests waited for a CPU
that others held (another process's work, or the GIL of a busy worker), not for a lock.

    .venv/bin/python bench/load_bench.py [--users 200] [--duration 120] [--tickets 10000]
        [--workers 4] [--threads 4]
        [--database-url postgres://postgres@127.0.0.1:5432/sl_load_bench]
        [--redis-url redis://127.0.0.1:6379/0] [--no-peer]

The last line: users=… errors=… p95_ms=… rps=… peer_p95_ms=…
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_bench import analyze, fresh_database  # noqa: E402
from bench.ui_bench import free_port  # noqa: E402

LOCUSTFILE = ROOT / "bench" / "load_locust.py"
OPEN_TICKETS = 2000  # the open tickets agents and API clients pick from
# Idle connections are kept longer than a person's longest pause (70 s) and than nginx's
# upstream keepalive_timeout (60 s), so the client, not gunicorn, closes them: with gunicorn's
# default of 2 s a request sent on a connection the server was closing failed as
# "Remote end closed connection without response" (docs/production.md).
KEEP_ALIVE_S = 75


def secondline(env: dict[str, str], *args: str) -> None:
    """The ``secondline`` command installed beside this interpreter."""
    command = Path(sys.executable).parent / "secondline"
    subprocess.run([str(command), *args], env=env, cwd=ROOT, check=True)


def facts(path: Path) -> int:
    """Signed-in sessions (in the configured session engine: Redis) and API tokens for the
    seeded people, and the tickets each may open; returns the number of tickets."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from secondline.accounts.models import User
    from secondline.accounts.tokens import issue_token
    from secondline.tickets.choices import OPEN_STATUSES
    from secondline.tickets.models import Ticket

    store = import_module(settings.SESSION_ENGINE).SessionStore

    def session(user: User) -> str:
        made = store()
        made[SESSION_KEY] = str(user.pk)
        made[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        made[HASH_SESSION_KEY] = user.get_session_auth_hash()
        made.create()
        return str(made.session_key)

    agents = list(User.objects.filter(username__startswith="seed.agent"))
    customers = []
    for person in User.objects.filter(username__startswith="seed.c"):
        own = Ticket.objects.filter(requester=person).order_by("-pk").values_list("pk", flat=True)
        customers.append({"session": session(person), "tickets": list(own[:5])})
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("-pk")
    data = {
        "open_tickets": list(open_tickets.values_list("pk", flat=True)[:OPEN_TICKETS]),
        "agents": [{"session": session(agent)} for agent in agents],
        "customers": customers,
        "api": [{"token": issue_token(agent)[1]} for agent in agents],
    }
    path.write_text(json.dumps(data))
    return Ticket.objects.count()


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the server stopped ({server.returncode}) before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no answer from {url}")


def gunicorn(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Any:
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=out)


def serve_args(app: str, port: int, args: argparse.Namespace) -> list[str]:
    """The production command of docs/production.md, bound to the loopback."""
    where = ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    pool = ["--workers", str(args.workers), "--preload", "--keep-alive", str(KEEP_ALIVE_S)]
    if args.threads > 1:
        pool += ["--worker-class", "gthread", "--threads", str(args.threads)]
    return [app, *where, *pool]


def cpu_snapshot(server: int, database_url: str | None) -> dict[int, float]:
    """CPU seconds (user + system) so far of the server's processes and, on PostgreSQL, of the
    database's backends serving it (persistent connections: one per worker)."""
    pids = [server, *(child.pid for child in psutil.Process(server).children(recursive=True))]
    if database_url:
        query = (
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        found = subprocess.run(
            ["psql", database_url, "-Atc", query], check=True, capture_output=True, text=True
        )
        pids += [int(pid) for pid in found.stdout.split()]
    spent = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            spent[pid] = times.user + times.system
    return spent


def locust(
    base: str, facts_path: Path, target: str, args: argparse.Namespace, out: Path
) -> tuple[list[dict[str, str]], int]:
    """Run the workload headless; returns the per-request-type rows of its statistics (steady
    state) and the number of requests of the whole run."""
    prefix = out / target
    count = out / f"{target}.count"
    env = {**os.environ, "LOAD_FACTS": str(facts_path), "LOAD_TARGET": target}
    env["LOAD_COUNT"] = str(count)
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
    command += ["--run-time", f"{args.duration}s", "--host", base, "--csv", str(prefix)]
    command += ["--only-summary", "--reset-stats", "--stop-timeout", "30"]
    command += ["--loglevel", "WARNING"]
    print(f"{target}: {args.users} users for {args.duration} s ...", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"  locust's own CPU: {spent:.0f} s ({spent / args.duration:.2f} of a core)")
    with (out / f"{target}_stats.csv").open() as stats:
        rows = list(csv.DictReader(stats))
    failures = out / f"{target}_failures.csv"
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            print(f"  FAILED {row['Occurrences']}× {row['Name']}: {row['Error'][:300]}")
    return rows, int(count.read_text())


class Sampler(threading.Thread):
    """While a run lasts, every few seconds: the machine's 1-minute load average and, on
    PostgreSQL, how many of the run's backends wait for a lock (``pg_locks`` not granted)."""

    def __init__(self, database_url: str | None) -> None:
        super().__init__(daemon=True)
        self.database_url = database_url
        self.load: list[float] = []
        self.lock_waits: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        query = (
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        )
        while not self.done.wait(5):
            self.load.append(os.getloadavg()[0])
            if self.database_url:
                found = subprocess.run(
                    ["psql", self.database_url, "-Atc", query], capture_output=True, text=True
                )
                if found.returncode == 0:
                    self.lock_waits.append(int(found.stdout.strip() or 0))

    def summary(self) -> str:
        found = self.load or [os.getloadavg()[0]]
        return f"{min(found):.1f}–{max(found):.1f} (median {statistics.median(found):.1f})"


def measured(server: Any, database_url: str | None, run: Any, target: str) -> dict[str, str]:
    """Run the workload, print its table; the total row with the CPU milliseconds the server
    side (web workers and database) spent per request, and the load average of the run."""
    before = cpu_snapshot(server.pid, database_url)
    load = Sampler(database_url)
    load.start()
    began = time.perf_counter()
    rows, requests = run()
    wall = time.perf_counter() - began
    load.done.set()
    after = cpu_snapshot(server.pid, database_url)
    spent = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    total = table(target, rows)
    total["cpu_ms"] = f"{1000 * spent / max(requests, 1):.0f}"
    total["load"] = load.summary()
    if load.lock_waits:
        print(
            f"  backends waiting for a lock: at most {max(load.lock_waits)} "
            f"in {len(load.lock_waits)} samples (mean {statistics.fmean(load.lock_waits):.1f})"
        )
    print(
        f"  server CPU: {spent:.0f} s for {requests} requests: {total['cpu_ms']} ms a request, "
        f"{spent / wall:.2f} of the machine's {os.cpu_count()} cores; "
        f"load average {total['load']}"
    )
    return total


def table(target: str, rows: list[dict[str, str]]) -> dict[str, str]:
    print(f"\n{target}: request type, count, errors, p50 ms, p95 ms, req/s")
    for row in rows:
        print(
            f"  {row['Name']:<22} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{row['50%']:>7} {row['95%']:>7} {float(row['Requests/s']):>7.1f}"
        )
    (total,) = [row for row in rows if row["Name"] == "Aggregated"]
    return total


def run_secondline(args: argparse.Namespace, out: Path) -> dict[str, str]:
    var = out / "var"
    (var / "static").mkdir(parents=True)
    env = {
        **os.environ,
        "SECONDLINE_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "secondline.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": f"load-bench-{os.getpid()}",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("STORAGE_BUCKET", "CELERY_BROKER_URL", "SECONDLINE_PRODUCTION"):
        env.pop(name, None)
    os.environ.update(env)
    if not args.reuse_database:
        fresh_database(args.database_url)
        secondline(env, "migrate", "--no-input", "-v", "0")
        started = time.perf_counter()
        secondline(
            env, "seed", "--tickets", str(args.tickets), "--organizations", "40", "--agents", "75"
        )
        print(f"seeded {args.tickets} tickets in {time.perf_counter() - started:.0f} s", flush=True)
        analyze(args.database_url)
    facts_path = out / "secondline.json"
    print(f"{facts(facts_path)} tickets", flush=True)
    from django.db import connections

    connections.close_all()  # only the web workers' backends remain to be measured
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *serve_args("secondline.wsgi:application", port, args),
    ]
    server = gunicorn(command, env, ROOT, out / "secondline-gunicorn.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        base = f"http://127.0.0.1:{port}"

        def run() -> Any:
            return locust(base, facts_path, "secondline", args, out)

        return measured(server, args.database_url, run, "SecondLine")
    finally:
        server.terminate()
        server.wait(timeout=60)
        print_log(out / "secondline-gunicorn.log")


def run_peer(args: argparse.Namespace, out: Path) -> dict[str, str]:
    from bench import peer

    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECONDLINE_VAR_DIR", "REDIS_URL"):
        env.pop(name, None)  # the peer is a Django project of its own
    work = peer.work_dir()
    env |= {"PEER_WORK": str(work), "PEER_HARNESS": str(peer.harness())}
    interpreter = peer.python()
    facts_path = out / "peer.json"
    fill = [str(interpreter), str(ROOT / "bench" / "peer_load.py"), str(args.tickets)]
    fill += ["75", str(40 * 3), str(facts_path)]  # as many agents and customers as the seed's
    subprocess.run(fill, env=env, cwd=work, check=True)
    env |= {"PEER_DB": str(work / "data" / "load.sqlite3")}
    env |= {"PEER_MEDIA": str(work / "data" / "load-media")}
    port = free_port()
    command = [
        str(interpreter.parent / "gunicorn"),
        *serve_args("hdsite.wsgi:application", port, args),
    ]
    server = gunicorn(command, env, peer.harness() / "site", out / "peer-gunicorn.log")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/login/", server)
        base = f"http://127.0.0.1:{port}"

        def run() -> Any:
            return locust(base, facts_path, "peer", args, out)

        return measured(server, None, run, "django-helpdesk")
    finally:
        server.terminate()
        server.wait(timeout=60)
        print_log(out / "peer-gunicorn.log")


def print_log(log: Path) -> None:
    text = log.read_text(errors="replace").strip() if log.exists() else ""
    if text:
        print(f"--- {log.name} (last lines) ---\n{text[-3000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=120, help="seconds, ramp-up included")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="per worker (gthread); 1: sync")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/sl_load_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument(
        "--reuse-database", action="store_true", help="the database of a previous run, as it is"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secondline-load-") as folder:
        out = Path(folder)
        ours = run_secondline(args, out)
        theirs = None if args.no_peer else run_peer(args, out)
    errors = int(ours["Failure Count"])
    peer_p95 = "n/a" if theirs is None else theirs["95%"]
    print(f"\nSecondLine: cpu_ms_per_request={ours['cpu_ms']} load_average={ours['load']}")
    if theirs is not None:
        print(
            f"peer: errors={theirs['Failure Count']} of {theirs['Request Count']} "
            f"rps={float(theirs['Requests/s']):.1f} cpu_ms_per_request={theirs['cpu_ms']} "
            f"load_average={theirs['load']}"
        )
    print(
        f"users={args.users} errors={errors} p95_ms={ours['95%']} "
        f"rps={float(ours['Requests/s']):.1f} peer_p95_ms={peer_p95}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
