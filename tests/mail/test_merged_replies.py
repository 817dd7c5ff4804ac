"""A reply by email to a ticket that was merged reaches the ticket it was merged into."""

from __future__ import annotations

from secondline.mail import intake
from secondline.mail.models import InboundMessage
from secondline.tickets import merging
from tests.factories import consultation_draft, file_ticket
from tests.mail.conftest import signed
from tests.mail.test_intake import plain


def test_a_reply_to_the_duplicates_email_is_added_to_the_original(personas) -> None:
    original = file_ticket(personas.member, consultation_draft())
    duplicate = file_ticket(personas.responsible, consultation_draft())
    merging.merge_tickets(duplicate, original, personas.agent)
    reply = plain(
        personas.responsible.email,
        subject=f"Re: [{duplicate.number}] Merged into {original.number}",
        body="Thanks, and the VAT column too.",
    )
    outcome = intake.ingest_message(signed(reply, duplicate, personas.responsible))
    assert outcome.status == InboundMessage.Status.COMMENT
    comment = outcome.message.result_comment
    assert comment.ticket_id == outcome.message.result_ticket.pk == original.pk
    assert comment.body.startswith("Thanks, and the VAT column too.")
