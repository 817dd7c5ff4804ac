"""Fetch raw messages from the IMAP mailboxes configured in the back office.

Only fetching lives here; every message is handed to ``intake.ingest_message``. A message is
marked or moved only after the intake has committed what it became, so a crash or a lost
connection at any point means the message is fetched again and found already stored.
The server's RFC822.SIZE is asked first: of a message over ``MAIL_MAX_MESSAGE_BYTES`` only the
header is downloaded (``limits``); the message itself stays on the server, marked or moved.

- **Marked, not just \\Seen.** A settled message gets our keyword ``$SecondLineFiled`` (and
  \\Seen), and the poll asks for the messages without it: a message someone read in webmail
  is filed all the same. A server that keeps no new keywords (no ``\\*`` in PERMANENTFLAGS,
  RFC 3501 7.1) gets \\Seen only, and the poll asks for UNSEEN.
- **One message never stops the others.** A message the server will not hand over (a NO to
  the FETCH, an empty answer) or let us mark is left on the server, reported by UID, and the
  poll goes on; at the next poll it comes after the new mail (``Mailbox.failing_uids``).
  A lost connection, a lost lease or a database failure stops the poll.
- **A refused sign-in is not retried every minute**: the worker waits 2, 4, 8, 16, then 30
  minutes (``Mailbox.next_login_at``), as providers lock an account and fail2ban bans an
  address that keeps failing. A poll by hand signs in regardless; saving the mailbox or a
  successful sign-in ends the wait.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import logging
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import AND, OR, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import MailboxFetchError, MailboxLoginError
from imap_tools.message import MailMessage

from secondline.mail import intake, notify, oauth2
from secondline.mail.imap_commands import CommandFailed, capabilities_of, flag, move
from secondline.mail.lease import Lease
from secondline.mail.models import Mailbox

log = logging.getLogger(__name__)
BATCH = 500
SIZE_ITEM = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")
KEYWORD = "$SecondLineFiled"  # on every message we settled (a keyword is an atom: RFC 3501)
FIRST_WAIT = dt.timedelta(minutes=2)  # after one refused sign-in; doubled after each one more
LONGEST_WAIT = dt.timedelta(minutes=30)
# What one message can meet; anything else (a lost connection: ``IMAP4.abort``) stops the poll.
MESSAGE_ERRORS = (MailboxFetchError, CommandFailed, imaplib.IMAP4.error)


class RawMessage(MailMessage):
    """A fetched message kept as the server's exact bytes (imap-tools would re-parse it)."""

    def __init__(self, fetch_data: list) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data
        self.raw: bytes = raw


class LoginRefused(Exception):
    """The server refused the sign-in (a wrong password, a revoked token), as opposed to a
    network failure: the worker waits before it tries again."""


@dataclass
class PollResult:
    fetched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    # What stopped the poll, then each message left on the server this time, by UID.
    error: str = ""
    failed: dict[str, str] = field(default_factory=dict)  # UID: why it was left
    signed_in: bool = False


def connect(mailbox: Mailbox, timeout: float = 30) -> BaseMailBox:
    """A connection signed in to the mailbox's folder; ``LoginRefused`` if the server
    refused the credentials."""
    token = oauth2.access_token(mailbox) if mailbox.auth == Mailbox.Auth.OAUTH2 else ""
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
    try:
        _sign_in(box, mailbox, token)
        box.folder.set(mailbox.folder or "INBOX")
    except BaseException:
        with contextlib.suppress(OSError):
            box.client.shutdown()
        raise
    return box


def _sign_in(box: BaseMailBox, mailbox: Mailbox, token: str) -> None:
    try:
        if token:
            box.xoauth2(mailbox.username, token, initial_folder=None)
        else:
            box.login(mailbox.username, mailbox.password, initial_folder=None)
    except imaplib.IMAP4.abort:
        raise  # the connection broke: nothing was refused
    except (MailboxLoginError, imaplib.IMAP4.error) as exc:  # XOAUTH2's NO is IMAP4.error
        if "[UNAVAILABLE]" in str(exc).upper():
            raise  # RFC 5530: a subsystem of the server is down, not the credentials
        raise LoginRefused(str(exc)) from exc


def poll(mailbox: Mailbox, limit: int = BATCH, *, by_hand: bool = False) -> PollResult:
    """Fetch up to ``limit`` new messages from one mailbox and hand each to the intake.

    After a refused sign-in the poll waits until ``next_login_at``, unless ``by_hand`` (an
    operator testing a fix: ``secondline mail poll``)."""
    result = PollResult()
    started = timezone.now()
    if not mailbox.is_active:
        result.error = _("This mailbox is inactive: it is not polled.")
        return result
    if not by_hand and mailbox.is_waiting_to_sign_in(started):
        result.error = _waiting(mailbox)
        return result
    lease = Lease(mailbox.pk)
    if not lease.take():
        # Made inactive since it was read, or another poller holds it.
        still_active = Mailbox.objects.filter(pk=mailbox.pk, is_active=True).exists()
        result.error = (
            "another poller is working on this mailbox"
            if still_active
            else _("This mailbox is inactive: it is not polled.")
        )
        return result
    stopped = ""
    changes: dict[str, Any] = {}
    try:
        with notify.held_publishes():  # the poll's notifications go to the worker together
            _poll(mailbox, limit, result, lease)
    except LoginRefused as exc:
        changes.update(_refused(mailbox, started))
        stopped = f"{exc} {_waiting(mailbox)}"
        log.warning("mailbox %s: sign-in refused: %s", mailbox.name, exc)
    except Exception as exc:  # a network failure; the next poll tries again
        log.warning("polling mailbox %s failed: %s", mailbox.name, exc)
        stopped = f"{type(exc).__name__}: {exc}"
    finally:
        lease.release()
        left = [f"UID {uid}: {why}" for uid, why in result.failed.items()]
        result.error = "; ".join(filter(None, [stopped, *left]))[:2000]
        if result.signed_in:
            changes.update(login_failures=0, next_login_at=None)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error=result.error, **changes
        )
    return result


def _refused(mailbox: Mailbox, started: dt.datetime) -> dict[str, Any]:
    """The wait after one more refused sign-in: doubled each time, at most ``LONGEST_WAIT``."""
    failures = min(mailbox.login_failures + 1, 1000)
    wait = min(FIRST_WAIT * 2 ** min(failures - 1, 10), LONGEST_WAIT)
    mailbox.login_failures, mailbox.next_login_at = failures, started + wait
    return {"login_failures": failures, "next_login_at": started + wait}


def _waiting(mailbox: Mailbox) -> str:
    when = timezone.localtime(mailbox.next_login_at).strftime("%Y-%m-%d %H:%M")
    return _("Sign-in refused by the server (%(count)s in a row); next attempt at %(time)s.") % {
        "count": mailbox.login_failures,
        "time": when,
    }


def _poll(mailbox: Mailbox, limit: int, result: PollResult, lease: Lease) -> None:
    source = f"imap:{mailbox.name}"
    # Moved when there is a folder to move to; a move without one would leave the message
    # in the search for ever, so it is marked instead.
    folder = (
        mailbox.processed_folder if mailbox.processed_action == Mailbox.ProcessedAction.MOVE else ""
    )
    with connect(mailbox) as box:
        result.signed_in = True
        # Never what is flagged \Deleted: a message a server without UIDPLUS could not expunge
        # stays flagged in the folder (``move``), and it was handled already.
        if folder:
            criteria, marks = AND(deleted=False), ""
            if not box.folder.exists(folder):
                box.folder.create(folder)
        elif keywords_allowed(box):
            # Mail read before the mailbox was set up here was never ours to file (the earlier
            # poller asked for UNSEEN only): without SINCE, an inbox's history became tickets.
            since = (timezone.localtime(mailbox.created_at) - dt.timedelta(days=1)).date()
            ours = OR(seen=False, date_gte=since)
            criteria, marks = AND(ours, no_keyword=KEYWORD, deleted=False), f"\\Seen {KEYWORD}"
        else:
            criteria, marks = AND(seen=False, deleted=False), "\\Seen"
        waiting = list(box.uids(criteria))
        before = set(mailbox.failing_uids)
        uids = in_turn(waiting, before)[:limit]
        sizes = sizes_of(box, uids)
        capabilities = capabilities_of(box)
        tried: set[str] = set()
        try:
            for uid in uids:
                lease.keep()
                tried.add(uid)
                try:
                    if not _take(box, uid, sizes.get(uid, 0), mailbox, source, result):
                        continue  # not settled: left for the next poll
                    if folder:
                        move(box, uid, folder, capabilities)
                    else:
                        flag(box, uid, marks)
                except imaplib.IMAP4.abort:
                    raise
                except MESSAGE_ERRORS as exc:
                    result.failed[uid] = f"{type(exc).__name__}: {exc}"[:500]
                    log.warning("mailbox %s: UID %s left on the server: %s", mailbox.name, uid, exc)
        finally:
            failing = [u for u in waiting if u in result.failed or (u in before and u not in tried)]
            if failing != mailbox.failing_uids:
                Mailbox.objects.filter(pk=mailbox.pk).update(failing_uids=failing)
                mailbox.failing_uids = failing


def _take(
    box: BaseMailBox, uid: str, size: int, mailbox: Mailbox, source: str, result: PollResult
) -> bool:
    """Fetch one message and hand it to the intake: whether it is settled (stored and
    decided), so that the server may forget it."""
    big = size > settings.MAIL_MAX_MESSAGE_BYTES
    messages = list(box.fetch(uid_list=[uid], mark_seen=False, headers_only=big))
    raw = getattr(messages[0], "raw", b"") if messages else b""
    if not raw:
        # An empty answer (``BODY[] {0}``) or none at all: nothing was read, nothing settled.
        result.failed[uid] = _("the server sent no content; the message stays on the server")
        log.warning("mailbox %s: UID %s: no content in the answer", mailbox.name, uid)
        return False
    result.fetched += 1
    outcome = intake.ingest_message(raw, source, mailbox=mailbox, total_size=size if big else None)
    result.statuses[outcome.status] = result.statuses.get(outcome.status, 0) + 1
    return outcome.is_safe


def keywords_allowed(box: BaseMailBox) -> bool:
    """Whether the server keeps keywords we make up: ``\\*`` in the PERMANENTFLAGS its SELECT
    answered (RFC 3501, 7.1; imaplib keeps response codes among the untagged responses)."""
    lines = box.client.untagged_responses.get("PERMANENTFLAGS", [])
    return any(isinstance(line, bytes) and b"\\*" in line for line in lines)


def in_turn(uids: list[str], failing: set[str]) -> list[str]:
    """The new mail first, then what failed at the last poll: a message the server keeps
    refusing never takes the place of later mail in the batch."""
    return [uid for uid in uids if uid not in failing] + [uid for uid in uids if uid in failing]


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
    """The worker's poll of every active mailbox: it waits after a refused sign-in."""
    return dict(poll_each(Mailbox.objects.filter(is_active=True), by_hand=False))


def poll_each(
    boxes: QuerySet[Mailbox], *, by_hand: bool = True
) -> Iterator[tuple[str, PollResult]]:
    """(name, result) of each mailbox in turn. A mailbox is read only when its turn comes: one
    whose secrets no configured key opens fails alone, with the reason, and the others are
    polled. By hand (``secondline mail poll``) unless the worker says otherwise."""
    for pk, name in boxes.order_by("pk").values_list("pk", "name"):
        try:
            mailbox = Mailbox.objects.get(pk=pk)  # decrypts its secrets
        except ImproperlyConfigured as exc:
            result = PollResult(error=str(exc)[:2000])
            Mailbox.objects.filter(pk=pk).update(last_error=result.error)
            yield name, result
            continue
        yield name, poll(mailbox, by_hand=by_hand)
