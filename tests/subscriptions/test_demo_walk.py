"""Done when, tried as a new user would: the demo's agent gets an in-app notification and one
email when a customer files a High incident, and another when the customer replies."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from secondline.accounts.models import User
from secondline.demo.data import load_demo
from secondline.mail import notify
from secondline.mail.models import Notification
from secondline.subscriptions.models import Notice
from secondline.tickets import services
from secondline.tickets.choices import Priority
from tests.factories import incident_draft


def test_the_demo_agent_hears_of_a_high_incident_and_of_the_reply(
    db, client, settings, sent
) -> None:
    load_demo()
    # the demo's own emails waited for a commit that a test never makes: count them delivered
    Notification.objects.update(status=Notification.Status.SENT)
    settings.NOTIFY_BATCH_SECONDS = 60  # the default: emails wait a minute for more changes
    agent = User.objects.get(username="agent")
    customer = User.objects.get(username="member")
    Notice.objects.filter(recipient=agent).update(read_at=timezone.now())
    mail.outbox.clear()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        draft = incident_draft(subject="Отгрузки не проводятся", requested_priority=Priority.HIGH)
        with sent():
            ticket = services.file_ticket(customer, draft)
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
        [filed] = [m for m in mail.outbox if m.to == [agent.email]]
        assert filed.subject == f"[{ticket.number}] New ticket (High): Отгрузки не проводятся"
        mail.outbox.clear()
        clock.shift(dt.timedelta(minutes=5))
        with sent():
            services.add_comment(ticket, customer, "Логи во вложении.")
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
        [reply] = [m for m in mail.outbox if m.to == [agent.email]]
    assert "Логи во вложении." in reply.body
    unread = Notice.objects.filter(recipient=agent, read_at__isnull=True)
    assert [(n.kind, n.ticket_id) for n in unread] == [
        (Notice.Kind.CUSTOMER_REPLY, ticket.pk),
        (Notice.Kind.NEW_TICKET, ticket.pk),
    ]
    client.force_login(agent)
    desk = client.get(reverse("subscriptions:list")).content.decode()
    assert ">2</span>" in desk and "Отгрузки не проводятся" in desk
