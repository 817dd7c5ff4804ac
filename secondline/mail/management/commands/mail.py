"""`secondline mail poll|receive|import`: fetch bytes and hand them to the intake, nothing more."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

EX_DATAERR = 65  # sysexits.h: the input is not a message; trying again cannot help
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later

SUMMARY_ORDER = [
    ("ticket", "new tickets"),
    ("comment", "comments"),
    ("quarantined", "quarantined"),
    ("duplicate", "duplicates"),
    ("ignored", "ignored"),
    ("delivery_failed", "delivery failures"),
    ("received", "left pending"),
]


def summary(received: int, statuses: Counter[str]) -> str:
    parts = [f"{statuses.get(key, 0)} {label}" for key, label in SUMMARY_ORDER]
    return f"{received} received: " + ", ".join(parts)


class Command(BaseCommand):
    help = "The email channel: poll IMAP mailboxes, receive one message from an MTA, import files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="fetch new mail from the active mailboxes once")
        poll.add_argument("--mailbox", help="only this mailbox (its name)")
        receive = sub.add_parser("receive", help="read one message from standard input (MTA pipe)")
        receive.add_argument("--source", default="pipe", help="label stored with the message")
        importer = sub.add_parser("import", help="import .eml files, Maildir folders, mbox files")
        importer.add_argument("paths", nargs="+", type=Path)
        importer.add_argument(
            "--answer-unknown-senders",
            action="store_true",
            help="send unknown senders the how-to-file reply (off: archives are old mail)",
        )
        importer.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "receive":
            self.receive(options["source"])
        elif action == "poll":
            self.poll(options.get("mailbox"))
        else:
            self.import_paths(options["paths"], options)

    def receive(self, source: str) -> None:
        """Exit 0 once the message is safely stored, 75 (EX_TEMPFAIL) when it could not be,
        65 (EX_DATAERR) for empty input: no message to keep, so the MTA should not retry it."""
        try:
            from secondline.mail import intake, limits, sources

            # Past MAIL_MAX_MESSAGE_BYTES only the beginning is held; the rest is hashed.
            read = limits.read_stream(sys.stdin.buffer)
            if not read.raw:
                raise CommandError("No message on standard input.", returncode=EX_DATAERR)
            outcome = intake.ingest_message(
                read.raw, source=sources.label(source), total_size=read.size, digest=read.sha256
            )
        except CommandError:
            raise
        except Exception as exc:  # anything at all: the MTA must keep the message
            raise CommandError(
                f"The message could not be stored: {exc}", returncode=EX_TEMPFAIL
            ) from exc
        self.stdout.write(f"message #{outcome.message.pk}: {outcome.status}")

    def poll(self, name: str | None) -> None:
        from secondline.mail import imap, intake
        from secondline.mail.models import Mailbox

        intake.process_pending()
        boxes = Mailbox.objects.filter(is_active=True)
        if name:
            boxes = boxes.filter(name=name)
            if not boxes.exists():
                raise CommandError(f"No active mailbox named “{name}”.")
        failed = False
        for box_name, result in imap.poll_each(boxes):
            statuses = Counter(result.statuses)
            line = f"{box_name}: " + summary(result.fetched, statuses)
            if result.error:
                failed = True
                line += f" (error: {result.error})"
            self.stdout.write(line)
        if failed:
            raise CommandError("Some mailboxes could not be polled.")

    def import_paths(self, paths: list[Path], options: dict[str, Any]) -> None:
        from tqdm import tqdm

        from secondline.mail import batches, intake, sources

        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError("No such file or folder: " + ", ".join(missing))
        answer = bool(options["answer_unknown_senders"])
        statuses: Counter[str] = Counter()
        received = 0
        bar = tqdm(
            total=sources.count(paths),
            unit="msg",
            disable=options["no_progress"],
            file=sys.stderr,
        )
        unreadable: list[str] = []
        passed_over: list[str] = []
        messages = (
            (raw, "import:" + label[-110:])
            for path in paths
            for label, raw in sources.messages(path, unreadable, passed_over)
        )
        try:
            for outcome in batches.ingest_many(messages, answer_unknown_senders=answer):
                received += 1
                statuses[outcome.status] += 1
                bar.update(1)
        except intake.StoreFailed as exc:
            raise CommandError(
                f"Stopped: a message could not be stored ({exc}). " + summary(received, statuses)
            ) from exc
        finally:
            bar.close()
        self.stdout.write(summary(received, statuses))
        if passed_over:
            self.stdout.write(
                "Not imported: trash, spam, drafts and sent mail (give a folder's path to import "
                "it): " + ", ".join(passed_over)
            )
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} could not be read, the rest is imported:\n"
                + "\n".join(unreadable)
            )
