"""Erase a contact's personal data (152-FZ; docs/security.md, Personal data).

The contact's name, email address, phone and username are replaced by ``[erased]`` wherever
they are written in the tickets of their organisation (and any other ticket they filed or
wrote on): the tickets' text, the comments, the history's old and new values, the raw emails;
the emails they sent are removed entirely. Their user row becomes a pseudonym that cannot sign
in. An ``Erasure`` row and one internal event on each ticket touched keep that it happened,
without the data.
"""

from __future__ import annotations

import re
from collections import Counter
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
PHONE_SEPARATORS = r"[\s\-().]*"


def pseudonym(user: User) -> tuple[str, str]:
    """The username and address an erased user is left with."""
    return f"erased-{user.pk}", f"erased-{user.pk}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == pseudonym(user)[1]


def traces_of(user: User) -> list[str]:
    """Regular expressions for what names the contact in free text: the address, the full name
    both ways round, the username, and the phone's last ten digits however they are spaced."""
    traces = [re.escape(user.email)] if user.email else []
    first, last = user.first_name.strip(), user.last_name.strip()
    if first and last:
        traces += [rf"\b{re.escape(first)}\s+{re.escape(last)}\b"]
        traces += [rf"\b{re.escape(last)}\s+{re.escape(first)}\b"]
    if len(user.username) >= 4 and user.username.lower() != user.email.lower():
        traces.append(rf"\b{re.escape(user.username)}\b")
    digits = re.sub(r"\D", "", user.phone)
    if len(digits) >= 7:
        traces.append(PHONE_SEPARATORS.join(digits[-10:]))
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
        pattern = re.compile("|".join(traces_of(contact)) or "(?!)", re.IGNORECASE)
        raw_pattern = re.compile(pattern.pattern.encode(), re.IGNORECASE)
        scope = tickets_naming(contact)
        counts: Counter[str] = Counter()
        touched = _erase_from_tickets(scope, pattern, counts)
        _erase_from_mail(contact, scope, pattern, raw_pattern, counts)
        _erase_from_accounts(contact, counts)
        touched |= set(scope.filter(requester=contact).values_list("pk", flat=True))
        _record_on_tickets(touched, erasure, by, channel)
        counts["tickets"] = len(touched)
        Erasure.objects.filter(pk=erasure.pk).update(counts=dict(counts))
        erasure.refresh_from_db()
    return erasure


def tickets_naming(contact: User) -> QuerySet[Ticket]:
    """Where the contact may be named: their organisation's tickets and any they wrote on."""
    wrote = Q(requester=contact) | Q(comments__author=contact)
    if contact.organization_id is not None:
        wrote |= Q(organization_id=contact.organization_id)
    return Ticket.objects.filter(pk__in=Ticket.objects.filter(wrote).values("pk"))


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


def _erase_from_mail(
    contact: User,
    scope: QuerySet[Ticket],
    pattern: re.Pattern[str],
    raw_pattern: re.Pattern[bytes],
    counts: Counter[str],
) -> None:
    """The contact's own emails lose their raw bytes; others that name them get a redacted
    copy: in the plain bytes, and in encoded headers and text parts (``encoded``)."""
    address = pseudonym(contact)[1]
    messages = InboundMessage.objects.filter(
        Q(sender__iexact=contact.email) | Q(result_ticket__in=scope)
    ).only("pk", "sender", "subject", "raw")
    for message in messages.iterator(chunk_size=50):
        raw = bytes(message.raw)
        if message.sender.lower() == contact.email.lower():
            changes: dict[str, Any] = {"raw": b"", "sender": address}
            counts["raw_emails_removed"] += 1
        else:
            redacted = encoded.redact(raw_pattern.sub(REDACTED.encode(), raw), pattern, REDACTED)
            changes = {"raw": redacted} if redacted != raw else {}
            counts["raw_emails_redacted"] += 1 if changes else 0
        changes.update(_scrubbed(message, ["subject"], pattern))
        if changes:
            InboundMessage.objects.filter(pk=message.pk).update(**changes)
    counts["notifications"] += Notification.objects.filter(
        Q(recipient=contact) | Q(to_email__iexact=contact.email)
    ).update(to_email=address)
    counts["sender_replies"] += SenderReply.objects.filter(email__iexact=contact.email).update(
        email=address
    )


def _erase_from_accounts(contact: User, counts: Counter[str]) -> None:
    """The user row becomes a pseudonym that cannot sign in; its sign-in records, tokens and
    authenticators go; the back office's history names the pseudonym."""
    username, address = pseudonym(contact)
    names = [contact.username, contact.email]
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        counts["sign_in_records"] += model.objects.filter(username__in=names).delete()[0]
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
