"""The placeholders of canned replies and macros, filled from the ticket: ``{requester_name}``,
``{ticket_number}``, ``{reaction_due}``... An unknown one is left as written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from secondline.accounts.models import User
from secondline.tickets.models import Ticket

PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _name(person: User | None) -> str:
    if person is None:
        return ""
    return person.get_full_name() or person.username


# name -> (what it means, how it is filled)
PLACEHOLDERS: dict[str, tuple[object, Callable[[Ticket, User], str]]] = {
    "requester_name": (_("the requester's name"), lambda t, u: _name(t.requester)),
    "requester_first_name": (
        _("the requester's first name"),
        lambda t, u: t.requester.first_name or _name(t.requester),
    ),
    "ticket_number": (_("the ticket number, e.g. SL-1042"), lambda t, u: t.number),
    "subject": (_("the ticket's subject"), lambda t, u: t.subject),
    "organization": (_("the customer's name"), lambda t, u: t.organization.name),
    "reaction_due": (_("when the reaction is due"), lambda t, u: _when(t.reaction_due_at)),
    "resolution_due": (_("when the resolution is due"), lambda t, u: _when(t.resolution_due_at)),
    "agent_name": (_("your name"), lambda t, u: _name(u)),
}


def fill(text: str, ticket: Ticket, actor: User, language: str = "") -> str:
    """``text`` with its placeholders filled; dates in ``language`` (the reply's, else the
    requester's)."""
    language = language or ticket.requester.language or "en"

    def value(match: re.Match[str]) -> str:
        known = PLACEHOLDERS.get(match.group(1))
        return known[1](ticket, actor) if known else match.group(0)

    with translation.override(language):
        return PLACEHOLDER_RE.sub(value, text)
