"""What the agent is told on the ticket about the email it came from: parts left out of it, a
message cut at the size limit, HTML over its budget, a Message-ID another message had."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from secondline.mail import flags
from secondline.mail.models import InboundMessage
from secondline.mail.parse import ParsedMessage
from secondline.tickets import events
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket, TicketEvent


def note_on_ticket(ticket: Ticket, message: InboundMessage, parsed: ParsedMessage) -> None:
    """An internal event on the ticket for each thing the agent should know about the email."""
    for note in notes(message, parsed):
        events.record(
            ticket, None, TicketEvent.Kind.OTHER, Channel.EMAIL, reason=note, public=False
        )


def notes(message: InboundMessage, parsed: ParsedMessage) -> list[str]:
    found = flags.staff_notes(parsed)
    if parsed.parts_left:
        found.append(
            ngettext(
                "%(count)s part of the email over the limit of %(limit)s was not read; it is "
                "kept in the original email (inbound message #%(id)s).",
                "%(count)s parts of the email over the limit of %(limit)s were not read; they "
                "are kept in the original email (inbound message #%(id)s).",
                parsed.parts_left,
            )
            % {"count": parsed.parts_left, "limit": settings.MAIL_MAX_PARTS, "id": message.pk}
        )
    if message.is_truncated():
        found.append(
            _(
                "The email was %(size)s, over the size limit; only its first %(kept)s were kept "
                "(inbound message #%(id)s)."
            )
            % {
                "size": filesizeformat(message.size),
                "kept": filesizeformat(len(message.raw)),
                "id": message.pk,
            }
        )
    if parsed.html_over_budget:
        found.append(
            _(
                "The HTML of the email was too large or too complex to clean up in time; the "
                "text is shown, and the HTML is attached as message.html (inbound message "
                "#%(id)s)."
            )
            % {"id": message.pk}
        )
    if message.collides_with_id:
        found.append(
            _(
                "Inbound message #%(other)s had the same Message-ID %(message_id)s but other "
                "content; this email (#%(id)s) was filed as a message of its own."
            )
            % {
                "other": message.collides_with_id,
                "message_id": message.message_id,
                "id": message.pk,
            }
        )
    return found
