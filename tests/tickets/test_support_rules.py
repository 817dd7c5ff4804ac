"""The support rules of the contract, through the service layer every channel uses."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from secondline.accounts.access import AccessDenied, NotAContact
from secondline.accounts.models import Contract, User
from secondline.sla import services as sla
from secondline.tickets import attachments, rules, services, watchers
from secondline.tickets.choices import Channel, Priority, Status, TicketType
from secondline.tickets.models import AppendOnlyError, Ticket, TicketEvent
from tests.factories import UserFactory, consultation_draft, file_ticket, incident_draft

pytestmark = pytest.mark.django_db


def test_it_keeps_the_customers_priority_on_an_incident(member: User) -> None:
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.HIGH))
    assert ticket.priority == Priority.HIGH
    assert not ticket.events.filter(kind=TicketEvent.Kind.PRIORITY_SET).exists()


def test_it_ignores_the_priority_of_a_consultation_and_says_why(member: User) -> None:
    ticket = file_ticket(member, consultation_draft(requested_priority=Priority.URGENT))
    assert ticket.requested_priority == Priority.URGENT
    assert ticket.priority == Priority.NORMAL
    event = ticket.events.get(kind=TicketEvent.Kind.PRIORITY_SET)
    assert event.is_public
    assert "Only incidents" in event.reason
    assert event.old_value == Priority.URGENT and event.new_value == Priority.NORMAL


def test_it_uses_the_plans_default_priority_for_the_type(member: User, personas) -> None:
    plan = personas.contract.sla_plan
    plan.change_request_priority = Priority.LOW
    plan.save()
    draft = consultation_draft(type=TicketType.CHANGE_REQUEST, requested_priority=Priority.HIGH)
    assert file_ticket(member, draft).priority == Priority.LOW


@pytest.mark.parametrize(
    ("ticket_type", "missing"),
    [
        (TicketType.INCIDENT, {"occurred_at", "impact", "steps_to_reproduce"}),
        (TicketType.UPDATE_INSTALLATION, {"target_version", "preferred_windows"}),
    ],
)
def test_it_requires_the_fields_of_each_type(
    member: User, ticket_type: str, missing: set[str]
) -> None:
    draft = services.NewTicket(type=ticket_type, subject="Help", description="Something broke")
    with pytest.raises(ValidationError) as error:
        services.file_ticket(member, draft)
    assert set(error.value.message_dict) == missing


def test_it_refuses_a_naive_occurrence_time(member: User) -> None:
    import datetime as dt

    with pytest.raises(ValidationError) as error:
        file_ticket(member, incident_draft(occurred_at=dt.datetime(2026, 1, 5, 12, 0)))
    assert "occurred_at" in error.value.message_dict


@pytest.mark.parametrize(
    ("occurred_at", "refusal"),
    [
        (dt.datetime(1, 1, 1, tzinfo=ZoneInfo("Europe/Moscow")), "between the years 2000 and 2099"),
        (dt.datetime(9999, 12, 31, tzinfo=dt.UTC), "between the years 2000 and 2099"),
        (dt.datetime(2026, 12, 8, 12, tzinfo=dt.UTC), "in the future"),
    ],
)
def test_an_incident_cannot_have_happened_out_of_our_years_or_in_the_future(
    member: User, occurred_at: dt.datetime, refusal: str
) -> None:
    """The same for every channel, so the portal's form, the API and email agree; year 1 in
    Moscow is year 0 in UTC, which no database time holds."""
    now = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False), pytest.raises(ValidationError) as error:
        file_ticket(member, incident_draft(occurred_at=occurred_at))
    assert refusal in error.value.message_dict["occurred_at"][0]
    assert not Ticket.objects.exists()


def test_it_refuses_a_customer_without_an_active_contract(member: User, personas) -> None:
    Contract.objects.filter(pk=personas.contract.pk).update(status=Contract.Status.TERMINATED)
    with pytest.raises(NotAContact, match="no active support contract"):
        file_ticket(member)


def test_it_refuses_an_expired_contract(member: User, personas) -> None:
    import datetime as dt

    Contract.objects.filter(pk=personas.contract.pk).update(ends_on=dt.date(2020, 12, 31))
    with pytest.raises(NotAContact):
        file_ticket(member)


def test_it_refuses_a_customer_that_named_no_responsible_person(
    member: User, responsible: User
) -> None:
    responsible.role = User.Role.CUSTOMER_MEMBER
    responsible.save()
    with pytest.raises(NotAContact, match="responsible employee"):
        file_ticket(member)


def test_it_refuses_people_who_are_not_customer_contacts(agent: User) -> None:
    with pytest.raises(NotAContact):
        file_ticket(agent)
    loner = UserFactory(organization=None)
    with pytest.raises(NotAContact):
        file_ticket(loner)


def test_it_refuses_another_customers_contract(member: User, personas) -> None:
    with pytest.raises(NotAContact):
        file_ticket(member, incident_draft(contract=personas.other_contract))


def test_a_contractor_changes_priority_with_a_reason(member: User, manager: User, sent) -> None:
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.URGENT))
    mail.outbox.clear()
    with sent():
        services.change_priority(
            ticket, manager, Priority.NORMAL, "One user affected, workaround exists", Channel.API
        )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    event = ticket.events.get(kind=TicketEvent.Kind.PRIORITY_CHANGED)
    assert (event.actor, event.old_value, event.new_value) == (manager, "urgent", "normal")
    assert event.reason == "One user affected, workaround exists" and event.is_public
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "One user affected" in mail.outbox[0].body


def test_a_priority_change_without_a_reason_is_refused(member: User, agent: User) -> None:
    ticket = file_ticket(member)
    with pytest.raises(ValidationError) as error:
        services.change_priority(ticket, agent, Priority.LOW, "  ")
    assert "reason" in error.value.message_dict
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH


def test_a_customer_cannot_change_the_priority(member: User, responsible: User) -> None:
    ticket = file_ticket(member)
    with pytest.raises(AccessDenied):
        services.change_priority(ticket, responsible, Priority.URGENT, "please")


def test_a_priority_change_recomputes_the_reaction_deadline(member: User, agent: User) -> None:
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.LOW))
    low_due = ticket.reaction_due_at if ticket.reaction_due_at else None
    ticket.refresh_from_db()
    low_due = ticket.reaction_due_at
    services.change_priority(ticket, agent, Priority.URGENT, "Production is down")
    ticket.refresh_from_db()
    assert ticket.reaction_due_at is not None and low_due is not None
    assert ticket.reaction_due_at < low_due


def test_a_contractor_declines_with_a_reason_the_customer_sees(member: User, agent: User) -> None:
    ticket = file_ticket(member)
    services.decline_ticket(ticket, agent, "out-of-scope-db-server", "Ask your DBA")
    ticket.refresh_from_db()
    assert ticket.status == Status.DECLINED
    assert ticket.decline_reason.code == "out-of-scope-db-server"
    assert ticket.sla_state == ""
    event = ticket.events.get(kind=TicketEvent.Kind.DECLINED)
    assert event.is_public and "main DB server" in event.reason and "Ask your DBA" in event.reason


def test_declining_needs_a_known_reason(member: User, agent: User) -> None:
    ticket = file_ticket(member)
    with pytest.raises(ValidationError) as error:
        services.decline_ticket(ticket, agent, "because")
    assert "reason" in error.value.message_dict


def test_a_customer_cannot_decline(member: User) -> None:
    ticket = file_ticket(member)
    with pytest.raises(AccessDenied):
        services.decline_ticket(ticket, member, "duplicate")


def test_the_status_lifecycle(member: User, agent: User) -> None:
    ticket = file_ticket(member)
    for status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER):
        ticket = services.change_status(ticket, agent, status)
    services.add_comment(ticket, member, "Here is the log you asked for.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    ticket = services.change_status(ticket, agent, Status.RESOLVED)
    assert ticket.resolved_at is not None
    ticket = services.reopen(ticket, member, reason="Still broken")
    assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None
    ticket = services.change_status(ticket, agent, Status.RESOLVED)
    ticket = services.change_status(ticket, member, Status.CLOSED)
    assert ticket.closed_at is not None


def test_a_customer_cannot_resolve_and_nobody_skips_to_declined(member: User, agent: User) -> None:
    ticket = file_ticket(member)
    with pytest.raises(ValidationError) as refused:
        services.change_status(ticket, member, Status.RESOLVED)
    assert "cannot become" in refused.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as refused:
        services.change_status(ticket, agent, Status.DECLINED)
    assert "with a reason to decline" in refused.value.message_dict["status"][0]


def test_internal_notes_never_reach_customers(member: User, agent: User, sent) -> None:
    ticket = file_ticket(member)
    services.assign(ticket, agent, agent)
    mail.outbox.clear()
    with sent():
        services.add_comment(ticket, agent, "Looks like their DBA broke it", public=False)
        services.add_comment(ticket, member, "Any news?")
    assert [m.to for m in mail.outbox] == [[agent.email]]
    note = services.add_comment(ticket, member, "Customers always write in public", public=False)
    assert note.is_public


def test_the_first_public_answer_is_the_reaction(member: User, agent: User) -> None:
    ticket = file_ticket(member)
    services.add_comment(ticket, agent, "Internal", public=False)
    ticket.refresh_from_db()
    assert ticket.first_reaction_at is None
    services.add_comment(ticket, agent, "We are on it")
    ticket.refresh_from_db()
    assert ticket.first_reaction_at is not None


def test_the_audit_trail_is_append_only(member: User) -> None:
    ticket = file_ticket(member)
    event = ticket.events.first()
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_filing_notifies_the_requester_with_number_and_due_time(member: User, sent) -> None:
    with sent():
        ticket = file_ticket(member)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert ticket.number in message.subject
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Reaction due" in message.body


def test_a_russian_speaker_is_notified_in_russian(personas, sent) -> None:
    personas.member.language = "ru"
    personas.member.save()
    with sent():
        file_ticket(personas.member)
    body = mail.outbox[-1].body
    assert "заявк" in body.lower()
    assert "Инцидент" in body and "Высокий" in body, "type and priority labels in Russian too"


def test_attachments_have_a_size_limit(member: User, settings) -> None:
    from django.core.files.base import ContentFile

    settings.ATTACHMENT_MAX_BYTES = 10
    ticket = file_ticket(member)
    upload = attachments.UploadedFile("big.log", ContentFile(b"x" * 11), 11)
    with pytest.raises(ValidationError) as refused:
        attachments.add_attachment(ticket, member, upload)
    assert "larger than the limit" in refused.value.message_dict["files"][0]
    small = attachments.UploadedFile("small.log", ContentFile(b"x" * 10), 10)
    attachment = attachments.add_attachment(ticket, member, small)
    assert attachment.file.read() == b"x" * 10


def test_a_new_ticket_keeps_only_the_watchers_who_may_watch_it(personas: Any) -> None:
    colleague = UserFactory(organization=personas.customer)
    ticket = file_ticket(personas.member, incident_draft(watchers=[colleague, personas.outsider]))
    assert list(ticket.watchers.all()) == [colleague]  # the outsider may not watch
    watchers.add_watcher(ticket, personas.member, personas.responsible)
    assert set(ticket.watchers.all()) == {colleague, personas.responsible}
    assert set(type(ticket).objects.get(pk=ticket.pk).watchers.all()) == set(ticket.watchers.all())


def test_a_ticket_is_filed_at_the_given_past_moment_and_the_sla_counts_from_it(
    member: User,
) -> None:
    arrived = timezone.now() - dt.timedelta(hours=5)
    ticket = services.file_ticket(member, incident_draft(filed_at=arrived))
    ticket.refresh_from_db()
    assert ticket.created_at == arrived
    due = sla.initial_fields(ticket.contract, ticket.type, ticket.priority, arrived)
    assert ticket.reaction_due_at == due["reaction_due_at"]


@pytest.mark.parametrize("when", ["naive", "future"])
def test_the_filing_time_must_be_an_aware_past_moment(member: User, when: str) -> None:
    now = timezone.now()
    filed_at = now.replace(tzinfo=None) if when == "naive" else now + dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as refused:
        services.file_ticket(member, incident_draft(filed_at=filed_at))
    assert "filed_at" in refused.value.message_dict


def test_a_text_longer_than_a_ticket_holds_is_refused_on_its_field(member: User, agent) -> None:
    """About 40 pages; a longer log belongs in an attachment (the email channel attaches it)."""
    long = "x" * (rules.TEXT_LIMIT + 1)
    with pytest.raises(ValidationError) as refused:
        file_ticket(member, incident_draft(description=long, impact=long))
    assert set(refused.value.message_dict) == {"description", "impact"}
    assert not Ticket.objects.exists()
    ticket = file_ticket(member, incident_draft(description="x" * rules.TEXT_LIMIT))
    with pytest.raises(ValidationError) as refused:
        services.add_comment(ticket, agent, long)
    assert "attach a longer log as a file" in refused.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as refused:
        services.update_ticket(ticket, member, {"steps_to_reproduce": long})
    assert set(refused.value.message_dict) == {"steps_to_reproduce"}
