"""The team hears: new tickets, customer replies, reopenings, SLA warnings and mentions reach
the staff who follow them, in the desk's list and by email in their own language."""

from __future__ import annotations

from django.core import mail

from secondline.sla import services as sla
from secondline.subscriptions.models import AccountEngineer, Notice, Subscription
from secondline.tickets import services
from secondline.tickets.choices import Status
from tests.factories import file_ticket, incident_draft
from tests.subscriptions.conftest import follow_all_new

Kind = Notice.Kind


def emails_to(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


def notices_of(person) -> list[tuple[str, int]]:
    return [(n.kind, n.ticket_id) for n in Notice.objects.filter(recipient=person)]


def test_the_demo_walk_the_agent_hears_of_a_high_incident_and_of_the_reply(
    agent, member, sent
) -> None:
    follow_all_new(agent)
    with sent():
        ticket = file_ticket(member, incident_draft(subject="Report 'Stock by region' fails"))
    assert notices_of(agent) == [(Kind.NEW_TICKET, ticket.pk)]
    [filed] = emails_to(agent)
    assert filed.subject == f"[{ticket.number}] New ticket (High): Report 'Stock by region' fails"
    assert f"New ticket {ticket.number} from {member} (Volga Logistics)." in filed.body
    mail.outbox.clear()
    with sent():
        services.add_comment(ticket, member, "Here are the logs.")
    assert sorted(notices_of(agent)) == sorted(
        [(Kind.NEW_TICKET, ticket.pk), (Kind.CUSTOMER_REPLY, ticket.pk)]
    )
    [reply] = emails_to(agent)
    assert reply.subject.startswith(f"[{ticket.number}] Customer replied:")
    assert "Here are the logs." in reply.body


def test_staff_hear_in_their_own_language(engineer, member, sent) -> None:
    follow_all_new(engineer)
    with sent():
        ticket = file_ticket(member)
    [message] = emails_to(engineer)
    assert message.subject.startswith(f"[{ticket.number}] Новая заявка (Высокий):")
    assert f"Новая заявка {ticket.number} от" in message.body


def test_nobody_follows_all_new_tickets_unless_they_choose_to(agent, member, sent) -> None:
    with sent():
        file_ticket(member)
    assert notices_of(agent) == [] and emails_to(agent) == []


def test_my_tickets_the_assignee_hears_replies_and_reopenings(agent, manager, member, sent) -> None:
    ticket = file_ticket(member)
    services.assign(ticket, manager, agent)
    services.change_status(ticket, agent, Status.RESOLVED)
    Notice.objects.all().delete()
    with sent():
        services.reopen(ticket, member, reason="Still broken.")
    assert notices_of(agent) == [(Kind.REOPENED, ticket.pk)]
    assert notices_of(manager) == []
    with sent():
        services.add_comment(ticket, member, "It fails again.")
    assert (Kind.CUSTOMER_REPLY, ticket.pk) in notices_of(agent)
    Subscription.objects.create(person=agent, my_tickets=False)
    with sent():
        services.add_comment(ticket, member, "Anyone?")
    assert notices_of(agent).count((Kind.CUSTOMER_REPLY, ticket.pk)) == 1


def test_my_customers_and_an_organisation_are_followed(personas, engineer, sent) -> None:
    AccountEngineer.objects.create(customer=personas.customer, engineer=personas.agent)
    Subscription.objects.create(person=engineer).organizations.add(personas.other_customer)
    with sent():
        ours = file_ticket(personas.member)
        theirs = file_ticket(personas.outsider)
    assert notices_of(personas.agent) == [(Kind.NEW_TICKET, ours.pk)]
    assert notices_of(engineer) == [(Kind.NEW_TICKET, theirs.pk)]


def test_a_mention_in_an_internal_note_tells_the_colleague(agent, engineer, member, sent) -> None:
    ticket = file_ticket(member)
    mail.outbox.clear()
    with sent():
        services.add_comment(ticket, agent, "@engineer look? @agent @nobody", public=False)
    assert notices_of(engineer) == [(Kind.MENTION, ticket.pk)]
    assert notices_of(agent) == []  # the author is never told of their own words
    [message] = emails_to(engineer)
    assert "@engineer look?" in message.body
    assert emails_to(member) == []  # the note stays internal


def test_a_customer_cannot_summon_staff_by_mention(agent, member, sent) -> None:
    ticket = file_ticket(member)
    with sent():
        services.add_comment(ticket, member, "@agent please hurry")
    assert notices_of(agent) == []


def test_an_sla_warning_reaches_the_assignee_once_by_email(agent, manager, member, sent) -> None:
    ticket = file_ticket(member)
    ticket = services.assign(ticket, manager, agent)
    Notice.objects.all().delete()
    mail.outbox.clear()
    with sent():
        sla.advance(ticket, ticket.sla_state, "at_risk")
    assert notices_of(agent) == [(Kind.SLA_AT_RISK, ticket.pk)]
    assert len(emails_to(agent)) == 1  # the SLA alert; the subscription adds no copy


def test_the_person_who_acts_is_not_told(agent, member, sent) -> None:
    follow_all_new(agent)
    Subscription.objects.filter(person=agent).update(all_new=True)
    ticket = file_ticket(member)
    services.change_status(ticket, agent, Status.RESOLVED)
    Notice.objects.all().delete()
    services.reopen(ticket, agent)
    assert notices_of(agent) == []


def test_who_hears_is_read_again_after_each_change_to_the_staff(
    agent, manager, member, sent, django_assert_num_queries
) -> None:
    """The staff and their subscriptions are cached (``subscriptions.staff``); following a
    customer, becoming its account engineer or leaving is heard at the next ticket."""
    from secondline.subscriptions.staff import active_staff

    file_ticket(member)
    with django_assert_num_queries(0):
        active_staff()
    with sent():
        subscription = Subscription.objects.create(person=agent, all_new=False)
        subscription.organizations.add(member.organization)
        first = file_ticket(member)
    assert notices_of(agent) == [(Kind.NEW_TICKET, first.pk)]
    subscription.organizations.clear()
    with sent():
        AccountEngineer.objects.create(customer=member.organization, engineer=manager)
        Subscription.objects.create(person=manager, my_customers=True, all_new=False)
        second = file_ticket(member)
    assert notices_of(agent) == [(Kind.NEW_TICKET, first.pk)]
    assert notices_of(manager) == [(Kind.NEW_TICKET, second.pk)]
    manager.is_active = False
    manager.save()
    with sent():
        file_ticket(member)
    assert notices_of(manager) == [(Kind.NEW_TICKET, second.pk)]
