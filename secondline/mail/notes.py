"""What the agent is told on the ticket about the email it came from: parts left out of it, a
message cut at the size limit, HTML over its budget, a Message-ID another message had. Each is
an internal event, worded in the reading agent's language (``tickets.reasons``)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_noop

from secondline.mail import flags
from secondline.mail.models import InboundMessage
from secondline.mail.parse import ParsedMessage
from secondline.tickets import events
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.reasons import Reason


def note_on_ticket(ticket: Ticket, message: InboundMessage, parsed: ParsedMessage) -> None:
    """An internal event on the ticket for each thing the agent should know about the email."""
    for note in notes(message, parsed):
        events.record(
            ticket, None, TicketEvent.Kind.OTHER, Channel.EMAIL, reason=note, public=False
        )


def notes(message: InboundMessage, parsed: ParsedMessage) -> list[Reason]:
    found = flags.staff_notes(parsed)
    if parsed.parts_left:
        found.append(
            Reason(
                gettext_noop(
                    "Parts of the email over the limit of %(limit)s were not read "
                    "(%(count)s); they are kept in the original email (inbound message "
                    "#%(id)s)."
                ),
                {"count": parsed.parts_left, "limit": settings.MAIL_MAX_PARTS, "id": message.pk},
            )
        )
    if message.is_truncated():
        found.append(
            Reason(
                gettext_noop(
                    "The email was %(size)s MB, over the size limit; only its first %(kept)s MB "
                    "were kept (inbound message #%(id)s)."
                ),
                {
                    "size": _megabytes(message.size),
                    "kept": _megabytes(len(message.raw)),
                    "id": message.pk,
                },
            )
        )
    if parsed.html_over_budget:
        found.append(
            Reason(
                gettext_noop(
                    "The HTML of the email was too large or too complex to clean up in time; the "
                    "text is shown, and the HTML is attached as message.html (inbound message "
                    "#%(id)s)."
                ),
                {"id": message.pk},
            )
        )
    if message.collides_with_id:
        found.append(
            Reason(
                gettext_noop(
                    "Inbound message #%(other)s had the same Message-ID %(message_id)s but other "
                    "content; this email (#%(id)s) was filed as a message of its own."
                ),
                {
                    "other": message.collides_with_id,
                    "message_id": message.message_id,
                    "id": message.pk,
                },
            )
        )
    return found


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"
