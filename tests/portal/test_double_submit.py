"""A double click sends a form twice: the form's one-time key (``tickets.submissions``) makes
its ticket, reply or work log once, and the repeat gets the first POST's answer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from secondline.billing.models import WorkLog
from secondline.tickets import submissions
from secondline.tickets.models import Comment, SubmissionKey, Ticket
from tests.factories import consultation_draft, file_ticket, filed_long_ago

pytestmark = pytest.mark.django_db

CONSULTATION = {
    "type": "consultation",
    "subject": "How to set up a price list",
    "description": "Where do we configure a second price list?",
}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def key_in(client: Client, path: str) -> str:
    """The one-time key the page renders into its form."""
    page = client.get(path).content.decode()
    found = re.search(r'name="submission_key" value="([^"]+)"', page)
    assert found, f"no submission key on {path}"
    return found.group(1)


def test_it_files_one_ticket_for_a_form_sent_twice(personas: Any, sent: Any) -> None:
    client = client_for(personas.member)
    form = {**CONSULTATION, "submission_key": key_in(client, "/tickets/new/?type=consultation")}
    with sent():
        first = client.post("/tickets/new/", form, follow=True)
    emails = len(mail.outbox)
    with sent():
        second = client.post("/tickets/new/", form, follow=True)
    ticket = Ticket.objects.get(requester=personas.member)
    assert first.redirect_chain == second.redirect_chain == [(f"/tickets/{ticket.pk}/", 302)]
    message = f"Ticket {ticket.number} is filed."
    assert message in first.content.decode() and message in second.content.decode()
    assert len(mail.outbox) == emails


def test_a_repeated_urgent_incident_goes_to_the_phone_page_again(personas: Any) -> None:
    client = client_for(personas.member)
    form = {
        "type": "incident",
        "requested_priority": "urgent",
        "subject": "Posting fails",
        "description": "Error 500 on Post.",
        "occurred_at": "2026-01-12T10:30",
        "impact": "Warehouse blocked.",
        "steps_to_reproduce": "Open a shipment, press Post.",
        "submission_key": key_in(client, "/tickets/new/?type=incident"),
    }
    answers = [client.post("/tickets/new/", form)["Location"] for _ in range(2)]
    ticket = Ticket.objects.get(requester=personas.member)
    assert answers == [f"/tickets/{ticket.pk}/urgent/"] * 2


def test_another_page_or_no_key_files_again(personas: Any) -> None:
    """Each page has a key of its own; a POST without one (a page from before the upgrade, a
    script) is filed as before."""
    client = client_for(personas.member)
    for _ in range(2):
        key = key_in(client, "/tickets/new/?type=consultation")
        client.post("/tickets/new/", {**CONSULTATION, "submission_key": key})
    client.post("/tickets/new/", CONSULTATION)
    client.post("/tickets/new/", {**CONSULTATION, "submission_key": "not a key"})
    assert Ticket.objects.filter(requester=personas.member).count() == 4


def test_a_refused_attempt_leaves_the_key_unused(personas: Any) -> None:
    client = client_for(personas.member)
    key = key_in(client, "/tickets/new/?type=consultation")
    refused = client.post("/tickets/new/", {**CONSULTATION, "subject": "", "submission_key": key})
    assert refused.status_code == 200 and not SubmissionKey.objects.exists()
    filed = client.post("/tickets/new/", {**CONSULTATION, "submission_key": key})
    assert filed.status_code == 302 and Ticket.objects.filter(requester=personas.member).exists()


def test_it_sends_one_reply_for_a_form_sent_twice(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    client = client_for(personas.member)
    key = key_in(client, f"/tickets/{ticket.pk}/")
    form = {"body": "It fails again since 10:00.", "submission_key": key}
    answers = [client.post(f"/tickets/{ticket.pk}/reply/", form, follow=True) for _ in range(2)]
    assert Comment.objects.filter(ticket=ticket).count() == 1
    for answer in answers:
        assert answer.redirect_chain == [(f"/tickets/{ticket.pk}/", 302)]
        assert "Reply sent." in answer.content.decode()


def test_an_agents_note_sent_twice_is_added_once_with_its_message(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    client = client_for(personas.agent)
    form = {"body": "Checked the logs.", "internal": "on"}
    form["submission_key"] = key_in(client, f"/tickets/{ticket.pk}/")
    for _ in range(2):
        page = client.post(f"/tickets/{ticket.pk}/reply/", form, follow=True).content.decode()
        assert "Internal note added." in page
    assert Comment.objects.filter(ticket=ticket, is_public=False).count() == 1


def test_the_quick_time_entry_sent_twice_logs_the_time_once(personas: Any) -> None:
    ticket = filed_long_ago(file_ticket(personas.member, consultation_draft()))
    client = client_for(personas.agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'hx-sync="this:drop"' in page and 'hx-disabled-elt="find button[type=submit]"' in page
    url = f"/billing/tickets/{ticket.pk}/worklogs/"
    form = {"duration": "45m", "activity": "analysis", "billable": "on"}
    form["submission_key"] = key_in(client, url)
    answers = [client.post(url, form, HTTP_HX_REQUEST="true") for _ in range(2)]
    assert WorkLog.objects.filter(ticket=ticket).count() == 1
    for answer in answers:
        assert answer.status_code == 200
        assert f'id="worklogs-{ticket.pk}"' in answer.content.decode()
    without_htmx = client.post(url, form)
    assert without_htmx.status_code == 302 and without_htmx["Location"] == url
    assert WorkLog.objects.filter(ticket=ticket).count() == 1


def test_a_key_is_one_persons(personas: Any) -> None:
    """The key is recorded with who sent it: another person's POST with it is their own."""
    ticket = file_ticket(personas.member)
    key = key_in(client_for(personas.member), f"/tickets/{ticket.pk}/")
    for person in (personas.member, personas.responsible):
        client_for(person).post(
            f"/tickets/{ticket.pk}/reply/", {"body": "Hi", "submission_key": key}
        )
    assert Comment.objects.filter(ticket=ticket).count() == 2


def test_the_work_and_its_key_are_one_transaction(personas: Any) -> None:
    key = submissions.new_key()

    def fail() -> submissions.Result:
        SubmissionKey.objects.create(user=personas.agent, key="x" * 20, url="/")
        raise ValidationError("refused")

    with pytest.raises(ValidationError):
        submissions.submit_once(personas.agent, key, fail)
    assert not SubmissionKey.objects.exists()


def test_the_second_of_two_racing_posts_is_undone_and_gets_the_first_result(
    personas: Any, monkeypatch: Any
) -> None:
    """Both looked for the key before either had recorded it: the second's record fails on
    the unique key, its work is rolled back and it answers with the first one's result."""
    ticket = file_ticket(personas.member)
    key = submissions.new_key()
    SubmissionKey.objects.create(user=personas.member, key=key, url="/first/", message="Sent.")
    looks = [None]
    real = submissions.earlier
    monkeypatch.setattr(submissions, "earlier", lambda *a: looks.pop() if looks else real(*a))

    def reply() -> submissions.Result:
        Comment.objects.create(ticket=ticket, author=personas.member, body="again")
        return submissions.Result("/second/", "Sent.")

    result, repeated = submissions.submit_once(personas.member, key, reply)
    assert repeated and result == submissions.Result("/first/", "Sent.")
    assert not Comment.objects.filter(ticket=ticket, body="again").exists()


def test_old_keys_are_forgotten_and_deleted(personas: Any) -> None:
    key = submissions.new_key()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)):
        submissions.submit_once(personas.member, key, lambda: submissions.Result("/one/"))
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 1, tzinfo=dt.UTC)):
        result, repeated = submissions.submit_once(
            personas.member, key, lambda: submissions.Result("/two/")
        )
    assert not repeated and result.url == "/two/"
    assert list(SubmissionKey.objects.values_list("url", flat=True)) == ["/two/"]
