"""What agents do with the quarantine: retry, or file for a chosen contact (mail.quarantine)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from secondline.mail import intake, quarantine
from secondline.mail.models import InboundMessage
from secondline.sla import services as sla
from secondline.tickets.choices import Priority, TicketType
from secondline.tickets.models import Comment, TicketEvent
from tests.factories import UserFactory, file_ticket
from tests.mail.conftest import eml
from tests.mail.test_intake import plain

Status = InboundMessage.Status


def test_retry_files_the_ticket_once_the_sender_is_a_contact(personas) -> None:
    outcome = intake.ingest_message(plain("new.person@volga.example"))
    assert outcome.status == Status.QUARANTINED
    UserFactory(email="new.person@volga.example", organization=personas.customer)
    assert quarantine.retry(outcome.message) == Status.TICKET
    assert outcome.message.result_ticket.requester.email == "new.person@volga.example"


def test_an_agent_turns_a_quarantined_message_into_a_ticket(member, agent) -> None:
    outcome = intake.ingest_message(eml("attachments.eml", sender="someone@gmail.example"))
    ticket = quarantine.turn_into_ticket(outcome.message, member, agent, TicketType.INCIDENT)
    outcome.message.refresh_from_db()
    assert outcome.message.status == Status.TICKET
    assert ticket.requester == member and ticket.type == TicketType.INCIDENT
    assert ticket.attachments.count() == 3
    assert ticket.events.filter(kind=TicketEvent.Kind.OTHER, is_public=False).exists()


def test_only_staff_turn_messages_into_tickets(member) -> None:
    from secondline.accounts.access import AccessDenied

    outcome = intake.ingest_message(plain("someone@gmail.example"))
    with pytest.raises(AccessDenied):
        quarantine.turn_into_ticket(outcome.message, member, member)


# -- the quarantine keeps the facts (issue 13, Build 7) ------------------------------------------


def _quarantined_from(sender: str, subject: str = "Price lists") -> InboundMessage:
    message = intake.ingest_message(plain(sender, subject=subject)).message
    assert message.status == Status.QUARANTINED
    return message


def test_the_ticket_is_filed_at_the_emails_arrival_and_the_sla_counts_from_it(
    member, agent
) -> None:
    with time_machine.travel(dt.datetime(2025, 12, 2, 9, 30, tzinfo=dt.UTC), tick=False):
        message = _quarantined_from("someone@gmail.example", "[Incident][High] Orders stuck")
    arrived = message.received_at
    with time_machine.travel(dt.datetime(2025, 12, 3, 14, 0, tzinfo=dt.UTC), tick=False):
        ticket = quarantine.turn_into_ticket(message, member, agent)
    ticket.refresh_from_db()
    assert ticket.created_at == arrived
    expected = sla.initial_fields(ticket.contract, ticket.type, ticket.priority, arrived)
    assert ticket.reaction_due_at == expected["reaction_due_at"]
    assert ticket.reaction_due_at < dt.datetime(2025, 12, 3, 14, 0, tzinfo=dt.UTC)


def test_a_retried_message_keeps_its_arrival_too(personas) -> None:
    with time_machine.travel(dt.datetime(2025, 12, 2, 9, 30, tzinfo=dt.UTC), tick=False):
        message = _quarantined_from("late@volga.example")
    UserFactory(email="late@volga.example", organization=personas.customer)
    with time_machine.travel(dt.datetime(2025, 12, 4, 9, 30, tzinfo=dt.UTC), tick=False):
        assert quarantine.retry(message) == Status.TICKET
    message.refresh_from_db()
    assert message.result_ticket.created_at == message.received_at


def test_the_sender_is_the_requester_when_they_are_a_contact(personas, agent) -> None:
    message = _quarantined_from("late@volga.example")
    late = UserFactory(email="Late@Volga.example", organization=personas.customer)
    ticket = quarantine.turn_into_ticket(message, None, agent)
    assert ticket.requester == late


def test_a_sender_who_is_no_contact_needs_a_chosen_one(agent) -> None:
    message = _quarantined_from("someone@gmail.example")
    with pytest.raises(ValidationError) as refused:
        quarantine.turn_into_ticket(message, None, agent)
    assert "contact" in refused.value.message_dict
    message.refresh_from_db()
    assert message.status == Status.QUARANTINED


def test_a_staff_sender_is_not_taken_as_the_requester(agent) -> None:
    message = _quarantined_from(agent.email)
    with pytest.raises(ValidationError) as refused:
        quarantine.turn_into_ticket(message, None, agent)
    assert "not a customer contact" in refused.value.message_dict["contact"][0]


@pytest.mark.parametrize(
    ("subject", "chosen", "ticket_type", "priority", "set_by_plan"),
    [
        ("[Incident][High] Orders stuck", "", TicketType.INCIDENT, Priority.HIGH, False),
        ("[Инцидент][Низкий] Отгрузка", "", TicketType.INCIDENT, Priority.LOW, False),
        # Only an incident keeps the asked priority: a consultation gets the plan's.
        ("[Question][Urgent] How to", "", TicketType.CONSULTATION, None, True),
        # The agent's type wins over the tag; the priority tag still counts, under the rules.
        ("[Question][High] Orders stuck", TicketType.INCIDENT, TicketType.INCIDENT, "high", False),
    ],
)
def test_the_tags_choose_type_and_priority_under_the_priority_rules(
    member, agent, subject, chosen, ticket_type, priority, set_by_plan
) -> None:
    message = _quarantined_from("someone@gmail.example", subject)
    ticket = quarantine.turn_into_ticket(message, member, agent, chosen)
    assert ticket.type == ticket_type
    plan_default = ticket.contract.sla_plan.default_priority_for(ticket.type)
    assert ticket.priority == (priority or plan_default)
    assert ticket.events.filter(kind=TicketEvent.Kind.PRIORITY_SET).exists() == set_by_plan
    assert "[" not in ticket.subject


# -- discarding spam ----------------------------------------------------------------------------


def test_spam_is_discarded_with_who_when_and_why(member, agent) -> None:
    message = _quarantined_from("offers@spam.example")
    with time_machine.travel(dt.datetime(2025, 12, 3, 14, 0, tzinfo=dt.UTC), tick=False):
        done = quarantine.discard([message], agent, "  Advertising,\n cheap pills ")
    assert [m.pk for m in done] == [message.pk]
    message.refresh_from_db()
    assert message.status == Status.DISCARDED and message.is_final()
    assert message.discarded_by == agent
    assert message.discarded_at == dt.datetime(2025, 12, 3, 14, 0, tzinfo=dt.UTC)
    assert message.discard_reason == "Advertising, cheap pills"
    assert bytes(message.raw).startswith(b"From: offers@spam.example")  # kept
    assert "not a known contact" in message.error  # why it was quarantined stays too
    with pytest.raises(ValidationError, match="not filed can be retried"):
        quarantine.retry(message)
    with pytest.raises(ValidationError, match="not filed can become tickets"):
        quarantine.turn_into_ticket(message, member, agent)


def test_discarding_needs_a_reason_and_staff(agent, member) -> None:
    from secondline.accounts.access import AccessDenied

    message = _quarantined_from("offers@spam.example")
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(ValidationError) as refused:
            quarantine.discard([message], agent, reason)
        assert "reason" in refused.value.message_dict
    with pytest.raises(AccessDenied):
        quarantine.discard([message], member, "spam")
    message.refresh_from_db()
    assert message.status == Status.QUARANTINED


def test_bulk_discard_leaves_filed_messages_alone(member, agent) -> None:
    spam = [_quarantined_from(f"offers{i}@spam.example", f"Offer {i}") for i in range(3)]
    filed = intake.ingest_message(plain(member.email)).message
    assert filed.status == Status.TICKET
    done = quarantine.discard([*spam, filed], agent, "Advertising")
    assert sorted(m.pk for m in done) == sorted(m.pk for m in spam)
    filed.refresh_from_db()
    assert filed.status == Status.TICKET and filed.discarded_at is None


def test_discarded_raw_bytes_follow_the_retention_period(agent, settings) -> None:
    from secondline.privacy.retention import apply_retention

    settings.RAW_EMAIL_RETENTION_DAYS = 30
    message = _quarantined_from("offers@spam.example")
    quarantine.discard([message], agent, "Advertising")
    apply_retention(timezone.now() + dt.timedelta(days=10))
    message.refresh_from_db()
    assert bytes(message.raw) != b""
    apply_retention(timezone.now() + dt.timedelta(days=31))
    message.refresh_from_db()
    assert bytes(message.raw) == b"" and message.discard_reason == "Advertising"


# -- accept as this sender (issue 16, Build 1) ---------------------------------------------------


def _unproven_reply(sender: str, ticket) -> InboundMessage:
    raw = plain(sender, subject=f"Re: [{ticket.number}] Price lists", body="It works now.")
    message = intake.ingest_message(raw).message
    assert message.status == Status.QUARANTINED
    return message


def test_an_agent_accepts_an_unproven_customer_reply_as_its_senders(member, agent) -> None:
    ticket = file_ticket(member)
    message = _unproven_reply(member.email, ticket)
    assert "only by its subject" in message.error
    comment = quarantine.accept_as_sender(message, agent)
    message.refresh_from_db()
    assert message.status == Status.COMMENT and message.result_comment == comment
    assert comment.ticket == ticket and comment.author == member and comment.is_public
    assert comment.body.startswith("It works now.")
    audit = ticket.events.get(field="sender_proof")
    assert audit.actor == agent and not audit.is_public
    assert agent.get_full_name() in audit.shown_reason and f"#{message.pk}" in audit.shown_reason
    with pytest.raises(ValidationError, match="Only a quarantined reply"):  # once only
        quarantine.accept_as_sender(message, agent)


def test_an_agent_accepts_a_colleagues_unproven_reply(member, agent, manager) -> None:
    ticket = file_ticket(member)
    message = _unproven_reply(manager.email, ticket)
    assert quarantine.accept_as_sender(message, agent).author == manager


def test_it_is_refused_when_the_sender_may_not_see_the_ticket(member, outsider, agent) -> None:
    ticket = file_ticket(member)
    message = _unproven_reply(outsider.email, ticket)
    with pytest.raises(ValidationError, match="may not write"):
        quarantine.accept_as_sender(message, agent)
    message.refresh_from_db()
    assert message.status == Status.QUARANTINED
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_it_is_refused_without_a_named_ticket_or_to_a_customer(member, agent) -> None:
    from secondline.accounts.access import AccessDenied

    stranger = _quarantined_from("someone@gmail.example")
    with pytest.raises(ValidationError, match="names no ticket"):
        quarantine.accept_as_sender(stranger, agent)
    message = _unproven_reply(member.email, file_ticket(member))
    with pytest.raises(AccessDenied):
        quarantine.accept_as_sender(message, member)
    message.refresh_from_db()
    assert message.status == Status.QUARANTINED
