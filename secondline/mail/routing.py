"""Which ticket, contact or earlier message an inbound message belongs to: lookups only, no
writes. The intake (``intake.route``) decides what to do with the answers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone

from secondline.accounts.models import User
from secondline.mail import proof
from secondline.mail.automatic import Bounce
from secondline.mail.models import InboundMessage, Notification
from secondline.mail.parse import ParsedMessage
from secondline.tickets.models import Ticket

Status = InboundMessage.Status

THREAD_ID_RE = re.compile(r"^<ticket-(\d{1,12})@(.+)>$")
PLUS_TAG_RE = re.compile(r"\+(SL-\d{1,12})@", re.IGNORECASE)


@dataclass(frozen=True)
class Earlier:
    """Messages stored before this one with its Message-ID: the first with the same content
    fingerprint (this one is a re-delivery of it) and the first with other content (a
    Message-ID collision: a different message, routed as usual and flagged)."""

    same: int | None = None
    other: int | None = None


def earlier_of(message: InboundMessage, rows: Iterable[tuple[int, str]]) -> Earlier:
    """``Earlier`` from (pk, fingerprint) rows with the message's Message-ID, oldest first."""
    same = other = None
    for pk, fingerprint in rows:
        if pk >= message.pk:
            break
        if fingerprint == message.fingerprint:
            same = pk if same is None else same
        elif other is None:
            other = pk
    return Earlier(same, other)


def earlier_with_message_id(message: InboundMessage) -> Earlier:
    """The ``Earlier`` messages of ``message`` (the first few hundred with its Message-ID)."""
    rows = (
        InboundMessage.objects.filter(message_id=message.message_id, pk__lt=message.pk)
        .order_by("pk")
        .values_list("pk", "fingerprint")
    )
    return earlier_of(message, rows[:500])


def find_ticket(parsed: ParsedMessage, lookups: Lookups | None = None) -> tuple[Ticket | None, str]:
    """The ticket a reply belongs to, and how we know; (None, "") for a new conversation.

    In order of trust: the signed reply address support+123-<signature>@ ("signed", checked
    against its sender by ``proof``), our own Message-IDs in In-Reply-To/References
    (notifications and the message that opened the ticket: "thread"; the ticket's thread id,
    which anyone can write: "thread-id"), the Message-ID of any other email we received
    about the ticket, which its sender chose ("inbound-thread"), the [SL-123] tag in the
    subject, the plus address support+SL-123@. Only "thread" may act without the sender
    proof (docs/email.md, issue 16). ``lookups`` holds what the importer's batch looked up
    at once.
    """
    lookups = lookups or Lookups()
    signed = proof.signed_ticket_pk(parsed)
    if signed is not None:
        return lookups.ticket(signed), "signed"
    ids = parsed.thread_ids
    if ids:
        for mid in ids:
            pk = thread_ticket_pk(mid)
            if pk is not None:
                return lookups.ticket(pk), "thread-id"
        ticket_id = lookups.thread_ticket_id(ids)
        if ticket_id is not None:
            return lookups.ticket(ticket_id), "thread"
        ticket_id = lookups.inbound_thread_ticket_id(ids)
        if ticket_id is not None:
            return lookups.ticket(ticket_id), "inbound-thread"
    number = Ticket.pk_from_number(parsed.subject)
    if number is not None:
        return lookups.ticket(number), "subject"
    number = _plus_number(parsed)
    if number is not None:
        return lookups.ticket(number), "plus"
    return None, ""


def _plus_number(parsed: ParsedMessage) -> int | None:
    """The ticket the plus address ``support+SL-123@`` names, if it is ours."""
    for address in parsed.recipients:
        match = PLUS_TAG_RE.search(address)
        number = Ticket.pk_from_number(match.group(1)) if match else None
        if number is not None and address.endswith("@" + _support_domain()):
            return number
    return None


def named_tickets(parsed: ParsedMessage) -> list[int]:
    """Every ticket a message names itself (not through one of our Message-IDs), for
    ``Lookups`` to read at once: the ones ``find_ticket`` may ask for."""
    numbers = [proof.signed_ticket_pk(parsed), Ticket.pk_from_number(parsed.subject)]
    numbers += [thread_ticket_pk(mid) for mid in parsed.thread_ids]
    numbers.append(_plus_number(parsed))
    return [number for number in numbers if number is not None]


def thread_ticket_id(ids: list[str]) -> int | None:
    """The ticket of the newest notification we sent with one of these Message-IDs, else of
    the newest email that opened a ticket with one (the models' default order: newest
    first): the mail a reply may thread on without the sender proof (docs/email.md)."""
    return (
        Notification.objects.filter(message_id__in=ids).values_list("ticket_id", flat=True).first()
    ) or (
        _filed_with(ids)
        .filter(status=Status.TICKET)
        .values_list("result_ticket_id", flat=True)
        .first()
    )


def inbound_thread_ticket_id(ids: list[str]) -> int | None:
    """The ticket of the newest other filed message with one of these Message-IDs (a reply,
    an automatic reply, a bounce): its sender chose its Message-ID, so it names the ticket
    only as a subject tag does, and the reply needs the sender proof (docs/email.md)."""
    return (
        _filed_with(ids)
        .exclude(status=Status.TICKET)
        .values_list("result_ticket_id", flat=True)
        .first()
    )


def _filed_with(ids: list[str]) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(message_id__in=ids, result_ticket__isnull=False)


def _ticket(pk: int) -> Ticket | None:
    return Ticket.objects.filter(pk=pk).first()


def _support_domain() -> str:
    return settings.SUPPORT_EMAIL.rpartition("@")[2].lower()


def thread_ticket_pk(message_id: str) -> int | None:
    """The ticket our thread Message-ID (``<ticket-N@MAIL_DOMAIN>``) names, if it is one."""
    match = THREAD_ID_RE.match(message_id)
    if match and match.group(2).lower() == settings.MAIL_DOMAIN.lower():
        return int(match.group(1))
    return None


def bounced(bounce: Bounce) -> tuple[Notification | None, Ticket | None]:
    """The notification a delivery failure reports, and the ticket it is about: the
    notification's, else the one our thread Message-ID in the report names."""
    ids = bounce.message_ids
    notification = (
        Notification.objects.filter(message_id__in=ids).select_related("ticket").first()
        if ids
        else None
    )
    if notification is not None and notification.ticket is not None:
        return notification, notification.ticket
    pk = next((pk for pk in map(thread_ticket_pk, ids) if pk is not None), None)
    return notification, _ticket(pk) if pk is not None else None


def over_rate_limit(message: InboundMessage) -> bool:
    """More messages from this sender in the window than a person writes (a mail loop)."""
    window = dt.timedelta(seconds=settings.MAIL_SENDER_RATE_WINDOW)
    recent = (
        InboundMessage.objects.filter(
            sender=message.sender, received_at__gte=timezone.now() - window, pk__lt=message.pk
        )
        .exclude(status=Status.DUPLICATE)
        .count()
    )
    return recent >= settings.MAIL_SENDER_RATE_LIMIT


class Lookups:
    """What routing looks up for every message, done once for a whole batch by the importer:
    the senders' contacts, the earlier messages with the same Message-IDs, the tickets of
    the Message-IDs the replies answer (``thread_ids``), and the tickets the messages name
    (``tickets``, with those of the thread ids), one query each. An address, a Message-ID or
    a ticket the batch did not name or find is looked up on its own, and so is a reply to one
    of the batch's own messages, which are filed during the batch."""

    def __init__(
        self,
        senders: Iterable[str] = (),
        message_ids: Iterable[str] = (),
        thread_ids: Iterable[str] = (),
        tickets: Iterable[int] = (),
    ) -> None:
        # SQL's lower() and Python's agree on ASCII; other addresses take find_contact's way.
        wanted = {address for address in senders if address.isascii()}
        self._contacts: dict[str, User | None] = dict.fromkeys(wanted)
        if wanted:
            users = User.objects.alias(lower_email=Lower("email")).filter(
                lower_email__in=wanted, is_active=True
            )
            for user in users.select_related("organization"):
                self._contacts[user.email.lower()] = user
        self._ids = {mid for mid in message_ids if mid}
        self._with_id: dict[str, list[tuple[int, str]]] = {}
        if self._ids:
            rows = InboundMessage.objects.filter(message_id__in=self._ids).order_by("pk")
            for mid, pk, fingerprint in rows.values_list("message_id", "pk", "fingerprint"):
                self._with_id.setdefault(mid, []).append((pk, fingerprint))

        # A notification's Message-ID is random and unknown outside until it is sent, after
        # its commit, so no reply in the batch can name one written during the batch.
        self._threads = {mid for mid in thread_ids if mid} - self._ids
        self._notified: dict[str, list[Any]] = {}
        self._opened: dict[str, list[Any]] = {}  # thread_ticket_id's filed messages
        self._answered: dict[str, list[Any]] = {}  # inbound_thread_ticket_id's
        if self._threads:
            sent = Notification.objects.filter(message_id__in=self._threads)
            for mid, *row in sent.values_list("message_id", "created_at", "pk", "ticket_id"):
                self._notified[mid] = max(self._notified.get(mid, row), row)
            columns = ("message_id", "status", "received_at", "pk", "result_ticket_id")
            for mid, status, *row in _filed_with(list(self._threads)).values_list(*columns):
                kind = self._opened if status == Status.TICKET else self._answered
                kind[mid] = max(kind.get(mid, row), row)
        found = (self._notified, self._opened, self._answered)
        threads = [row[2] for rows in found for row in rows.values()]
        wanted_tickets = {pk for pk in [*tickets, *threads] if pk is not None}
        self._tickets = Ticket.objects.in_bulk(wanted_tickets) if wanted_tickets else {}

    def thread_ticket_id(self, ids: list[str]) -> int | None:
        """``thread_ticket_id(ids)``, from the batch's rows when it looked all of ids up."""
        if not ids or not set(ids) <= self._threads:
            return thread_ticket_id(ids)
        return _newest_ticket(ids, self._notified, self._opened)

    def inbound_thread_ticket_id(self, ids: list[str]) -> int | None:
        """``inbound_thread_ticket_id(ids)``, likewise."""
        if not ids or not set(ids) <= self._threads:
            return inbound_thread_ticket_id(ids)
        return _newest_ticket(ids, self._answered)

    def ticket(self, pk: int) -> Ticket | None:
        """The ticket with this id: as the batch read it, else read now (one filed during the
        batch, or one no message of the batch named)."""
        return self._tickets.get(pk) or _ticket(pk)

    def contact(self, address: str) -> User | None:
        if address not in self._contacts:
            self._contacts[address] = find_contact(address)
        return self._contacts[address]

    def earlier_with_message_id(self, message: InboundMessage) -> Earlier:
        if message.message_id not in self._ids:
            return earlier_with_message_id(message)
        return earlier_of(message, self._with_id.get(message.message_id, []))


def _newest_ticket(ids: list[str], *found: dict[str, list[Any]]) -> int | None:
    """The ticket of the newest row of ids in the first of ``found`` that has one (rows of
    ``Lookups``: when, pk, ticket; the models' default order)."""
    for rows in found:
        newest = max((rows[mid] for mid in ids if mid in rows), default=None)
        if newest and newest[2]:
            return int(newest[2])
    return None


def find_contact(address: str) -> User | None:
    """The active user with this address in any letter case (one at most: accounts.User)."""
    return contacts_with_address(address).first()


def contacts_with_address(address: str) -> QuerySet[User]:
    """The active user with this address in any case: an exact comparison of ``Lower(email)``
    (no LIKE wildcards), which the unique index on it serves."""
    return (
        User.objects.alias(lower_email=Lower("email"))
        .filter(lower_email=Lower(Value(address)), is_active=True)
        .select_related("organization")
        .order_by("pk")
    )
