"""What agents do with the quarantine: retry a message, file it as a ticket, or discard it.

The quarantine is every message the intake did not file: quarantined ones, but also those it
judged duplicates or automatic mail, and those still waiting to be processed; an agent may
retry, file or discard any of them (``InboundMessage.NOT_FILED``).

Filing keeps the facts of the email (issue 13, Build 7): its arrival is the filing time the
SLA counts from, its sender is the requester when they are a customer contact, and its subject
tags choose the type and priority (still under the contract's priority rules). Spam is
discarded with a reason: who, when and why are kept on the row, the raw bytes stay until the
retention period (``privacy.retention``) and the message leaves the open quarantine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.mail import limits, notes, routing
from secondline.mail.filing import drafted, post_comment
from secondline.mail.intake import process
from secondline.mail.models import InboundMessage
from secondline.mail.parse import ParsedMessage
from secondline.tickets import events
from secondline.tickets import services as tickets
from secondline.tickets.access import can_see_ticket
from secondline.tickets.choices import Channel
from secondline.tickets.models import Comment, Ticket, TicketEvent
from secondline.tickets.reasons import Reason

Status = InboundMessage.Status
log = logging.getLogger(__name__)


def retry(message: InboundMessage) -> str:
    """Run a message that was not filed through the pipeline again (after adding its sender,
    say); a retried duplicate is routed as a message of its own."""
    if message.status not in InboundMessage.NOT_FILED:
        raise ValidationError(_("Only messages that were not filed can be retried."))
    return process(message, retry=True)


DISCARD_REASON_MAX = 500


def requester_for(message: InboundMessage, contact: User | None) -> User:
    """The contact the agent chose, else the email's sender when they are a customer contact."""
    if contact is None and message.sender:
        contact = routing.find_contact(message.sender)
    if contact is None or not contact.is_customer:
        raise ValidationError(
            {
                "contact": [
                    _("%(sender)s is not a customer contact; choose the contact to file for.")
                    % {"sender": message.sender or "?"}
                ]
            }
        )
    return contact


def turn_into_ticket(
    message: InboundMessage, contact: User | None, actor: User, ticket_type: str = ""
) -> Ticket:
    """An agent files a quarantined message as a ticket: of the chosen customer contact, or of
    its sender when they are one; filed at the email's arrival, typed by its tags or the
    agent's choice."""
    access.require_contractor(actor)
    if contact is not None and not contact.is_customer:
        raise ValidationError({"contact": [_("Choose a customer contact.")]})
    contact = requester_for(message, contact)
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(
            pk=message.pk, status__in=InboundMessage.NOT_FILED
        ).update(status=Status.PROCESSING)
        if not claimed:
            raise ValidationError(_("Only messages that were not filed can become tickets."))
        message.refresh_from_db()
        parsed = limits.parse_raw(bytes(message.raw))
        draft, uploads = drafted(
            message, parsed, contact, settings.MAIL_DEFAULT_TICKET_TYPE, chosen_type=ticket_type
        )
        ticket = tickets.file_ticket(contact, draft, channel=Channel.EMAIL, files=uploads)
        events.record(
            ticket,
            actor,
            TicketEvent.Kind.OTHER,
            Channel.EMAIL,
            reason=Reason(
                gettext_noop("Filed from quarantined email #%(id)s from %(sender)s."),
                {"id": message.pk, "sender": message.sender or "?"},
            ),
            public=False,
        )
        notes.note_on_ticket(ticket, message, parsed)
        message.result_ticket = ticket
        message.status = Status.TICKET
        message.processed_at = timezone.now()
        message.error = ""
        message.save(update_fields=["result_ticket", "status", "processed_at", "error"])
    return ticket


def discard(messages: Iterable[InboundMessage], actor: User, reason: str) -> list[InboundMessage]:
    """An agent discards messages as spam, with the reason required: each one that was not
    filed becomes "discarded" with who, when and why (a conditional update, so a message the
    intake or another agent took meanwhile is left alone); the discarded ones are returned."""
    access.require_contractor(actor)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": [_("Say why the email is discarded.")]})
    if len(reason) > DISCARD_REASON_MAX:
        raise ValidationError(
            {
                "reason": [
                    _("Keep the reason under %(max)d characters.") % {"max": DISCARD_REASON_MAX}
                ]
            }
        )
    now = timezone.now()
    pks = [message.pk for message in messages]
    with transaction.atomic():
        candidates = list(
            InboundMessage.objects.select_for_update()
            .filter(pk__in=pks, status__in=InboundMessage.NOT_FILED)
            .values_list("pk", flat=True)
        )
        InboundMessage.objects.filter(pk__in=candidates).update(
            status=Status.DISCARDED,
            discarded_by=actor,
            discarded_at=now,
            discard_reason=reason,
            processed_at=now,
        )
    log.info("quarantine: %s discarded %s as spam: %s", actor.pk, candidates, reason)
    return list(InboundMessage.objects.filter(pk__in=candidates).defer("raw"))


def reply_to_accept(parsed: ParsedMessage) -> tuple[Ticket, User]:
    """The ticket a reply names and its sender, who may write there; else why not."""
    ticket = routing.find_ticket(parsed)[0]
    if ticket is None:
        raise ValidationError(_("The email names no ticket it could answer."))
    author = routing.find_contact(parsed.sender) if parsed.sender else None
    if author is None or not can_see_ticket(author, ticket):
        raise ValidationError(
            _("%(sender)s may not write on %(number)s.")
            % {"sender": parsed.sender or "?", "number": ticket.number}
        )
    return ticket, author


def accept_as_sender(message: InboundMessage, actor: User) -> Comment:
    """An agent vouches for a reply that failed the sender proof (issue 16, Build 1): it goes
    on the ticket it names as a public comment by its sender, with an internal event naming
    the agent who accepted it. Only the contractor's staff may, and never for a sender who may
    not see that ticket (the proof is waived, the access rule is not)."""
    access.require_contractor(actor)
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(pk=message.pk, status=Status.QUARANTINED).update(
            status=Status.PROCESSING
        )
        if not claimed:
            raise ValidationError(_("Only a quarantined reply can be accepted as its sender's."))
        message.refresh_from_db()
        parsed = limits.parse_raw(bytes(message.raw))
        ticket, author = reply_to_accept(parsed)
        comment = post_comment(message, parsed, ticket, author)
        events.record(
            ticket,
            actor,
            TicketEvent.Kind.OTHER,
            Channel.EMAIL,
            field="sender_proof",
            new=author.email,
            reason=Reason(
                gettext_noop(
                    "%(agent)s accepted quarantined email #%(id)s as a comment from %(sender)s "
                    "without the sender proof."
                ),
                {
                    "agent": actor.get_full_name() or actor.username,
                    "id": message.pk,
                    "sender": author.email,
                },
            ),
            public=False,
        )
        message.processed_at = timezone.now()
        message.error = ""
        message.save(
            update_fields=["result_ticket", "result_comment", "status", "processed_at", "error"]
        )
    log.info("quarantine: %s accepted #%s as %s's", actor.pk, message.pk, author.pk)
    return comment
