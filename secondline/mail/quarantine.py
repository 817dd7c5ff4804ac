"""What agents do with the quarantine: retry a message, or file it for a chosen contact.

The quarantine is every message the intake did not file: quarantined ones, but also those it
judged duplicates or automatic mail, and those still waiting to be processed; an agent may
retry or file any of them (``InboundMessage.NOT_FILED``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.mail import limits, notes
from secondline.mail.filing import draft_from, uploads_from, with_skipped_note
from secondline.mail.intake import process
from secondline.mail.models import InboundMessage
from secondline.tickets import events
from secondline.tickets import services as tickets
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket, TicketEvent

Status = InboundMessage.Status


def retry(message: InboundMessage) -> str:
    """Run a message that was not filed through the pipeline again (after adding its sender,
    say); a retried duplicate is routed as a message of its own."""
    if message.status not in InboundMessage.NOT_FILED:
        raise ValidationError(_("Only messages that were not filed can be retried."))
    return process(message, retry=True)


def turn_into_ticket(
    message: InboundMessage, contact: User, actor: User, ticket_type: str = ""
) -> Ticket:
    """An agent files a quarantined message as a ticket of the chosen customer contact."""
    access.require_contractor(actor)
    if not contact.is_customer:
        raise ValidationError({"contact": [_("Choose a customer contact.")]})
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(
            pk=message.pk, status__in=InboundMessage.NOT_FILED
        ).update(status=Status.PROCESSING)
        if not claimed:
            raise ValidationError(_("Only messages that were not filed can become tickets."))
        message.refresh_from_db()
        parsed = limits.parse_raw(bytes(message.raw))
        draft = draft_from(parsed, settings.MAIL_DEFAULT_TICKET_TYPE, chosen_type=ticket_type)
        uploads, skipped = uploads_from(parsed)
        draft.description = with_skipped_note(draft.description, skipped, message)
        ticket = tickets.file_ticket(contact, draft, channel=Channel.EMAIL, files=uploads)
        events.record(
            ticket,
            actor,
            TicketEvent.Kind.OTHER,
            Channel.EMAIL,
            reason=_("Filed from quarantined email #%(id)s from %(sender)s.")
            % {"id": message.pk, "sender": message.sender or "?"},
            public=False,
        )
        notes.note_on_ticket(ticket, message, parsed)
        message.result_ticket = ticket
        message.status = Status.TICKET
        message.processed_at = timezone.now()
        message.error = ""
        message.save(update_fields=["result_ticket", "status", "processed_at", "error"])
    return ticket
