"""What staff are told about an email that the parse found suspicious or unreadable: shown on
the ticket as internal notes and on the quarantine page, never to the sender."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from secondline.mail.parse import ParsedMessage
from secondline.tickets.reasons import Reason


def staff_notes(parsed: ParsedMessage) -> list[Reason]:
    """Warnings for the agent: a display name naming another address (issue 15, "the sender
    is the address": the contact is found by the real address only), an encrypted body."""
    notes = []
    if parsed.name_claims:
        notes.append(
            Reason(
                gettext_noop(
                    "Check the sender: the name on this email shows the address %(claimed)s, "
                    "but it was sent from %(sender)s. Only %(sender)s was used to find the "
                    "contact."
                ),
                {"claimed": parsed.name_claims, "sender": parsed.sender},
            )
        )
    if parsed.encrypted:
        notes.append(
            Reason(
                gettext_noop(
                    "This email is encrypted (%(kind)s): its text cannot be read here. The "
                    "encrypted part is kept as an attachment."
                ),
                {"kind": parsed.encrypted},
            )
        )
    return notes


def empty_body(parsed: ParsedMessage) -> str:
    """What a ticket or comment says when the email brought no readable text."""
    if parsed.encrypted:
        return _("(encrypted message: %(kind)s; the encrypted part is attached)") % {
            "kind": parsed.encrypted
        }
    return _("(empty message)")
