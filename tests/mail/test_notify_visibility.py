"""A person who can no longer see a ticket hears nothing more about it: a requester or watcher
moved to another organisation is left out when the emails are queued, and an email queued
before the move is not sent (``can_see_ticket``, tickets/access.py)."""

from __future__ import annotations

from django.core import mail

from secondline.mail import tasks
from secondline.mail.models import Notification
from secondline.tickets import services, watchers
from secondline.tickets.models import TicketEvent
from tests.factories import file_ticket

Status = Notification.Status
Kind = TicketEvent.Kind
SECRET = "the fix for Volga's warehouse"


def _move(person, organization) -> None:
    """An administrator moves the person to another organisation (the admin's plain save)."""
    person.organization = organization
    person.save()


def test_it_leaves_a_watcher_who_moved_away_out_of_the_emails(
    personas, agent, member, responsible, sent
) -> None:
    ticket = file_ticket(responsible)
    watchers.add_watcher(ticket, responsible, member)
    _move(member, personas.other_customer)
    mail.outbox.clear()
    with sent():
        services.add_comment(ticket, agent, f"Here is {SECRET}.")
    assert not Notification.objects.filter(ticket=ticket, recipient=member).exists()
    assert not [m for m in mail.outbox if member.email in m.to]
    # the colleague who stayed still hears about it, as does nobody else
    told = [m for m in mail.outbox if responsible.email in m.to]
    assert told and SECRET in told[0].body


def test_it_leaves_a_requester_who_moved_away_out_of_the_emails(
    personas, agent, member, sent
) -> None:
    ticket = file_ticket(member)
    _move(member, personas.other_customer)
    with sent():
        services.add_comment(ticket, agent, f"Here is {SECRET}.")
    # the acknowledgment of the filing, and nothing since the move
    kinds = Notification.objects.filter(ticket=ticket, recipient=member).values_list("kind")
    assert list(kinds) == [(Kind.CREATED,)]


def test_staff_keep_hearing_about_every_customers_ticket(member, agent, manager, sent) -> None:
    ticket = file_ticket(member)
    watchers.add_watcher(ticket, agent, manager)
    mail.outbox.clear()
    with sent():
        services.add_comment(ticket, agent, f"Here is {SECRET}.")
    assert [m for m in mail.outbox if manager.email in m.to]


def test_an_email_queued_before_the_move_is_not_sent(personas, agent, member, responsible) -> None:
    ticket = file_ticket(responsible)
    watchers.add_watcher(ticket, responsible, member)
    # queued while the member still belonged to the ticket's organisation; not delivered yet
    services.add_comment(ticket, agent, f"Here is {SECRET}.")
    queued = Notification.objects.get(ticket=ticket, recipient=member, kind=Kind.COMMENTED)
    _move(member, personas.other_customer)
    mail.outbox.clear()
    counts = tasks.deliver_notifications([queued.pk])
    assert counts["skipped"] == 1 and counts["sent"] == 0
    assert not mail.outbox
    queued.refresh_from_db()
    assert queued.status == Status.SKIPPED
    assert queued.sent_at is None
    assert queued.last_error == tasks.NO_LONGER_SEES


def test_a_deactivated_persons_queued_email_is_not_sent(agent, member, responsible) -> None:
    ticket = file_ticket(responsible)
    watchers.add_watcher(ticket, responsible, member)
    services.add_comment(ticket, agent, f"Here is {SECRET}.")
    queued = Notification.objects.get(ticket=ticket, recipient=member, kind=Kind.COMMENTED)
    member.is_active = False
    member.save()
    tasks.deliver_notifications([queued.pk])
    queued.refresh_from_db()
    assert (queued.status, queued.last_error) == (Status.SKIPPED, tasks.NO_LONGER_SEES)


def test_a_colleague_who_stayed_still_gets_the_email_queued_with_it(
    personas, agent, member, responsible
) -> None:
    ticket = file_ticket(responsible)
    watchers.add_watcher(ticket, responsible, member)
    services.add_comment(ticket, agent, f"Here is {SECRET}.")
    rows = Notification.objects.filter(ticket=ticket, kind=Kind.COMMENTED)
    _move(member, personas.other_customer)
    mail.outbox.clear()
    tasks.deliver_notifications(list(rows.order_by("pk").values_list("pk", flat=True)))
    assert [m.to for m in mail.outbox] == [[responsible.email]]
    assert SECRET in mail.outbox[0].body
    assert rows.get(recipient=responsible).status == Status.SENT


def test_the_send_time_check_asks_the_database_nothing_more(
    personas, agent, member, responsible, django_assert_num_queries
) -> None:
    ticket = file_ticket(responsible)
    watchers.add_watcher(ticket, responsible, member)
    services.add_comment(ticket, agent, f"Here is {SECRET}.")
    queued = Notification.objects.get(ticket=ticket, recipient=member, kind=Kind.COMMENTED)
    _move(member, personas.other_customer)
    # the claim, read with its ticket and recipient, and the one update that skips it
    with django_assert_num_queries(2):
        assert tasks._send(queued.pk) == ("skipped", None)
