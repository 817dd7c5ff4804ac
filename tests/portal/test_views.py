"""The portal's pages through Django's test client: access, the support rules as people see
them, and query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from secondline.tickets import attachments, services
from secondline.tickets.choices import Priority, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import consultation_draft, file_ticket, incident_draft

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def incident_form(**overrides: str) -> dict[str, str]:
    data = {
        "type": TicketType.INCIDENT,
        "requested_priority": Priority.HIGH,
        "subject": "Posting fails",
        "description": "Error 500 on Post.",
        "occurred_at": "2026-01-12T10:30",
        "impact": "Warehouse blocked.",
        "steps_to_reproduce": "Open a shipment, press Post.",
    }
    data.update(overrides)
    return data


# -- access ------------------------------------------------------------------------------------


def test_it_shows_an_outsider_404_for_another_organisations_ticket(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    outsider = client_for(personas.outsider)
    assert outsider.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert outsider.get(f"/tickets/{ticket.pk}/urgent/").status_code == 404
    assert outsider.post(f"/tickets/{ticket.pk}/reply/", {"body": "hi"}).status_code == 404
    assert outsider.post(f"/tickets/{ticket.pk}/status/", {"status": "closed"}).status_code == 404
    assert ticket.comments.count() == 0


def test_it_lists_only_the_own_organisations_tickets(personas: Any) -> None:
    mine = file_ticket(personas.member, incident_draft(subject="Ours is broken"))
    file_ticket(personas.outsider_responsible, incident_draft(subject="Theirs is broken"))
    page = client_for(personas.responsible).get("/tickets/").content.decode()
    assert mine.number in page and "Ours is broken" in page
    assert "Theirs is broken" not in page


def test_it_never_shows_a_customer_internal_notes(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    services.add_comment(ticket, personas.agent, "The customer's DBA broke it", public=False)
    services.add_comment(ticket, personas.agent, "We are on it.")
    attachments.add_attachment(
        ticket,
        personas.agent,
        attachments.UploadedFile("internal-trace.log", SimpleUploadedFile("x", b"x"), 1),
        public=False,
    )
    customer_page = client_for(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "We are on it." in customer_page
    assert "DBA broke it" not in customer_page
    assert "internal-trace.log" not in customer_page
    agent_page = client_for(personas.agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "DBA broke it" in agent_page and "internal-trace.log" in agent_page


def test_it_refuses_a_customer_the_internal_attachment_download(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    attachment = attachments.add_attachment(
        ticket,
        personas.agent,
        attachments.UploadedFile("trace.log", SimpleUploadedFile("x", b"secret"), 6),
        public=False,
    )
    url = f"/tickets/{ticket.pk}/files/{attachment.pk}/"
    assert client_for(personas.member).get(url).status_code == 404
    response = client_for(personas.agent).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"secret"


def test_it_keeps_customers_out_of_the_desk_and_its_actions(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    customer = client_for(personas.member)
    assert customer.get("/desk/").status_code == 302
    assert customer.get("/desk/dashboard/").status_code == 302
    response = customer.post(
        f"/tickets/{ticket.pk}/priority/", {"priority": "urgent", "reason": "I want it"}
    )
    assert response.status_code == 404  # a staff form is not there for a customer
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH


def test_it_sends_anonymous_visitors_to_sign_in() -> None:
    response = Client().get("/tickets/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Client().get("/desk/")["Location"].startswith("/login/")


def test_it_reloads_the_desk_when_a_polled_session_has_expired(db: Any) -> None:
    response = Client().get("/desk/counts/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/")


# -- filing ----------------------------------------------------------------------------------


def test_it_files_an_incident_with_its_priority(personas: Any) -> None:
    upload = SimpleUploadedFile("screen.png", b"\x89PNG...", content_type="image/png")
    response = client_for(personas.member).post(
        "/tickets/new/", {**incident_form(), "attachments": [upload]}
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.priority == Priority.HIGH and ticket.channel == "web"
    assert ticket.attachments.get().filename == "screen.png"


def test_it_sends_an_urgent_incident_to_the_phone_page(personas: Any, settings: Any) -> None:
    settings.SUPPORT_PHONE = "+7 495 123-45-67"
    client = client_for(personas.member)
    response = client.post("/tickets/new/", incident_form(requested_priority=Priority.URGENT))
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/tickets/{ticket.pk}/urgent/"
    page = client.get(response["Location"]).content.decode()
    assert "+7 495 123-45-67" in page and ticket.number in page


def test_it_offers_no_priority_for_a_consultation(personas: Any) -> None:
    client = client_for(personas.member)
    fields = client.get("/tickets/new/fields/?type=consultation").content.decode()
    assert 'name="requested_priority"' not in fields
    assert "occurred_at" not in fields
    incident = client.get("/tickets/new/fields/?type=incident").content.decode()
    assert 'name="requested_priority"' in incident and 'name="impact"' in incident


def test_it_ignores_a_priority_sent_with_a_consultation(personas: Any) -> None:
    client_for(personas.member).post(
        "/tickets/new/",
        {
            "type": "consultation",
            "requested_priority": "urgent",
            "subject": "Q",
            "description": "?",
        },
    )
    ticket = Ticket.objects.get()
    assert ticket.type == TicketType.CONSULTATION and ticket.priority == Priority.NORMAL


def test_it_keeps_the_customers_choices_when_validation_fails(personas: Any) -> None:
    response = client_for(personas.member).post(
        "/tickets/new/", incident_form(impact="", subject="Keep this subject")
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert 'value="Keep this subject"' in page
    assert 'value="incident" checked' in page and 'value="high" checked' in page
    assert "Impact" in page and "errorlist" in page


def test_a_time_of_no_year_of_ours_is_a_message_on_its_field(personas: Any) -> None:
    """Year 1 in Moscow is year 0 in UTC: filing it was a 500 that lost the whole form."""
    response = client_for(personas.member).post(
        "/tickets/new/", incident_form(occurred_at="0001-01-01T00:00", subject="Keep this")
    )
    assert not Ticket.objects.exists()
    form = response.context["form"]
    assert "between the years 2000 and 2099" in form.errors["occurred_at"][0]
    assert 'value="Keep this"' in response.content.decode()


def test_it_explains_why_a_contact_cannot_file(personas: Any) -> None:
    personas.responsible.role = personas.member.role
    personas.responsible.save()
    response = client_for(personas.member).get("/tickets/new/")
    assert response.status_code == 403
    assert "responsible employee" in response.content.decode()


# -- the ticket page ---------------------------------------------------------------------------


def test_it_shows_the_customer_why_the_priority_changed(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    agent = client_for(personas.agent)
    refused = agent.post(f"/tickets/{ticket.pk}/priority/", {"priority": "low", "reason": ""})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    agent.post(
        f"/tickets/{ticket.pk}/priority/",
        {"priority": "low", "reason": "Only one report is affected."},
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.LOW
    page = client_for(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Priority changed from High to Low" in page
    assert "Only one report is affected." in page


def test_it_tells_the_customer_why_a_non_incident_got_its_priority(personas: Any) -> None:
    ticket = file_ticket(personas.member, consultation_draft(requested_priority="urgent"))
    page = client_for(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Only incidents carry the priority you choose" in page


def test_it_declines_with_a_reason_the_customer_reads_in_russian(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    agent = client_for(personas.agent)
    refused = agent.post(f"/tickets/{ticket.pk}/decline/", {"reason": "", "note": ""})
    assert "errorlist" in refused.content.decode()
    agent.post(
        f"/tickets/{ticket.pk}/decline/",
        {"reason": "out-of-scope-db-server", "note": "Ask your DBA."},
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.DECLINED
    personas.member.language = "ru"
    personas.member.save()
    page = client_for(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Вне рамок поддержки: диагностика" in page and "Ask your DBA." in page


def test_it_offers_no_reply_on_a_closed_ticket_but_says_what_to_do(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    services.change_status(ticket, personas.member, Status.CLOSED)
    page = client_for(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'action="/tickets/{ticket.pk}/reply/"' not in page
    assert "This ticket is closed" in page


def test_a_reply_posted_anyway_to_a_closed_or_declined_ticket_is_refused(personas: Any) -> None:
    """The page offers no reply box there; a direct POST is refused by the same rule, and the
    contractor's staff may still add a note."""
    closed, declined = file_ticket(personas.member), file_ticket(personas.member)
    services.change_status(closed, personas.member, Status.CLOSED)
    services.decline_ticket(declined, personas.agent, "duplicate", "See SL-1.")
    for ticket, said in ((closed, "This ticket is closed"), (declined, "was declined")):
        for who in (personas.member, personas.responsible):
            client = client_for(who)
            client.post(f"/tickets/{ticket.pk}/reply/", {"body": "Still broken"})
            page = client.get(f"/tickets/{ticket.pk}/").content.decode()
            assert said in page
        assert not ticket.comments.exists()
    client_for(personas.agent).post(
        f"/tickets/{closed.pk}/reply/", {"body": "Root cause found later", "internal": "on"}
    )
    assert closed.comments.get().body == "Root cause found later"


def test_it_says_a_declined_ticket_is_outside_the_reaction_times(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    services.decline_ticket(ticket, personas.agent, "duplicate", "See SL-1.")
    page = client_for(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "does not count against the reaction times" in page
    assert "Duplicate: See SL-1." in page


def test_it_separates_public_replies_from_internal_notes(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    agent = client_for(personas.agent)
    agent.post(f"/tickets/{ticket.pk}/reply/", {"body": "Note to self", "internal": "on"})
    agent.post(f"/tickets/{ticket.pk}/reply/", {"body": "Hello", "internal": ""})
    assert list(ticket.comments.values_list("body", "is_public")) == [
        ("Note to self", False),
        ("Hello", True),
    ]


def test_it_lets_a_customer_close_and_reopen(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    services.change_status(ticket, personas.agent, Status.RESOLVED)
    customer = client_for(personas.member)
    customer.post(f"/tickets/{ticket.pk}/status/", {"status": "in_progress"})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    customer.post(f"/tickets/{ticket.pk}/status/", {"status": "closed"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_it_assigns_and_adds_watchers(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    agent = client_for(personas.agent)
    agent.post(f"/tickets/{ticket.pk}/assign/", {"assignee": "me"})
    agent.post(f"/tickets/{ticket.pk}/watchers/", {"watcher": personas.responsible.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent
    assert list(ticket.watchers.all()) == [personas.responsible]
    refused = client_for(personas.member).post(
        f"/tickets/{ticket.pk}/watchers/", {"watcher": personas.agent.pk}
    )
    assert "errorlist" in refused.content.decode()


# -- the desk ----------------------------------------------------------------------------------


def test_it_does_not_grow_the_queue_pages_queries_with_the_tickets(personas: Any) -> None:
    agent = client_for(personas.agent)
    file_ticket(personas.member)
    agent.get("/desk/?queue=all")  # warm the caches (sessions, content types)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert agent.get("/desk/?queue=all").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(12):
        file_ticket(personas.member)
        file_ticket(personas.outsider_responsible)
    assert queries() == few


def test_it_counts_the_queues(personas: Any) -> None:
    first = file_ticket(personas.member)
    file_ticket(personas.member)
    services.assign(first, personas.agent, personas.agent)
    page = client_for(personas.agent).get("/desk/counts/").content.decode()
    assert 'data-queue="mine">1<' in page and 'data-queue="unassigned">1<' in page
    assert 'hx-trigger="every 30s"' in page


def test_it_sorts_the_queue_by_reaction_due_time(personas: Any) -> None:
    low = file_ticket(personas.member, incident_draft(requested_priority="low", subject="LOWONE"))
    urgent = file_ticket(
        personas.member, incident_draft(requested_priority="urgent", subject="URGENTONE")
    )
    page = client_for(personas.agent).get("/desk/?queue=all").content.decode()
    assert page.index(urgent.subject) < page.index(low.subject)


def test_it_reports_per_ticket_errors_of_a_bulk_change(personas: Any) -> None:
    movable = file_ticket(personas.member)
    closed = file_ticket(personas.member)
    services.change_status(closed, personas.member, Status.CLOSED)
    response = client_for(personas.agent).post(
        "/desk/bulk/",
        {"tickets": [movable.pk, closed.pk], "action": "status", "status": "accepted"},
        follow=True,
    )
    page = response.content.decode()
    assert f"Changed: {movable.number}" in page
    assert f"{closed.number} was not changed" in page
    movable.refresh_from_db()
    closed.refresh_from_db()
    assert (movable.status, closed.status) == (Status.ACCEPTED, Status.CLOSED)


def test_it_returns_from_a_bulk_change_only_to_this_site(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    response = client_for(personas.agent).post(
        "/desk/bulk/",
        {"tickets": [ticket.pk], "action": "assign", "assignee": "", "next": "//evil.example/"},
    )
    assert response["Location"] == "/desk/"


def test_it_bulk_assigns(personas: Any) -> None:
    tickets = [file_ticket(personas.member) for _ in range(3)]
    client_for(personas.agent).post(
        "/desk/bulk/",
        {"tickets": [t.pk for t in tickets], "action": "assign", "assignee": personas.manager.pk},
    )
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {personas.manager.pk}
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED).count() == 3


def test_it_filters_and_searches(personas: Any) -> None:
    printer = file_ticket(personas.member, incident_draft(subject="Printer queue stuck"))
    file_ticket(personas.member, consultation_draft(subject="Price lists"))
    customer = client_for(personas.member)
    page = customer.get("/tickets/?q=printer").content.decode()
    assert "Printer queue stuck" in page and "Price lists" not in page
    page = customer.get(f"/tickets/?q={printer.number}").content.decode()
    assert "Printer queue stuck" in page and "Price lists" not in page
    page = customer.get("/tickets/?type=consultation&sort=due").content.decode()
    assert "Price lists" in page and "Printer queue stuck" not in page


def test_it_shows_the_dashboard(personas: Any) -> None:
    file_ticket(personas.member)
    page = client_for(personas.manager).get("/desk/dashboard/").content.decode()
    assert "<svg" in page and "Today" in page


# -- how support works, language, password -----------------------------------------------------


def test_it_explains_how_support_works(personas: Any, settings: Any) -> None:
    settings.SUPPORT_EMAIL = "help@vendor.example"
    page = client_for(personas.member).get("/support/").content.decode()
    for text in (
        "10:00–19:00",
        "1 business hour",
        "2 business days",
        "main database server",
        "[Incident][High]",
        "help@vendor.example",
        "2×",
    ):
        assert text in page, text


def test_it_switches_the_language_of_a_signed_in_user(personas: Any) -> None:
    client = client_for(personas.member)
    response = client.post("/language/", {"language": "ru", "next": "/tickets/"})
    assert response["Location"] == "/tickets/"
    personas.member.refresh_from_db()
    assert personas.member.language == "ru"
    assert "Наши заявки" in client.get("/tickets/").content.decode()


def test_it_switches_the_language_of_a_visitor_by_cookie() -> None:
    client = Client()
    client.post("/language/", {"language": "ru", "next": "https://evil.example/"})
    assert client.cookies["django_language"].value == "ru"
    assert "Вход" in client.get("/login/").content.decode()


def test_it_sends_a_password_reset_link(personas: Any) -> None:
    Client().post("/password-reset/", {"email": personas.member.email})
    assert len(mail.outbox) == 1
    assert "/password-reset/" in mail.outbox[0].body


@pytest.mark.parametrize("contract", ["abc", "other"])
def test_a_contract_the_page_does_not_show_is_named_with_its_error(
    personas: Any, contract: str
) -> None:
    """With one contract the field is not on the page: its error is said at the top."""
    value = str(personas.other_contract.pk) if contract == "other" else contract
    response = client_for(personas.member).post(
        "/tickets/new/", incident_form(contract=value, subject="Keep this subject")
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert "please correct the fields marked below" in page
    assert 'name="contract"' not in page
    assert "<li>Contract: Select a valid choice." in page
    assert 'value="Keep this subject"' in page and "Error 500 on Post." in page


def test_a_type_that_is_not_ours_keeps_what_was_typed(personas: Any) -> None:
    response = client_for(personas.member).post(
        "/tickets/new/",
        incident_form(type="nonsense", subject="Keep this subject", description="Keep this text"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert "please correct the fields marked below" in page
    assert "Select a valid choice. nonsense is not one of the available choices." in page
    assert 'value="Keep this subject"' in page and "Keep this text</textarea>" in page


def test_a_value_for_a_field_the_type_does_not_show_is_named_with_its_error(
    personas: Any,
) -> None:
    response = client_for(personas.member).post(
        "/tickets/new/",
        {"type": "consultation", "subject": "Q", "description": "?", "requested_priority": "x"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert "<li>Priority: Select a valid choice." in page and 'value="Q"' in page
