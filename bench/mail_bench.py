"""Email import speed against django-helpdesk, both measured in this run.

SecondLine imports through ``ingest_many`` (``ingest_message`` for each message, stored and
routed in batches, notifications handed to the worker in batches) exactly as ``secondline
mail import`` does, each corpus into a fresh SQLite database. Notifications are queued, not
sent. Two corpora:

- the peer's: the very .eml files the peer harness generated and imported in this run
  (``gen_eml.py``: 50 seed messages, then 500 timed ones: plain, HTML, attachments, replies
  by In-Reply-To, References or subject tag, Russian and German 8-bit mail, auto-replies,
  duplicates). As the peer does, the seed is imported first and not timed. Every sender in
  the corpus is made a contact of one customer beforehand: the peer opens a ticket for anyone,
  SecondLine quarantines unknown senders, which would be cheaper and not the same work.
- its own: 5,000 generated messages (plain and HTML mail, attachments, replies to existing
  tickets, Russian text in koi8-r and cp1251, unknown senders); ``--messages`` sets how many.

The peer's corpus is imported in ``--rounds`` rounds (default 3), the peer then SecondLine in
each, each on fresh databases; each side's rate is the median of its rounds (one round is 500
messages, a few seconds, and a shared machine's slow moment would otherwise decide the ratio).

The peer, django-helpdesk 2.6.1, runs first in each round, through its harness
(``bench/peer.py``; it needs ``../shared/peer`` or ``$SECONDLINE_PEER_DIR`` and exits with a
message without it):
``bench_email.py`` imports that corpus through ``helpdesk.email.process_email`` (what
``manage.py get_email`` runs) from a local maildir, in its own process. Its rate counts the
messages it imported (a message it crashes on is set aside and left out).

    .venv/bin/python bench/mail_bench.py [--messages N]

A run takes about 2 minutes on 2 cores (2026-12-07).

Ends with one line: ``messages=5000 messages_per_s=… peer_messages_per_s=… ratio=… lost=0
same_corpus_messages=500 same_corpus_messages_per_s=… same_corpus_lost=0 peer_imported=…``.
``messages``, ``messages_per_s`` and ``lost`` are SecondLine's own 5,000-message corpus;
``ratio`` compares like with like: SecondLine's rate on the peer's 500 timed messages
(``same_corpus_messages_per_s``) over the peer's on them.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import peer  # noqa: E402 - a sibling module

SEED_TICKETS = 50
CONTACTS = 20


TRUSTED_SERVER = "mx.secondline.example"


def configure(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SECONDLINE_VAR_DIR"] = str(workdir)
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    # Notifications are queued, not sent: the bench measures the intake, not the SMTP server.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    # Replies name their ticket by the subject tag, so they need a proof (issue 16): our mail
    # server's DMARC pass, checked for every reply as in production.
    os.environ["MAIL_TRUSTED_AUTHSERV_IDS"] = TRUSTED_SERVER
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def seed(emails: list[str]) -> None:
    """One customer with an active contract, and these addresses as its contacts."""
    import datetime as dt
    from decimal import Decimal

    from secondline.accounts.models import Contract, Organization, User
    from secondline.sla.models import SLAPlan, WorkingCalendar

    customer = Organization.objects.create(name="Volga Logistics")
    Contract.objects.create(
        customer=customer,
        number="VL-1",
        starts_on=dt.date(2020, 1, 1),
        calendar=WorkingCalendar.objects.first(),
        sla_plan=SLAPlan.objects.first(),
        hourly_rate=Decimal("4000.00"),
    )
    for n, email in enumerate(emails):
        role = User.Role.CUSTOMER_RESPONSIBLE if n == 0 else User.Role.CUSTOMER_MEMBER
        User.objects.create(username=f"contact{n}", email=email, organization=customer, role=role)


def message(n: int, contacts: list[str], rng: random.Random) -> bytes:
    msg = EmailMessage()
    msg["Message-ID"] = f"<bench-{n}@volga.example>"
    msg["To"] = "support@secondline.example"
    msg["Date"] = "Tue, 03 Mar 2026 11:00:00 +0300"
    sender = contacts[n % len(contacts)]
    kind = (
        "new"
        if n < SEED_TICKETS
        else rng.choices(
            ["new", "html", "attachment", "reply", "russian", "unknown"], [30, 15, 10, 25, 15, 5]
        )[0]
    )
    body = f"Message {n}: posting shipment {rng.randint(1, 10**6)} fails with error 500.\n" * 3
    msg["From"] = f"Contact <{sender}>"
    msg["Subject"] = f"Problem {n}"
    if kind == "reply":
        ticket = rng.randint(1, SEED_TICKETS)
        msg.replace_header("Subject", f"Re: [SL-{ticket}] Problem")
        msg["Authentication-Results"] = f"{TRUSTED_SERVER}; dmarc=pass header.from=volga.example"
        msg.set_content(f"Here are the logs {n}.\n\nOn Tue, support wrote:\n> old text\n> more\n")
    elif kind == "html":
        msg.set_content(body)
        msg.add_alternative(
            f"<html><body><p>{body}</p><script>x()</script></body></html>", subtype="html"
        )
    elif kind == "attachment":
        msg.set_content(body)
        msg.add_attachment(
            os.urandom(rng.randint(1_000, 30_000)),
            maintype="application",
            subtype="octet-stream",
            filename=f"журнал-{n}.log",
        )
    elif kind == "russian":
        charset = rng.choice(["koi8-r", "cp1251"])
        text = f"Добрый день! Не проводится отгрузка номер {n}, ошибка 500.\n" * 3
        subject = base64.b64encode(f"[Инцидент][Высокий] Отгрузка {n}".encode(charset)).decode()
        raw = (
            f"From: {sender}\r\nTo: support@secondline.example\r\n"
            f"Subject: =?{charset}?B?{subject}?=\r\n"
            f"Message-ID: <bench-{n}@volga.example>\r\nDate: Tue, 03 Mar 2026 11:00:00 +0300\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode() + text.encode(charset)
        return raw
    elif kind == "unknown":
        msg.replace_header("From", f"stranger{n}@elsewhere.example")
        msg.set_content(body)
    else:
        msg.set_content(body)
    return msg.as_bytes()


def import_all(batch: list[bytes]) -> tuple[float, Counter[str], int]:
    """Seconds to import ``batch``, the outcomes' statuses, and how many outcomes are safe."""
    from secondline.mail.batches import ingest_many

    statuses: Counter[str] = Counter()
    safe = 0
    started = time.perf_counter()
    for outcome in ingest_many((raw, "import:bench") for raw in batch):
        statuses[outcome.status] += 1
        safe += outcome.is_safe
    return time.perf_counter() - started, statuses, safe


def own_corpus(workdir: Path, messages: int) -> dict[str, float]:
    """SecondLine's own generated corpus: rate, and how many messages were not settled."""
    configure(workdir)
    contacts = [f"contact{n}@volga.example" for n in range(CONTACTS)]
    seed(contacts)
    rng = random.Random(2026)
    batch = [message(n, contacts, rng) for n in range(messages)]

    from secondline.mail.models import InboundMessage
    from secondline.mail.parse import parse

    started = time.perf_counter()
    for raw in batch:
        parse(raw)
    parse_rate = len(batch) / (time.perf_counter() - started)
    # What `secondline mail import` runs: ingest_message per message, stored and routed in
    # batches, notifications handed to the worker in batches.
    elapsed, statuses, _ = import_all(batch)
    settled = InboundMessage.objects.filter(status__in=InboundMessage.FINAL).count()
    print("SecondLine, own corpus, statuses:", {str(k): n for k, n in sorted(statuses.items())})
    print(f"elapsed_s={elapsed:.2f} parse_only_messages_per_s={parse_rate:.0f}", flush=True)
    return {"messages_per_s": messages / elapsed, "lost": messages - settled}


def peer_corpus(corpus: Path) -> dict[str, float]:
    """The peer's .eml files, as it imports them: the seed untimed, then the main batch."""
    with tempfile.TemporaryDirectory(prefix="secondline-mail-bench-") as tmp:
        configure(Path(tmp))
        manifests = {
            part: json.loads((corpus / part / "manifest.json").read_text())
            for part in ("seed", "main")
        }
        senders = {m["sender"].lower() for ms in manifests.values() for m in ms}
        seed(sorted(senders))
        files = {
            part: [(corpus / part / m["file"]).read_bytes() for m in ms]
            for part, ms in manifests.items()
        }
        import_all(files["seed"])
        elapsed, statuses, safe = import_all(files["main"])
    messages = len(files["main"])
    print(
        "SecondLine, the peer's corpus, statuses:", {str(k): n for k, n in sorted(statuses.items())}
    )
    print(f"elapsed_s={elapsed:.2f} for {messages} messages", flush=True)
    return {"messages": messages, "messages_per_s": messages / elapsed, "lost": messages - safe}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds on the peer's corpus")
    parser.add_argument("--peer-corpus", type=Path, help=argparse.SUPPRESS)  # the child's run
    args = parser.parse_args()
    if args.peer_corpus:
        result = peer_corpus(args.peer_corpus)
        (args.peer_corpus / "secondline.json").write_text(json.dumps(result))
        return
    peer.python()  # before anything is timed: no harness, no run; first use installs it
    with tempfile.TemporaryDirectory(prefix="secondline-mail-bench-") as tmp:
        rounds = [same_corpus_round(Path(tmp) / f"eml-{n}") for n in range(args.rounds)]
        (Path(tmp) / "own").mkdir()
        own = own_corpus(Path(tmp) / "own", args.messages)
    theirs = [peer_run for peer_run, _ in rounds]
    same = [ours for _, ours in rounds]
    same_rates = [r["messages_per_s"] for r in same]
    peer_rates = [r["messages_per_s"] for r in theirs]
    print(peer.by_round("messages per second on the peer's corpus", same_rates, peer_rates))
    peer_rate, same_rate = statistics.median(peer_rates), statistics.median(same_rates)
    print(
        f"messages={args.messages} messages_per_s={own['messages_per_s']:.0f} "
        f"peer_messages_per_s={peer_rate:.0f} "
        f"ratio={same_rate / peer_rate:.1f} lost={own['lost']} "
        f"same_corpus_messages={same[0]['messages']} "
        f"same_corpus_messages_per_s={same_rate:.0f} "
        f"same_corpus_lost={max(r['lost'] for r in same)} "
        f"peer_imported={min(r['processed_and_deleted'] for r in theirs)}"
    )


def same_corpus_round(corpus: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """One round on the peer's corpus: the peer imports it, then SecondLine the same files."""
    theirs = peer.email(corpus)
    print(
        f"peer: {theirs['processed_and_deleted']} of {theirs['messages']} imported at "
        f"{theirs['messages_per_s']:.0f}/s; outcomes {theirs['outcomes']}",
        flush=True,
    )
    # A process of its own: Django is set up once per process, on one database.
    child = [sys.executable, __file__, "--peer-corpus", str(corpus)]
    if subprocess.run(child, timeout=1800).returncode != 0:
        raise SystemExit("SecondLine's import of the peer's corpus failed (see above)")
    return theirs, json.loads((corpus / "secondline.json").read_text())


if __name__ == "__main__":
    main()
