"""The out-of-hours decision page: only the two buttons it offers decide. Any other value (or
none) was recorded as a rejection, which is final; and Enter in the comment box pressed the
first button, Approve."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from secondline.billing import out_of_hours
from secondline.billing.models import OutOfHoursRequest
from secondline.tickets.models import TicketEvent
from tests.billing.conftest import msk


@pytest.fixture
def pending(ticket: Any, agent: Any) -> OutOfHoursRequest:
    return out_of_hours.raise_out_of_hours_request(
        ticket,
        agent,
        window_start=msk(2024, 11, 3, 10),
        window_end=msk(2024, 11, 3, 12),
        reason="Weekend migration",
        estimated_hours="2",
    )


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"comment": "fine"},
        {"decision": "", "comment": "fine"},
        {"decision": "APPROVE", "comment": "fine"},
        {"decision": "rejected", "comment": "fine"},
        {"decision": "yes", "comment": "fine"},
    ],
)
def test_a_decision_the_page_does_not_offer_changes_nothing(
    pending: OutOfHoursRequest, responsible: Any, sent: dict[str, str]
) -> None:
    url = f"/billing/requests/{pending.pk}/"
    events = TicketEvent.objects.count()
    answer = client_for(responsible).post(url, sent)
    assert answer.status_code == 400
    assert "Choose Approve or Reject." in answer.content.decode()
    assert b'value="approve"' in answer.content  # the buttons are offered again
    pending.refresh_from_db()
    assert pending.customer_decision == ""
    assert pending.status == OutOfHoursRequest.Status.PENDING
    assert TicketEvent.objects.count() == events


def test_a_refused_decision_can_be_made_again_with_a_button(
    pending: OutOfHoursRequest, responsible: Any
) -> None:
    url = f"/billing/requests/{pending.pk}/"
    client = client_for(responsible)
    assert client.post(url, {"decision": "maybe", "comment": "why?"}).status_code == 400
    assert client.post(url, {"decision": "reject", "comment": "why?"}).status_code == 302
    pending.refresh_from_db()
    assert pending.customer_decision == OutOfHoursRequest.Decision.REJECTED
    assert pending.customer_comment == "why?"


def test_enter_in_the_comment_does_not_approve(
    pending: OutOfHoursRequest, responsible: Any
) -> None:
    """Enter in a form's one-line text box submits it with its first button; a textarea takes
    Enter as a new line, and the form has no one-line box left."""
    page = client_for(responsible).get(f"/billing/requests/{pending.pk}/").content.decode()
    decision = next(form for form in page.split("<form")[1:] if 'value="approve"' in form)
    assert '<textarea name="comment"' in decision
    assert "<input" not in decision.replace('<input type="hidden"', "")
