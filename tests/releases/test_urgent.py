"""Urgent incidents reach the engineer on duty, escalate, and show the customer what to do."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import User
from secondline.releases import duty
from secondline.releases.models import (
    AlertWebhook,
    DutyCallout,
    DutyShift,
    PhoneCall,
    UrgentAlert,
)
from secondline.releases.urgent import instructions_for
from secondline.tickets import services as tickets
from secondline.tickets.choices import Channel, Priority
from tests.factories import UserFactory, incident_draft

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))
SATURDAY_NIGHT = dt.datetime(2026, 11, 28, 3, 0, tzinfo=MSK)
TUESDAY_NOON = dt.datetime(2026, 12, 1, 12, 0, tzinfo=MSK)
SECRET = "gateway-secret-0123456789"


class Gateway:
    """An SMS/chat gateway on 127.0.0.1 that records what it receives."""

    def __init__(self, answer: int = 200, location: str = "") -> None:
        self.requests: list[tuple[Any, bytes]] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append((self.headers, body))
                self.send_response(answer)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            do_GET = do_POST  # a followed redirect would arrive as a GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def allow_the_local_gateway(settings: Any) -> None:
    """The test gateway listens on 127.0.0.1, which alerts reach only when an administrator
    allows it (the documented escape hatch; see docs/security.md)."""
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    yield server
    server.close()


@pytest.fixture
def roster(personas: Any) -> list[User]:
    first = UserFactory(
        username="first.on.duty",
        organization=personas.contractor,
        role=User.Role.AGENT,
        language="ru",
    )
    second = UserFactory(
        username="second.on.duty", organization=personas.contractor, role=User.Role.AGENT
    )
    week = dt.datetime(2026, 11, 27, 19, 0, tzinfo=MSK)
    DutyShift.objects.create(
        engineer=second,
        starts_at=week,
        ends_at=week + dt.timedelta(days=3),
        phone="+7 900 2",
        position=2,
    )
    DutyShift.objects.create(
        engineer=first,
        starts_at=week,
        ends_at=week + dt.timedelta(days=3),
        phone="+7 900 1",
        position=1,
    )
    return [first, second]


def _urgent(requester: User, channel: str = Channel.EMAIL) -> Any:
    draft = incident_draft(requested_priority=Priority.URGENT, subject="Nobody can post shipments")
    return tickets.file_ticket(requester, draft, channel)


def test_an_urgent_filed_by_email_on_saturday_night_alerts_the_duty_then_the_next(
    member: User, roster: list[User], gateway: Gateway, sent: Any, settings: Any
) -> None:
    first, second = roster
    AlertWebhook.objects.create(name="SMS", url=gateway.url, secret=SECRET)
    mail.outbox.clear()
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        with sent():
            ticket = _urgent(member, Channel.EMAIL)

        # The engineer on duty (order 1) is alerted by email, in Russian, with a signed link.
        alert_mails = [m for m in mail.outbox if first.email in m.to]
        assert len(alert_mails) == 1
        body = alert_mails[0].body
        assert alert_mails[0].extra_headers["Auto-Submitted"] == "auto-generated"
        assert "/releases/alerts/ack/" in body
        assert "СРОЧНО" in alert_mails[0].subject  # the engineer reads Russian
        assert "двойному тарифу" in body and "обеими сторонами" in body
        assert f"/billing/tickets/{ticket.pk}/worklogs/#out-of-hours" in body
        assert not [m for m in mail.outbox if second.email in m.to]

        # ... and through the gateway, signed, with the engineer's duty phone.
        assert len(gateway.requests) == 1
        headers, raw = gateway.requests[0]
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers.get("X-SecondLine-Signature") == expected
        assert headers.get("Content-Type").startswith("application/json")
        payload = gateway.payloads()[0]
        assert payload["engineer"]["phone"] == "+7 900 1"
        assert payload["ticket"]["number"] == ticket.number
        assert payload["out_of_hours"] is True
        assert payload["escalation_level"] == 0

        # The customer sees the phone number, the steps and the double-rate rule at once.
        shown = instructions_for(ticket)
        assert shown is not None
        assert shown["phone"] == settings.SUPPORT_PHONE
        assert any("double rate" in step and "both parties" in step for step in shown["steps"])

    # Not yet due: nothing happens.
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=10), tick=False), sent():
        assert duty.escalate_unacknowledged() == 0

    mail.outbox.clear()
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=16), tick=False):
        with sent():
            assert duty.escalate_unacknowledged() == 1
            assert duty.escalate_unacknowledged() == 0  # the sweep runs twice; one escalation
        assert [m.to for m in mail.outbox] == [[second.email]]
        assert "you are next on the duty roster" in mail.outbox[0].body
        assert [p["engineer"]["phone"] for p in gateway.payloads()] == ["+7 900 1", "+7 900 2"]
        callout = DutyCallout.objects.get(ticket=ticket)
        assert callout.level == 1
        alerts = UrgentAlert.objects.filter(ticket=ticket)
        assert {(a.engineer_id, a.channel, a.escalation_level, a.status) for a in alerts} == {
            (first.pk, "email", 0, "sent"),
            (first.pk, "webhook", 0, "sent"),
            (second.pk, "email", 1, "sent"),
            (second.pk, "webhook", 1, "sent"),
        }

        # The second engineer acknowledges through the signed link in the email.
        link = next(line for line in mail.outbox[0].body.splitlines() if "/alerts/ack/" in line)
        path = link.strip().split("127.0.0.1:8000", 1)[1]
        client = Client()
        page = client.get(path)
        assert page.status_code == 200
        assert DutyCallout.objects.get(pk=callout.pk).acknowledged_at is None  # GET never acks
        with sent():
            client.post(path)
    callout.refresh_from_db()
    assert callout.acknowledged_by == second
    ticket.refresh_from_db()
    assert ticket.assignee == second

    # Acknowledged: no further escalation.
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(hours=1), tick=False), sent():
        assert duty.escalate_unacknowledged() == 0
    assert UrgentAlert.objects.filter(ticket=ticket).count() == 4


def test_the_roster_repeats_from_the_top(member: User, roster: list[User], sent: Any) -> None:
    first, second = roster
    with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
        ticket = _urgent(member)
    for minutes in (16, 32):
        with (
            time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=minutes), tick=False),
            sent(),
        ):
            duty.escalate_unacknowledged()
    engineers = list(
        UrgentAlert.objects.filter(ticket=ticket)
        .order_by("escalation_level")
        .values_list("engineer_id", flat=True)
    )
    assert engineers == [first.pk, second.pk, first.pk]


def test_within_business_hours_the_alert_carries_no_double_rate(
    member: User, roster: list[User], sent: Any, personas: Any
) -> None:
    shift = DutyShift.objects.get(engineer=roster[0])
    DutyShift.objects.filter(pk=shift.pk).update(
        starts_at=TUESDAY_NOON - dt.timedelta(hours=3), ends_at=TUESDAY_NOON + dt.timedelta(hours=6)
    )
    mail.outbox.clear()
    with time_machine.travel(TUESDAY_NOON, tick=False), sent():
        ticket = _urgent(member, Channel.WEB)
        shown = instructions_for(ticket)
    assert not DutyCallout.objects.get(ticket=ticket).out_of_hours
    alert = next(m for m in mail.outbox if roster[0].email in m.to)
    assert "/billing/" not in alert.body
    assert shown is not None and not any("double" in step for step in shown["steps"])


def test_with_nobody_on_duty_the_managers_are_alerted(
    member: User, manager: User, sent: Any
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
        ticket = _urgent(member)
    assert list(UrgentAlert.objects.filter(ticket=ticket).values_list("engineer", flat=True)) == [
        manager.pk
    ]


def test_raising_the_priority_to_urgent_alerts_the_duty(
    member: User, agent: User, roster: list[User], sent: Any
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        with sent():
            ticket = tickets.file_ticket(member, incident_draft(requested_priority=Priority.HIGH))
        assert not DutyCallout.objects.exists()
        with sent():
            tickets.change_priority(ticket, agent, Priority.URGENT, "The whole warehouse stopped.")
    assert DutyCallout.objects.get(ticket=ticket).alerts.filter(engineer=roster[0]).exists()


def test_a_consultation_marked_urgent_alerts_nobody(
    member: User, roster: list[User], sent: Any
) -> None:
    from tests.factories import consultation_draft

    with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
        tickets.file_ticket(member, consultation_draft(requested_priority=Priority.URGENT))
    assert not DutyCallout.objects.exists()


def test_a_failing_gateway_is_retried_and_recorded(
    member: User, roster: list[User], sent: Any
) -> None:
    broken = Gateway(answer=500)
    try:
        AlertWebhook.objects.create(name="SMS", url=broken.url, secret=SECRET)
        with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
            ticket = _urgent(member)
    finally:
        broken.close()
    webhook_alert = UrgentAlert.objects.get(ticket=ticket, channel="webhook")
    assert webhook_alert.status == UrgentAlert.Status.FAILED
    assert webhook_alert.attempts == 5
    assert "500" in webhook_alert.last_error
    assert UrgentAlert.objects.get(ticket=ticket, channel="email").status == "sent"


def test_recording_the_customers_call_acknowledges_the_callout(
    member: User, agent: User, roster: list[User], sent: Any
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
        ticket = _urgent(member)
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=3), tick=False), sent():
        call = duty.record_phone_call(
            ticket, agent, caller_name="Mila", summary="Warehouse down since 02:40; logs sent."
        )
    assert PhoneCall.objects.get() == call
    event = ticket.events.get(field="phone_call")
    assert not event.is_public and "Warehouse down" in event.reason
    assert DutyCallout.objects.get(ticket=ticket).acknowledged_by == agent
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=30), tick=False), sent():
        assert duty.escalate_unacknowledged() == 0


def test_customers_cannot_acknowledge_or_record_calls(
    member: User, roster: list[User], sent: Any
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
        ticket = _urgent(member)
    alert = UrgentAlert.objects.filter(ticket=ticket).first()
    assert alert is not None
    with pytest.raises(AccessDenied):
        duty.acknowledge(alert, member)
    with pytest.raises(AccessDenied):
        duty.record_phone_call(ticket, member, caller_name="x", summary="y")


def test_a_forged_acknowledge_link_is_refused(client: Client) -> None:
    response = client.get("/releases/alerts/ack/not-a-token/")
    assert response.status_code == 404


def test_the_sweep_alerts_for_an_urgent_whose_hook_never_ran(
    member: User, roster: list[User], sent: Any
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        ticket = _urgent(member)  # the after-commit callbacks are dropped, as in a crash
        assert not DutyCallout.objects.exists()
    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=1), tick=False), sent():
        assert duty.escalate_unacknowledged() == 0
        assert duty.escalate_unacknowledged() == 0
    callout = DutyCallout.objects.get(ticket=ticket)
    assert callout.level == 0 and callout.out_of_hours
    assert list(callout.alerts.values_list("engineer", flat=True)) == [roster[0].pk]


def test_the_alerts_link_to_the_agent_desk_not_the_back_office(db, personas) -> None:
    from secondline.releases.messages import ticket_link
    from tests.factories import file_ticket

    ticket = file_ticket(personas.member)
    assert ticket_link(ticket).endswith(f"/tickets/{ticket.pk}/")
    assert "/admin/" not in ticket_link(ticket)


def test_at_send_time_a_host_now_on_a_private_address_is_refused_and_recorded(
    member: User, roster: list[User], gateway: Gateway, sent: Any, settings: Any, caplog: Any
) -> None:
    """DNS can change after the webhook was saved: the address is checked again when sending,
    and a refused one is a failed delivery with the reason; no request is made."""
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = []
    AlertWebhook.objects.create(name="SMS", url=gateway.url, secret=SECRET)
    with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
        ticket = _urgent(member)
    webhook_alert = UrgentAlert.objects.filter(ticket=ticket, channel="webhook").first()
    assert webhook_alert is not None and webhook_alert.status == UrgentAlert.Status.FAILED
    assert "127.0.0.1" in webhook_alert.last_error
    assert "ALERT_WEBHOOK_ALLOWED_HOSTS" in webhook_alert.last_error
    assert "refused" in caplog.text
    assert gateway.requests == []
    assert UrgentAlert.objects.get(ticket=ticket, channel="email").status == "sent"


def test_a_gateway_redirect_is_not_followed(
    member: User, roster: list[User], gateway: Gateway, sent: Any
) -> None:
    redirecting = Gateway(answer=302, location=gateway.url)
    try:
        AlertWebhook.objects.create(name="SMS", url=redirecting.url, secret=SECRET)
        with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
            ticket = _urgent(member)
    finally:
        redirecting.close()
    webhook_alert = UrgentAlert.objects.filter(ticket=ticket, channel="webhook").first()
    assert webhook_alert is not None and webhook_alert.status == UrgentAlert.Status.FAILED
    assert "302" in webhook_alert.last_error
    assert len(redirecting.requests) == 5  # each attempt reached the gateway, none went on
    assert gateway.requests == []
