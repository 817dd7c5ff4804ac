"""Fetch raw messages from the IMAP mailboxes configured in the back office.

Only fetching lives here; every message is handed to ``intake.ingest_message``. A message is
flagged \\Seen or moved only after the intake has committed what it became, so a crash or a
lost connection at any point means the message is fetched again and found already stored.
The server's RFC822.SIZE is asked first: of a message over ``MAIL_MAX_MESSAGE_BYTES`` only the
header is downloaded (``limits``); the message itself stays on the server, flagged or moved.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.message import MailMessage

from secondline.mail import intake, notify, oauth2
from secondline.mail.imap_commands import capabilities_of, flag, move
from secondline.mail.lease import Lease
from secondline.mail.models import Mailbox

log = logging.getLogger(__name__)
BATCH = 500
SIZE_ITEM = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


class RawMessage(MailMessage):
    """A fetched message kept as the server's exact bytes (imap-tools would re-parse it)."""

    def __init__(self, fetch_data: list) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data
        self.raw: bytes = raw


@dataclass
class PollResult:
    fetched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    error: str = ""


def connect(mailbox: Mailbox, timeout: float = 30) -> BaseMailBox:
    if mailbox.security == Mailbox.Security.TLS:
        box: BaseMailBox = MailBox(
            mailbox.host, mailbox.port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    elif mailbox.security == Mailbox.Security.STARTTLS:
        box = MailBoxStartTls(
            mailbox.host, mailbox.port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    else:
        box = MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=timeout)
    box.email_message_class = RawMessage
    folder = mailbox.folder or "INBOX"
    if mailbox.auth == Mailbox.Auth.OAUTH2:
        return box.xoauth2(mailbox.username, oauth2.access_token(mailbox), initial_folder=folder)
    return box.login(mailbox.username, mailbox.password, initial_folder=folder)


def poll(mailbox: Mailbox, limit: int = BATCH) -> PollResult:
    """Fetch up to ``limit`` new messages from one mailbox and hand each to the intake."""
    result = PollResult()
    lease = Lease(mailbox.pk)
    if not lease.take():
        result.error = "another poller is working on this mailbox"
        return result
    try:
        with notify.held_publishes():  # the poll's notifications go to the worker together
            _poll(mailbox, limit, result, lease)
    except Exception as exc:  # a network or login failure; the next poll tries again
        log.warning("polling mailbox %s failed: %s", mailbox.name, exc)
        result.error = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        lease.release()
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error=result.error
        )
    return result


def _poll(mailbox: Mailbox, limit: int, result: PollResult, lease: Lease) -> None:
    source = f"imap:{mailbox.name}"
    moving = mailbox.processed_action == Mailbox.ProcessedAction.MOVE
    with connect(mailbox) as box:
        if moving and mailbox.processed_folder and not box.folder.exists(mailbox.processed_folder):
            box.folder.create(mailbox.processed_folder)
        # Never what is flagged \Deleted: a message a server without UIDPLUS could not expunge
        # stays flagged in the folder (``move``), and it was handled already.
        criteria = AND(deleted=False) if moving else AND(seen=False, deleted=False)
        uids = list(box.uids(criteria))[:limit]
        sizes = sizes_of(box, uids)
        capabilities = capabilities_of(box)
        for uid in uids:
            lease.keep()
            size = sizes.get(uid, 0)
            big = size > settings.MAIL_MAX_MESSAGE_BYTES
            for message in box.fetch(uid_list=[uid], mark_seen=False, headers_only=big):
                raw = getattr(message, "raw", b"")
                result.fetched += 1
                outcome = intake.ingest_message(
                    raw, source, mailbox=mailbox, total_size=size if big else None
                )
                result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
                if not outcome.is_safe or not message.uid:
                    continue  # stored but not settled: leave it for the next poll
                if moving and mailbox.processed_folder:
                    move(box, message.uid, mailbox.processed_folder, capabilities)
                else:
                    flag(box, message.uid, "\\Seen")


def sizes_of(box: BaseMailBox, uids: list[str]) -> dict[str, int]:
    """The server's RFC822.SIZE of each message, in one command (before any is downloaded)."""
    if not uids:
        return {}
    status, lines = box.client.uid("fetch", ",".join(uids), "(UID RFC822.SIZE)")
    sizes: dict[str, int] = {}
    for line in lines if status == "OK" else []:
        found = SIZE_ITEM.search(line if isinstance(line, bytes) else b"")
        if found:
            uid, size = (found[1], found[2]) if found[1] else (found[4], found[3])
            sizes[uid.decode()] = int(size)
    return sizes


def poll_all() -> dict[str, PollResult]:
    return dict(poll_each(Mailbox.objects.filter(is_active=True)))


def poll_each(boxes: QuerySet[Mailbox]) -> Iterator[tuple[str, PollResult]]:
    """(name, result) of each mailbox in turn. A mailbox is read only when its turn comes: one
    whose secrets no configured key opens fails alone, with the reason, and the others are
    polled."""
    for pk, name in boxes.order_by("pk").values_list("pk", "name"):
        try:
            mailbox = Mailbox.objects.get(pk=pk)  # decrypts its secrets
        except ImproperlyConfigured as exc:
            result = PollResult(error=str(exc)[:2000])
            Mailbox.objects.filter(pk=pk).update(last_error=result.error)
            yield name, result
            continue
        yield name, poll(mailbox)
