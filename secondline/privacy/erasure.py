"""Erase a contact's personal data (152-FZ; docs/security.md, Personal data).

The contact's name, email address, phone and username (where it clearly names them,
``username_traces``) are replaced by ``[erased]`` wherever they are written in the tickets of
the organisations they belonged to, any other ticket they filed or wrote on, and any ticket
that holds their address or phone: the tickets' text, the comments, the history's old and new
values, the phone calls, the notifications and the raw emails (those still waiting in the
quarantine too, when they hold the address or phone); the emails they sent are removed
entirely. Their user row becomes a pseudonym that cannot sign in. The search documents of the
tickets touched are rebuilt in the same transaction. An ``Erasure`` row and one internal event
on each ticket touched keep that it happened, without the data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from secondline.accounts.models import User
from secondline.accounts.tokens import revoke_all_tokens
from secondline.mail.models import InboundMessage, Notification, SenderReply
from secondline.privacy import encoded
from secondline.privacy.models import Erasure
from secondline.releases.models import PhoneCall
from secondline.search import documents
from secondline.tickets.choices import Channel
from secondline.tickets.models import Comment, Ticket, TicketEvent

REDACTED = "[erased]"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real address
TICKET_TEXT = [
    "subject",
    "description",
    "impact",
    "steps_to_reproduce",
    "preferred_windows",
    "decline_note",
    "affected_module",
]
# The same meaning in Python's ``re`` and PostgreSQL's regular expressions (``tickets_naming``
# searches the database with the phone's pattern): ``\s`` is allowed inside brackets in both.
PHONE_SEPARATORS = r"[\s().-]*"
# A username stands alone: not inside a longer name, address or word (``username_traces``).
TOKEN_START = r"(?<![\w.+@-])"
TOKEN_END = r"(?![\w-]|\.\w)"
ADDRESS_DOMAIN = r"(?:@[\w-]+(?:\.[\w-]+)+)?"


def pseudonym(user: User) -> tuple[str, str]:
    """The username and address an erased user is left with."""
    return f"erased-{user.pk}", f"erased-{user.pk}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == pseudonym(user)[1]


def traces_of(user: User) -> list[str]:
    """Regular expressions for what names the contact in free text: the address, the full name
    both ways round, the username where it clearly names them, and the phone's last ten digits
    however they are spaced."""
    traces = [re.escape(user.email)] if user.email else []
    first, last = user.first_name.strip(), user.last_name.strip()
    if first and last:
        traces += [rf"\b{re.escape(first)}\s+{re.escape(last)}\b"]
        traces += [rf"\b{re.escape(last)}\s+{re.escape(first)}\b"]
    traces += username_traces(user.username, user.email)
    if phone := phone_trace(user.phone):
        traces.append(phone)
    return traces


def username_traces(username: str, email: str) -> list[str]:
    """The username (4 characters or more) only where it cannot be an ordinary word, so that
    the username ``member`` never erases "Each team member sees": after ``@`` as a mention
    (``@member``), and, when it mixes letters with digits or ``. _ -`` (``m.orlova``,
    ``orlova2``: no word or name is written so), as a whole token, with the rest of an address
    when it is one's local part (``m.orlova@mail.example``)."""
    if len(username) < 4 or username.lower() == email.lower():
        return []
    name = re.escape(username)
    traces = [rf"{TOKEN_START}@{name}{TOKEN_END}"]
    if any(char.isalpha() for char in username) and not username.isalpha():
        traces.append(rf"{TOKEN_START}{name}{ADDRESS_DOMAIN}{TOKEN_END}")
    return traces


def phone_trace(phone: str) -> str | None:
    """The phone's last ten digits, however spaced; None for too short a number."""
    digits = re.sub(r"\D", "", phone)
    return PHONE_SEPARATORS.join(digits[-10:]) if len(digits) >= 7 else None


def specific_traces(user: User) -> list[str]:
    """What names the contact wherever it is written, not only where they may be named: their
    address and phone (a name or a username may be someone else's)."""
    traces = [re.escape(user.email)] if user.email else []
    if phone := phone_trace(user.phone):
        traces.append(phone)
    return traces


def erase_contact(
    contact: User, *, by: User | None, reason: str, channel: str = Channel.SYSTEM
) -> Erasure:
    """Erase ``contact``'s personal data and record it (who, when, why, how many rows).

    Only a customer's contact: the contractor's staff are deactivated instead. The reason is
    required and kept. Everything happens in one transaction.
    """
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the personal data is erased.")]})
    if contact.is_contractor or contact.is_staff or contact.is_superuser:
        raise ValidationError(
            {"contact": [_("Only a customer's contact can be erased; deactivate staff instead.")]}
        )
    if is_erased(contact):
        raise ValidationError({"contact": [_("This contact has already been erased.")]})
    with transaction.atomic():
        erasure = Erasure.objects.create(contact=contact, erased_by=by, reason=reason.strip())
        pattern = _compiled(traces_of(contact))
        scope = tickets_naming(contact)
        counts: Counter[str] = Counter()
        touched = _erase_from_tickets(scope, pattern, counts)
        touched |= _erase_from_calls(scope, pattern, counts)
        specific = _compiled(traces) if (traces := specific_traces(contact)) else None
        _erase_from_mail(contact, scope, pattern, specific, counts)
        _erase_from_outgoing_mail(contact, scope, pattern, counts)
        _erase_from_accounts(contact, counts)
        touched |= set(scope.filter(requester=contact).values_list("pk", flat=True))
        # QuerySet.update() sends no signal: the search would still find them by the old text.
        documents.refresh(sorted(touched))
        _record_on_tickets(touched, erasure, by, channel)
        counts["tickets"] = len(touched)
        Erasure.objects.filter(pk=erasure.pk).update(counts=dict(counts))
        erasure.refresh_from_db()
    return erasure


def _compiled(traces: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(traces) or "(?!)", re.IGNORECASE)


def tickets_naming(contact: User) -> QuerySet[Ticket]:
    """Where the contact may be named: any ticket they filed or wrote on, every ticket of the
    organisations they belonged to (the current one, and those of the tickets they filed or
    wrote on: a user row keeps no history of moves), and any ticket whose text, comments,
    history or phone calls hold their address or phone (``specific_traces``)."""
    wrote = Ticket.objects.filter(Q(requester=contact) | Q(comments__author=contact))
    organizations = {contact.organization_id, *wrote.values_list("organization_id", flat=True)}
    found = _holding(contact, TICKET_TEXT)
    for model, fields in (
        (Comment, ["body"]),
        (TicketEvent, ["old_value", "new_value", "reason"]),
        (PhoneCall, ["caller_phone", "summary"]),
    ):
        found |= Q(pk__in=model.objects.filter(_holding(contact, fields)).values("ticket_id"))
    # Listed now: once their text is erased, the address and phone no longer find them.
    holding = list(Ticket.objects.filter(found).values_list("pk", flat=True))
    return Ticket.objects.filter(
        Q(pk__in=wrote.values("pk"))
        | Q(organization_id__in=organizations - {None})
        | Q(pk__in=holding)
    )


def _holding(contact: User, fields: Iterable[str]) -> Q:
    """Rows whose ``fields`` hold the contact's address or phone, found by the database."""
    lookups = [("icontains", contact.email)] if contact.email else []
    if phone := phone_trace(contact.phone):
        lookups.append(("regex", phone))
    found = Q(pk__in=[])
    for name in fields:
        for lookup, value in lookups:
            found |= Q(**{f"{name}__{lookup}": value})
    return found


def _scrubbed(row: Any, fields: list[str], pattern: re.Pattern[str]) -> dict[str, str]:
    changes = {}
    for name in fields:
        value = getattr(row, name)
        new = pattern.sub(REDACTED, value) if value else value
        if new != value:
            changes[name] = new
    return changes


def _erase_from_tickets(
    scope: QuerySet[Ticket], pattern: re.Pattern[str], counts: Counter[str]
) -> set[int]:
    """Rewrite the tickets' text, their comments and their history; the tickets touched."""
    touched: set[int] = set()
    for ticket in scope.only("pk", *TICKET_TEXT).iterator(chunk_size=200):
        changes = _scrubbed(ticket, TICKET_TEXT, pattern)
        if changes:
            Ticket.objects.filter(pk=ticket.pk).update(**changes)
            touched.add(ticket.pk)
    comments = Comment.objects.filter(ticket__in=scope).only("pk", "ticket_id", "body", "body_html")
    for comment in comments.iterator(chunk_size=200):
        changes = _scrubbed(comment, ["body", "body_html"], pattern)
        if changes:
            # The append-only record's second documented update (the first is
            # tickets/corrections.py): save() refuses, the Erasure row records it.
            Comment.objects.filter(pk=comment.pk).update(**changes)
            counts["comments"] += 1
            touched.add(comment.ticket_id)
    history = ["old_value", "new_value", "reason"]
    events = TicketEvent.objects.filter(ticket__in=scope).only(
        "pk", "ticket_id", "reason_params", *history
    )
    for event in events.iterator(chunk_size=200):
        scrubbed: dict[str, object] = {**_scrubbed(event, history, pattern)}
        params = {
            name: pattern.sub(REDACTED, value) if isinstance(value, str) else value
            for name, value in event.reason_params.items()
        }
        if params != event.reason_params:
            scrubbed["reason_params"] = params  # the figures a system reason names
        if scrubbed:
            TicketEvent.objects.filter(pk=event.pk).update(**scrubbed)
            counts["events"] += 1
            touched.add(event.ticket_id)
    return touched


def _erase_from_calls(
    scope: QuerySet[Ticket], pattern: re.Pattern[str], counts: Counter[str]
) -> set[int]:
    """The phone calls recorded on the tickets: who called, from which number, and what about;
    the tickets touched."""
    touched: set[int] = set()
    fields = ["caller_name", "caller_phone", "summary"]
    calls = PhoneCall.objects.filter(ticket__in=scope).only("pk", "ticket_id", *fields)
    for call in calls.iterator(chunk_size=200):
        if changes := _scrubbed(call, fields, pattern):
            PhoneCall.objects.filter(pk=call.pk).update(**changes)
            counts["phone_calls"] += 1
            touched.add(call.ticket_id)
    return touched


MESSAGE_TEXT = ["subject", "error", "discard_reason"]
NOTE_TEXT = ["subject", "last_error"]
REPLY_TEXT = ["subject", "reason", "reason_ru"]


def _erase_from_mail(
    contact: User,
    scope: QuerySet[Ticket],
    pattern: re.Pattern[str],
    specific: re.Pattern[str] | None,
    counts: Counter[str],
) -> None:
    """The contact's own emails lose their raw bytes; others on the tickets in scope, and
    those not filed (the quarantine's) that hold their address or phone, get a redacted copy:
    in the plain bytes, and in encoded headers and text parts (``encoded``). What the intake
    wrote about them loses the same traces."""
    raw_pattern = re.compile(pattern.pattern.encode(), re.IGNORECASE)
    theirs_or_on = _addressed("sender", contact) | Q(result_ticket__in=scope)
    fields = ["pk", "sender", "raw", *MESSAGE_TEXT]
    for message in (
        InboundMessage.objects.filter(theirs_or_on).only(*fields).iterator(chunk_size=50)
    ):
        _erase_from_message(message, contact, pattern, raw_pattern, counts)
    if specific is None:
        return
    waiting = InboundMessage.objects.filter(status__in=InboundMessage.NOT_FILED)
    for message in waiting.exclude(theirs_or_on).only(*fields).iterator(chunk_size=50):
        if _names(message, specific):
            _erase_from_message(message, contact, pattern, raw_pattern, counts)


def _erase_from_outgoing_mail(
    contact: User, scope: QuerySet[Ticket], pattern: re.Pattern[str], counts: Counter[str]
) -> None:
    """The notifications to them or about the tickets in scope, and the replies to unknown
    senders sent to them or naming them: the address becomes the pseudonym's, the subjects,
    errors and reasons lose the traces."""
    address = pseudonym(contact)[1]
    notifications = Notification.objects.filter(
        Q(recipient=contact) | _addressed("to_email", contact) | Q(ticket__in=scope)
    )
    notifications = notifications.only("pk", "recipient_id", "to_email", *NOTE_TEXT)
    for notification in notifications.iterator(chunk_size=200):
        changes = _scrubbed(notification, NOTE_TEXT, pattern)
        if notification.recipient_id == contact.pk or _same(notification.to_email, contact):
            changes["to_email"] = address
        if changes:
            Notification.objects.filter(pk=notification.pk).update(**changes)
            counts["notifications"] += 1
    replies = SenderReply.objects.filter(
        _addressed("email", contact) | _holding(contact, REPLY_TEXT)
    )
    for reply in replies.only("pk", "email", *REPLY_TEXT).iterator(chunk_size=200):
        changes = _scrubbed(reply, REPLY_TEXT, pattern)
        if _same(reply.email, contact):
            changes["email"] = address
        if changes:
            SenderReply.objects.filter(pk=reply.pk).update(**changes)
            counts["sender_replies"] += 1


def _addressed(field: str, contact: User) -> Q:
    """Rows whose ``field`` is the contact's address in any case (none without an address)."""
    return Q(**{f"{field}__iexact": contact.email}) if contact.email else Q(pk__in=[])


def _same(address: str, contact: User) -> bool:
    return bool(contact.email) and address.lower() == contact.email.lower()


def _names(message: InboundMessage, specific: re.Pattern[str]) -> bool:
    """Whether someone else's email holds the contact's address or phone: in its plain bytes,
    its decoded headers and text parts, or what the intake wrote about it."""
    raw = bytes(message.raw)
    specific_raw = re.compile(specific.pattern.encode(), re.IGNORECASE)
    return bool(
        specific_raw.search(raw)
        or encoded.redact(raw, specific, REDACTED) != raw
        or any(specific.search(getattr(message, name)) for name in MESSAGE_TEXT)
    )


def _erase_from_message(
    message: InboundMessage,
    contact: User,
    pattern: re.Pattern[str],
    raw_pattern: re.Pattern[bytes],
    counts: Counter[str],
) -> None:
    raw = bytes(message.raw)
    if _same(message.sender, contact):
        changes: dict[str, Any] = {"raw": b"", "sender": pseudonym(contact)[1]}
        counts["raw_emails_removed"] += 1
    else:
        redacted = encoded.redact(raw_pattern.sub(REDACTED.encode(), raw), pattern, REDACTED)
        changes = {"raw": redacted} if redacted != raw else {}
        counts["raw_emails_redacted"] += 1 if changes else 0
    changes.update(_scrubbed(message, MESSAGE_TEXT, pattern))
    if changes:
        InboundMessage.objects.filter(pk=message.pk).update(**changes)


def _erase_from_accounts(contact: User, counts: Counter[str]) -> None:
    """The user row becomes a pseudonym that cannot sign in; its sign-in records, tokens and
    authenticators go; the back office's history names the pseudonym."""
    username, address = pseudonym(contact)
    # A record keeps what was typed: `M.Orlova@Volga.example` names her as well.
    names = Q(username__iexact=contact.username) | _addressed("username", contact)
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        counts["sign_in_records"] += model.objects.filter(names).delete()[0]
    counts["admin_history"] += LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(contact.pk)
    ).update(object_repr=username)
    counts["api_tokens"] += revoke_all_tokens(contact)
    for device in (TOTPDevice, StaticDevice):
        device.objects.filter(user=contact).delete()
    contact.username, contact.email = username, address
    contact.first_name = contact.last_name = contact.phone = ""
    contact.is_active = False
    contact.set_unusable_password()
    contact.save()


def _record_on_tickets(tickets: set[int], erasure: Erasure, by: User | None, channel: str) -> None:
    """One internal event on each ticket touched: the history says an erasure happened here."""
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket_id=pk,
            actor=by,
            kind=TicketEvent.Kind.OTHER,
            channel=channel,
            field="personal_data",
            reason=gettext_noop("Personal data of a contact erased (erasure #%(id)s)."),
            reason_params={"id": erasure.pk},
            is_public=False,
        )
        for pk in sorted(tickets)
    )
