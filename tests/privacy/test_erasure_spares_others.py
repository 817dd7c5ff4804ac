"""An erasure replaces what names the contact, never other people's words: her username is
matched only where it cannot be an ordinary word (``erasure.username_traces``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from secondline.accounts.models import User
from secondline.privacy.erasure import REDACTED, erase_contact, traces_of
from secondline.tickets import services
from tests.factories import consultation_draft, file_ticket


def erased(username: str, text: str) -> str:
    """``text`` as an erasure of a contact with this username (and no name or phone) leaves it."""
    traces = traces_of(User(username=username, email="marina@volga.example"))
    return re.compile("|".join(traces), re.IGNORECASE).sub(REDACTED, text)


@pytest.mark.parametrize(
    ("username", "text", "expected"),
    [
        # letters only: an ordinary word ("member") or a name, kept wherever it stands alone
        ("member", "Each team member sees the list.", "Each team member sees the list."),
        ("member", "Member of the board", "Member of the board"),
        # ...but after "@" it is a mention of her
        ("member", "Ask @member first.", "Ask [erased] first."),
        # digits and letters only: a number, not a username
        ("1234", "Release 1234 fixed it.", "Release 1234 fixed it."),
        # a username no word is written as: the whole token, with the rest of an address
        ("m.orlova2", "Write to m.orlova2@mail.example today.", "Write to [erased] today."),
        ("m.orlova2", "Thanks, @M.Orlova2.", "Thanks, [erased]."),
        # ...never inside another name or address
        ("m.orlova2", "See backup-m.orlova2.log", "See backup-m.orlova2.log"),
        ("m.orlova2", "Mail x.m.orlova2@mail.example", "Mail x.m.orlova2@mail.example"),
    ],
)
def test_her_username_is_erased_only_where_it_names_her(
    username: str, text: str, expected: str
) -> None:
    assert erased(username, text) == expected


def test_her_username_leaves_her_colleagues_words_and_the_record_alone(
    marina: Any, personas: Any
) -> None:
    """Her username is ``member`` (the persona): "member" in her organisation's tickets,
    comments and history is someone else's word, and the record is append-only."""
    draft = consultation_draft(
        subject="Member list", description="Each team member sees the list of orders."
    )
    ticket = file_ticket(personas.responsible, draft)
    services.add_comment(ticket, personas.agent, "A member of the board asked too.")
    erasure = erase_contact(marina, by=personas.manager, reason="Her letter")
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.description) == (
        "Member list",
        "Each team member sees the list of orders.",
    )
    assert [c.body for c in ticket.comments.all()] == ["A member of the board asked too."]
    assert not ticket.events.filter(field="personal_data").exists()
    assert erasure.counts["tickets"] == 0
