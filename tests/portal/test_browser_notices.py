"""The notification list in a real browser: the agent hears of a new ticket in the header,
marks it read without a reload (htmx), and the count goes."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from secondline.subscriptions.models import Notice, Subscription
from tests.factories import Personas, file_ticket, incident_draft

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people(transactional_db: Any) -> Personas:
    return Personas.create()


def test_an_agent_marks_a_notification_read_without_a_reload(
    people: Personas, browser_session: Any
) -> None:
    Subscription.objects.create(person=people.agent, all_new=True)
    ticket = file_ticket(people.member, incident_draft(subject="Terminals stopped posting"))
    file_ticket(people.member, incident_draft(subject="Labels print blank"))
    tab = browser_session("agent")
    page = tab.page
    tab.go("/desk/")
    assert page.inner_text("#notice-count") == "2"
    page.click(".main-nav a:has-text('Notifications')")
    row = page.locator(".notice", has_text="Terminals stopped posting")
    row.locator("button:has-text('Mark read')").click()
    expect(page.locator("#notice-count")).to_have_text("1")
    expect(row.locator("button")).to_have_count(0)  # the row was swapped in place, read
    assert Notice.objects.get(ticket=ticket).read_at is not None
    page.click("button:has-text('Mark all read')")
    page.wait_for_load_state()
    assert page.inner_text("#notice-count") == ""
    assert not Notice.objects.filter(read_at__isnull=True).exists()
