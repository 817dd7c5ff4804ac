"""Email import speed: 5,000 generated messages into a fresh SQLite database.

Plain and HTML mail, attachments, replies to existing tickets, Russian text in koi8-r and
cp1251, and unknown senders, all through ``ingest_many`` (``ingest_message`` for each message,
parsed ahead in a parse process, notifications handed to the worker in batches) exactly as
``secondline mail import`` does. Ends with one line: ``messages=5000 messages_per_s=... lost=0``.

    .venv/bin/python bench/mail_bench.py [--messages N] [--jobs N]

``--jobs`` is passed on as ``mail import --jobs`` would (1: parse in the importer); without it,
the default of ``mail import``.

No peer is measured in the same run: django-helpdesk's importer needs its own project and an
IMAP/POP server, and is not installed here (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_TICKETS = 50
CONTACTS = 20


def configure(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SECONDLINE_VAR_DIR"] = str(workdir)
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    # Notifications are queued, not sent: the bench measures the intake, not the SMTP server.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def seed() -> list[str]:
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
    emails = []
    for n in range(CONTACTS):
        role = User.Role.CUSTOMER_RESPONSIBLE if n == 0 else User.Role.CUSTOMER_MEMBER
        user = User.objects.create(
            username=f"contact{n}",
            email=f"contact{n}@volga.example",
            organization=customer,
            role=role,
        )
        emails.append(user.email)
    return emails


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secondline-mail-bench-") as tmp:
        configure(Path(tmp))
        contacts = seed()
        rng = random.Random(2026)
        batch = [message(n, contacts, rng) for n in range(args.messages)]

        from collections import Counter

        from secondline.mail.models import InboundMessage
        from secondline.mail.parse import parse
        from secondline.mail.services import ingest_many

        started = time.perf_counter()
        for raw in batch:
            parse(raw)
        parse_rate = len(batch) / (time.perf_counter() - started)

        statuses: Counter[str] = Counter()
        started = time.perf_counter()
        # What `secondline mail import` runs: ingest_message per message, parsed ahead in a
        # parse process, notifications handed to the worker in batches.
        for outcome in ingest_many(((raw, "import:bench") for raw in batch), jobs=args.jobs):
            statuses[outcome.status] += 1
        elapsed = time.perf_counter() - started
        settled = InboundMessage.objects.filter(status__in=InboundMessage.FINAL).count()
        lost = args.messages - settled
        print("statuses:", dict(sorted(statuses.items())))
        print(f"elapsed_s={elapsed:.2f} parse_only_messages_per_s={parse_rate:.0f}")
        print(f"messages={args.messages} messages_per_s={args.messages / elapsed:.0f} lost={lost}")


if __name__ == "__main__":
    main()
