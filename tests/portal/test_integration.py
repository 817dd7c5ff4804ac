"""The portal shows what the other apps add: time and out-of-hours work (billing), the SLA
explanation, update plans and duty call-outs (releases), and the email quarantine (mail)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from secondline.accounts.models import User
from secondline.billing import out_of_hours, worklogs
from secondline.billing.models import OutOfHoursRequest, WorkLog
from secondline.mail import intake as mail
from secondline.mail.models import InboundMessage
from secondline.releases import plans
from secondline.releases.models import DutyCallout, Installation, PhoneCall, ProductVersion
from secondline.tickets.choices import Priority, TicketType
from secondline.tickets.models import Ticket
from tests.factories import (
    UserFactory,
    consultation_draft,
    file_ticket,
    filed_long_ago,
    incident_draft,
)

MSK = ZoneInfo("Europe/Moscow")
# Tuesday 2 December 2025, 12:00 Moscow: business hours; Saturday 6 December: a day off.
BUSINESS_HOURS = dt.datetime(2025, 12, 2, 12, 0, tzinfo=MSK)
WEEKEND = dt.datetime(2025, 12, 6, 12, 0, tzinfo=MSK)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ticket(personas: Any) -> Ticket:
    return filed_long_ago(
        file_ticket(personas.member, consultation_draft(subject="Second price list"))
    )


def file_urgent(personas: Any, sent: Any) -> Ticket:
    """File an Urgent incident and run what waits for the commit: the duty alert."""
    with sent():
        return file_ticket(personas.member, incident_draft(requested_priority=Priority.URGENT))


@pytest.fixture
def urgent(personas: Any, sent: Any) -> Ticket:
    return file_urgent(personas, sent)


def quarantined(sender: str = "stranger@unknown.example", body: str = "Help!") -> InboundMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = "support@support.example"
    email["Subject"] = "Printer <b>jams</b>"
    email["Message-ID"] = f"<{abs(hash((sender, body)))}@unknown.example>"
    email.set_content(body)
    outcome = mail.ingest_message(bytes(email), "import", answer_unknown_senders=False)
    assert outcome.status == InboundMessage.Status.QUARANTINED
    return outcome.message


# -- the ticket page: time spent ---------------------------------------------------------------


def test_it_shows_the_agent_the_quick_time_entry_on_the_ticket_page(
    personas: Any, ticket: Ticket
) -> None:
    page = signed_in(personas.agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'id="worklogs-{ticket.pk}"' in page
    assert f'hx-post="/billing/tickets/{ticket.pk}/worklogs/"' in page
    assert 'data-shortcut="t"' in page
    assert "autofocus" not in page  # the page's single-key shortcuts keep working


def test_it_logs_time_from_the_ticket_page_fragment(personas: Any, ticket: Ticket) -> None:
    response = signed_in(personas.agent).post(
        f"/billing/tickets/{ticket.pk}/worklogs/",
        {"duration": "45m", "activity": "analysis", "billable": "on", "description": "Logs"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'id="worklogs-{ticket.pk}"' in response.content.decode()
    log = WorkLog.objects.get(ticket=ticket)
    assert log.ended_at - log.started_at == dt.timedelta(minutes=45)


def test_it_shows_the_customer_the_hours_but_no_entry_form(personas: Any, ticket: Ticket) -> None:
    start = dt.datetime(2025, 12, 2, 11, 0, tzinfo=MSK)
    worklogs.log_work(
        ticket,
        personas.agent,
        worklogs.WorkEntry(
            activity="analysis",
            started_at=start,
            duration=dt.timedelta(minutes=90),
            internal_note="Secret",
        ),
    )
    page = signed_in(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Time spent" in page
    assert "1:30" in page
    assert "worklog-form" not in page
    assert "Secret" not in page


def test_it_keeps_other_customers_out_of_the_ticket_and_its_time(
    personas: Any, ticket: Ticket
) -> None:
    client = signed_in(personas.outsider)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert client.get(f"/billing/tickets/{ticket.pk}/worklogs/").status_code == 404


# -- the ticket page: out-of-hours requests ----------------------------------------------------


@pytest.fixture
def request_on(personas: Any, ticket: Ticket) -> OutOfHoursRequest:
    start = dt.datetime(2030, 1, 5, 20, 0, tzinfo=MSK)
    return out_of_hours.raise_out_of_hours_request(
        ticket,
        personas.agent,
        window_start=start,
        window_end=start + dt.timedelta(hours=2),
        estimated_hours=Decimal("2"),
        reason="Saturday evening fix",
    )


@pytest.mark.parametrize(
    ("who", "decides"),
    [("responsible", True), ("manager", True), ("member", False), ("agent", False)],
)
def test_it_offers_approve_and_reject_only_to_the_approvers(
    personas: Any, ticket: Ticket, request_on: OutOfHoursRequest, who: str, decides: bool
) -> None:
    page = signed_in(getattr(personas, who)).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/billing/requests/{request_on.pk}/" in page
    assert ('name="decision" value="approve"' in page) is decides


def test_a_member_cannot_approve_by_posting_anyway(
    personas: Any, request_on: OutOfHoursRequest
) -> None:
    signed_in(personas.member).post(f"/billing/requests/{request_on.pk}/", {"decision": "approve"})
    request_on.refresh_from_db()
    assert request_on.customer_decision == ""


def test_the_responsible_approves_from_the_ticket_page(
    personas: Any, request_on: OutOfHoursRequest
) -> None:
    signed_in(personas.responsible).post(
        f"/billing/requests/{request_on.pk}/", {"decision": "approve"}
    )
    request_on.refresh_from_db()
    assert request_on.customer_decision == OutOfHoursRequest.Decision.APPROVED


# -- the ticket page: SLA explanation and update plan -------------------------------------------


def test_it_explains_the_due_time_next_to_it(personas: Any) -> None:
    with time_machine.travel(dt.datetime(2025, 12, 5, 18, 30, tzinfo=MSK), tick=False):
        ticket = file_ticket(personas.member, incident_draft(requested_priority=Priority.NORMAL))
        page = signed_in(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="sla-explanation"' in page
    assert "Why this due time:" in page
    assert "due Mon 8 Dec" in page


def test_it_links_the_update_plan_from_an_update_ticket(personas: Any, manager: User) -> None:
    old = ProductVersion.objects.create(
        product="ERP", version="4.1.0", released_on=dt.date(2025, 3, 1)
    )
    new = ProductVersion.objects.create(
        product="ERP", version="4.2.0", released_on=dt.date(2025, 9, 1)
    )
    installation = Installation.objects.create(
        contract=personas.contract, name="Production", product="ERP", current_version=old
    )
    plan = plans.propose_update(installation, new, manager)
    assert plan.ticket.type == TicketType.UPDATE_INSTALLATION
    for who in (personas.responsible, personas.agent):
        page = signed_in(who).get(f"/tickets/{plan.ticket_id}/").content.decode()
        assert f'href="/releases/plans/{plan.ticket_id}/"' in page
    other = file_ticket(personas.member)
    page = signed_in(personas.agent).get(f"/tickets/{other.pk}/").content.decode()
    assert "/releases/plans/" not in page


# -- Urgent incidents: the duty call-out and the customer's call --------------------------------


def test_staff_see_the_alert_status_and_the_call_form_customers_do_not(
    personas: Any, urgent: Ticket
) -> None:
    assert DutyCallout.objects.filter(ticket=urgent).exists()
    page = signed_in(personas.agent).get(f"/tickets/{urgent.pk}/").content.decode()
    assert "Not acknowledged yet" in page
    assert f'action="/tickets/{urgent.pk}/phone-call/"' in page
    assert "urgent-banner" not in page  # the customer's "call support now" is not for staff
    page = signed_in(personas.member).get(f"/tickets/{urgent.pk}/").content.decode()
    assert "phone-call" not in page
    assert "Not acknowledged yet" not in page
    assert "urgent-banner" in page


def test_an_agent_records_the_call_and_the_call_out_stops(personas: Any, urgent: Ticket) -> None:
    response = signed_in(personas.agent).post(
        f"/tickets/{urgent.pk}/phone-call/",
        {"caller_name": "Roman Volkov", "caller_phone": "+7 900", "summary": "All terminals down"},
    )
    assert response.status_code == 302
    call = PhoneCall.objects.get(ticket=urgent)
    assert call.caller_name == "Roman Volkov"
    assert DutyCallout.objects.get(ticket=urgent).acknowledged_by == personas.agent
    page = signed_in(personas.agent).get(f"/tickets/{urgent.pk}/").content.decode()
    assert "All terminals down" in page
    assert "Acknowledged" in page


def test_a_call_without_a_summary_is_refused_with_the_reason(personas: Any, urgent: Ticket) -> None:
    response = signed_in(personas.agent).post(
        f"/tickets/{urgent.pk}/phone-call/", {"caller_name": "Roman"}
    )
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    assert not PhoneCall.objects.exists()


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_call_at_no_time_of_ours_is_refused_on_its_field(
    personas: Any, urgent: Ticket, at: str
) -> None:
    """Year 1 in Moscow is year 0 in UTC: saving it was a 500 before."""
    response = signed_in(personas.agent).post(
        f"/tickets/{urgent.pk}/phone-call/", {"caller_name": "Roman", "summary": "Down", "at": at}
    )
    assert "between the years 2000 and 2099" in response.content.decode()
    assert not PhoneCall.objects.exists()


@pytest.mark.parametrize("who", ["member", "responsible", "outsider"])
def test_customers_cannot_record_calls(personas: Any, urgent: Ticket, who: str) -> None:
    response = signed_in(getattr(personas, who)).post(
        f"/tickets/{urgent.pk}/phone-call/", {"caller_name": "X", "summary": "Y"}
    )
    assert response.status_code == 404
    assert not PhoneCall.objects.exists()


def test_the_urgent_page_says_the_engineers_are_alerted(personas: Any, sent: Any) -> None:
    with time_machine.travel(BUSINESS_HOURS, tick=False):
        ticket = file_urgent(personas, sent)
        page = signed_in(personas.member).get(f"/tickets/{ticket.pk}/urgent/").content.decode()
    assert "The engineers on duty have been alerted" in page
    assert "Outside business hours" not in page


def test_the_urgent_page_shows_the_double_rate_rule_outside_business_hours(
    personas: Any, sent: Any
) -> None:
    with time_machine.travel(WEEKEND, tick=False):
        ticket = file_urgent(personas, sent)
        page = signed_in(personas.member).get(f"/tickets/{ticket.pk}/urgent/").content.decode()
    assert "Outside business hours" in page
    assert "2 × the hourly rate" in page
    assert f'href="/billing/tickets/{ticket.pk}/worklogs/#out-of-hours"' in page
    assert "billed at double rate" in page  # releases' extra step, rendered with the others


# -- the email quarantine -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "responsible", "outsider"])
def test_customers_never_see_the_quarantine(personas: Any, who: str) -> None:
    message = quarantined()
    client = signed_in(getattr(personas, who))
    for url in (
        "/desk/quarantine/",
        f"/desk/quarantine/{message.pk}/",
    ):
        assert client.get(url).status_code == 404
    for url in (f"/desk/quarantine/{message.pk}/retry/", f"/desk/quarantine/{message.pk}/ticket/"):
        assert client.post(url, {"contact": personas.member.pk}).status_code == 404
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.QUARANTINED
    assert "quarantine" not in client.get("/tickets/").content.decode()


def test_it_lists_the_quarantine_with_sender_subject_and_reason(personas: Any) -> None:
    quarantined()
    page = signed_in(personas.agent).get("/desk/quarantine/").content.decode()
    assert "stranger@unknown.example" in page
    assert "Printer &lt;b&gt;jams&lt;/b&gt;" in page
    assert "not a known contact" in page
    assert '<span class="nav-count"' in page


def test_it_shows_the_decoded_text_and_the_escaped_raw_source(personas: Any) -> None:
    message = quarantined(body="Привет <script>alert(1)</script>")
    page = signed_in(personas.agent).get(f"/desk/quarantine/{message.pk}/").content.decode()
    assert "Привет &lt;script&gt;" in page
    assert "<script>alert" not in page
    assert '<pre class="raw-source" translate="no">' in page
    assert "Message-ID: &lt;" in page


def test_an_agent_retries_a_message_once_its_sender_is_a_contact(personas: Any) -> None:
    message = quarantined(sender="new.clerk@volga.example")
    UserFactory(
        email="new.clerk@volga.example",
        organization=personas.customer,
        role=User.Role.CUSTOMER_MEMBER,
    )
    response = signed_in(personas.agent).post(f"/desk/quarantine/{message.pk}/retry/")
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.TICKET
    assert response["Location"] == f"/tickets/{message.result_ticket_id}/"


def test_a_retry_that_fails_again_says_why(personas: Any) -> None:
    message = quarantined()
    response = signed_in(personas.agent).post(f"/desk/quarantine/{message.pk}/retry/", follow=True)
    assert "Still quarantined" in response.content.decode()
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.QUARANTINED


def test_an_agent_turns_a_message_into_a_ticket_of_a_chosen_contact(personas: Any) -> None:
    message = quarantined()
    response = signed_in(personas.agent).post(
        f"/desk/quarantine/{message.pk}/ticket/",
        {"contact": personas.member.pk, "ticket_type": TicketType.CONSULTATION},
    )
    message.refresh_from_db()
    ticket = message.result_ticket
    assert ticket is not None
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.requester == personas.member
    assert ticket.type == TicketType.CONSULTATION
    assert not signed_in(personas.agent).get("/desk/quarantine/").context["page"].object_list


def test_turning_into_a_ticket_needs_a_customer_contact(personas: Any) -> None:
    message = quarantined()
    response = signed_in(personas.agent).post(
        f"/desk/quarantine/{message.pk}/ticket/", {"contact": personas.agent.pk}
    )
    assert response.status_code == 400
    assert not Ticket.objects.exists()
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.QUARANTINED


def test_an_agent_files_a_message_of_a_contact_without_choosing_one(personas: Any) -> None:
    message = quarantined(sender="late@volga.example")
    late = UserFactory(
        email="late@volga.example", organization=personas.customer, role=User.Role.CUSTOMER_MEMBER
    )
    page = signed_in(personas.agent).get(f"/desk/quarantine/{message.pk}/").content.decode()
    assert f'<option value="{late.pk}" selected' in page
    response = signed_in(personas.agent).post(
        f"/desk/quarantine/{message.pk}/ticket/", {"contact": "", "ticket_type": ""}
    )
    message.refresh_from_db()
    assert response.status_code == 302
    assert message.result_ticket.requester == late
    assert message.result_ticket.created_at == message.received_at


def test_the_page_says_what_the_subject_tags_ask_for(personas: Any) -> None:
    email = EmailMessage()
    email["From"] = "stranger@unknown.example"
    email["Subject"] = "[Incident][High] Orders stuck"
    email.set_content("Help!")
    message = mail.ingest_message(bytes(email), "import", answer_unknown_senders=False).message
    page = signed_in(personas.agent).get(f"/desk/quarantine/{message.pk}/").content.decode()
    assert "<dt>Its tags ask for</dt><dd>Incident · High</dd>" in page


def test_a_stranger_without_a_chosen_contact_is_a_400_on_contact(personas: Any) -> None:
    message = quarantined()
    response = signed_in(personas.agent).post(f"/desk/quarantine/{message.pk}/ticket/", {})
    assert response.status_code == 400
    assert "is not a customer contact" in response.context["form"].errors["contact"][0]


def test_an_agent_discards_spam_with_a_reason(personas: Any) -> None:
    message = quarantined()
    client = signed_in(personas.agent)
    refused = client.post(f"/desk/quarantine/{message.pk}/discard/", {"reason": " "})
    assert refused.status_code == 400 and refused.context["discard_form"].errors["reason"]
    response = client.post(f"/desk/quarantine/{message.pk}/discard/", {"reason": "Advertising"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.DISCARDED
    assert message.discarded_by == personas.agent
    listing = client.get("/desk/quarantine/")
    assert not listing.context["page"].object_list
    assert '<span class="nav-count"' not in listing.content.decode()
    discarded = client.get("/desk/quarantine/?status=discarded").content.decode()
    assert "Advertising" in discarded and str(personas.agent) in discarded
    detail = client.get(f"/desk/quarantine/{message.pk}/").content.decode()
    assert "Discarded as spam by" in detail and 'action="/desk/quarantine/' not in detail
    again = client.post(f"/desk/quarantine/{message.pk}/discard/", {"reason": "Again"}, follow=True)
    assert "Only messages that were not filed can be discarded." in again.content.decode()
    message.refresh_from_db()
    assert message.discard_reason == "Advertising"


def test_an_agent_discards_several_at_once(personas: Any) -> None:
    spam = [quarantined(body=f"Offer {i}") for i in range(3)]
    keep = quarantined(body="A real question")
    client = signed_in(personas.agent)
    response = client.post(
        "/desk/quarantine/discard/?status=quarantined",
        {"messages": [m.pk for m in spam], "reason": "Advertising"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/quarantine/?status=quarantined"
    shown = client.get("/desk/quarantine/").context["page"].object_list
    assert [m.pk for m in shown] == [keep.pk]
    assert InboundMessage.objects.filter(status=InboundMessage.Status.DISCARDED).count() == 3
    nothing = client.post("/desk/quarantine/discard/", {"messages": [], "reason": "x"})
    assert nothing.status_code == 400
    again = client.post("/desk/quarantine/discard/", {"messages": [spam[0].pk], "reason": "x"})
    assert again.status_code == 400  # already discarded: not a choice any more


@pytest.mark.parametrize("who", ["member", "responsible", "outsider"])
def test_customers_cannot_discard(personas: Any, who: str) -> None:
    message = quarantined()
    client = signed_in(getattr(personas, who))
    assert (
        client.post(f"/desk/quarantine/{message.pk}/discard/", {"reason": "x"}).status_code == 404
    )
    data = {"messages": [message.pk], "reason": "x"}
    assert client.post("/desk/quarantine/discard/", data).status_code == 404
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.QUARANTINED


def test_an_agent_accepts_an_unproven_reply_as_its_senders(personas: Any, ticket: Ticket) -> None:
    email = EmailMessage()
    email["From"] = personas.member.email
    email["To"] = "support@support.example"
    email["Subject"] = f"Re: [{ticket.number}] Second price list"
    email["Message-ID"] = "<unproven@volga.example>"
    email.set_content("Found it, thanks.")
    message = mail.ingest_message(bytes(email), "import", answer_unknown_senders=False).message
    assert message.status == InboundMessage.Status.QUARANTINED
    client = signed_in(personas.agent)
    page = client.get(f"/desk/quarantine/{message.pk}/").content.decode()
    assert f"Accept as a comment on {ticket.number}" in page
    for who in ("member", "outsider"):
        url = f"/desk/quarantine/{message.pk}/accept/"
        assert signed_in(getattr(personas, who)).post(url).status_code == 404
    response = client.post(f"/desk/quarantine/{message.pk}/accept/")
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    message.refresh_from_db()
    assert message.result_comment.author == personas.member
    again = client.post(f"/desk/quarantine/{message.pk}/accept/")
    assert again.status_code == 400


@pytest.fixture
def english_after() -> Iterator[None]:
    """A request by a Russian-speaking user leaves Russian active in this thread: reset it."""
    yield
    translation.activate("en")


def test_the_quarantine_actions_read_in_russian(personas: Any, english_after: None) -> None:
    personas.agent.language = "ru"
    personas.agent.save()
    message = quarantined()
    client = signed_in(personas.agent)
    page = client.get(f"/desk/quarantine/{message.pk}/").content.decode()
    assert "Отбросить как спам" in page and "Почему это спам" in page
    assert "— отправитель, если он контакт заказчика —" in page
    listing = client.get("/desk/quarantine/").content.decode()
    assert "Отбросить выбранные как спам" in listing
    refused = client.post(f"/desk/quarantine/{message.pk}/ticket/", {})
    assert "не контакт заказчика" in refused.content.decode()
    client.post(f"/desk/quarantine/{message.pk}/discard/", {"reason": "Реклама"})
    discarded = client.get("/desk/quarantine/?status=discarded").content.decode()
    assert "Отброшено как спам" in discarded and "Реклама" in discarded


# -- navigation ---------------------------------------------------------------------------------


AGENT_LINKS = [
    "/desk/",
    "/desk/dashboard/",
    "/desk/quarantine/",
    "/releases/windows/",
    "/releases/duty/",
    "/releases/",
    "/billing/",
    "/sla/report/",
    "/support/",
]
CUSTOMER_LINKS = [
    "/tickets/",
    "/tickets/new/",
    "/billing/",
    "/sla/report/",
    "/releases/",
    "/support/",
]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(
    ("who", "links"), [("agent", AGENT_LINKS), ("responsible", CUSTOMER_LINKS)]
)
def test_every_header_link_renders_in_the_same_layout(
    personas: Any, who: str, links: list[str], language: str
) -> None:
    user = getattr(personas, who)
    user.language = language
    user.save()
    client = signed_in(user)
    for url in links:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert f'<html lang="{language}">' in page, url
        assert f'href="{url}" aria-current="page"' in page, url  # the header marks the page
        assert 'class="site-header"' in page and 'class="site-footer"' in page, url
