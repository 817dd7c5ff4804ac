"""Canned replies and macros on the agent's ticket page, driven in Chromium: a canned reply
lands in the answer box filled for the ticket; a macro replies and resolves in one click."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from secondline.replies.models import CannedReply, Macro
from secondline.tickets.choices import Status
from secondline.tickets.models import Comment
from tests.factories import Personas, consultation_draft, file_ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people(transactional_db: Any) -> Personas:
    return Personas.create()


def test_an_agent_inserts_a_canned_reply_then_resolves_with_a_macro(
    people: Personas, browser_session: Any
) -> None:
    people.member.first_name = "Анна"
    people.member.save()
    ticket = file_ticket(people.member, consultation_draft())
    CannedReply.objects.create(
        title="Need logs", body="{requester_first_name}, send {ticket_number} logs."
    )
    Macro.objects.create(
        title="Solved", reply="Fixed in 4.2, {requester_first_name}.", status=Status.RESOLVED
    )
    tab = browser_session("agent")
    tab.go(f"/tickets/{ticket.pk}/")
    page = tab.page
    page.select_option("#canned-reply", label="Need logs")
    # expect() polls from Python: wait_for_function's string is an eval, which the CSP refuses
    # once the first evaluation is not already true.
    expect(page.locator("#id_body")).to_have_value(f"Анна, send {ticket.number} logs.")
    page.click("button:has-text('Send')")
    page.wait_for_selector(f"text=Анна, send {ticket.number} logs.")

    page.click("button:has-text('Solved')")
    page.wait_for_selector("text=Macro “Solved” applied.")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert list(Comment.objects.filter(ticket=ticket).values_list("body", flat=True)) == [
        f"Анна, send {ticket.number} logs.",
        "Fixed in 4.2, Анна.",
    ]
