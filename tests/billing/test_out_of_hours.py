"""Out-of-hours requests and their two-party verification, through the service layer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from secondline.accounts.access import AccessDenied
from secondline.billing import out_of_hours
from secondline.billing.models import OutOfHoursRequest, OutOfHoursStatus
from secondline.tickets.models import TicketEvent
from tests.billing.conftest import msk

Kind = TicketEvent.Kind


def test_out_of_hours_work_without_a_request_is_unverified_and_not_billed(
    ticket: Any, log: Any
) -> None:
    work = log(ticket, msk(2024, 11, 3, 12), msk(2024, 11, 3, 14))
    assert work.out_of_hours_status == OutOfHoursStatus.UNVERIFIED
    assert work.billed_out_of_hours_minutes == 0


def test_one_approval_is_not_enough(ticket: Any, log: Any, responsible: Any) -> None:
    work = log(ticket, msk(2024, 11, 3, 12), msk(2024, 11, 3, 14))
    request = out_of_hours.raise_out_of_hours_request(
        ticket, responsible, reason="Weekend release", worklogs=[work]
    )
    out_of_hours.approve_out_of_hours_request(request, responsible)
    work.refresh_from_db()
    assert work.out_of_hours_status == OutOfHoursStatus.PENDING
    assert work.billed_out_of_hours_minutes == 0


def test_work_approved_after_the_fact_by_both_becomes_billable(
    ticket: Any, log: Any, agent: Any, manager: Any, responsible: Any
) -> None:
    work = log(ticket, msk(2024, 11, 3, 12), msk(2024, 11, 3, 14))
    request = out_of_hours.raise_out_of_hours_request(
        ticket, agent, reason="Hotfix after the outage", worklogs=[work]
    )
    assert request.after_the_fact
    assert request.estimated_hours == Decimal("2.00")
    assert (request.window_start, request.window_end) == (work.started_at, work.ended_at)
    assert request.out_of_hours_rate == Decimal("8000.00")
    out_of_hours.approve_out_of_hours_request(request, manager, "Agreed on the phone")
    out_of_hours.approve_out_of_hours_request(request, responsible)
    request.refresh_from_db()
    work.refresh_from_db()
    assert request.status == OutOfHoursRequest.Status.APPROVED
    assert work.out_of_hours_status == OutOfHoursStatus.VERIFIED
    assert work.billed_out_of_hours_minutes == 120


def test_a_rejection_keeps_the_work_off_the_bill(
    ticket: Any, log: Any, manager: Any, responsible: Any
) -> None:
    work = log(ticket, msk(2024, 11, 3, 12), msk(2024, 11, 3, 14))
    request = out_of_hours.raise_out_of_hours_request(
        ticket, manager, reason="Weekend work", worklogs=[work]
    )
    out_of_hours.approve_out_of_hours_request(request, manager)
    with pytest.raises(ValidationError) as refused:
        out_of_hours.reject_out_of_hours_request(request, responsible, "")
    assert set(refused.value.message_dict) == {"comment"}
    out_of_hours.reject_out_of_hours_request(request, responsible, "Nobody asked for this")
    work.refresh_from_db()
    assert work.out_of_hours_status == OutOfHoursStatus.REJECTED
    assert work.billed_out_of_hours_minutes == 0
    with pytest.raises(ValidationError) as refused:
        out_of_hours.approve_out_of_hours_request(request, responsible)
    assert "already rejected" in refused.value.message_dict["status"][0]


def test_both_decisions_are_in_the_tickets_history(
    ticket: Any, approved: Any, manager: Any, responsible: Any
) -> None:
    approved(ticket, msk(2024, 11, 3, 10), msk(2024, 11, 3, 18))
    decisions = ticket.events.filter(kind=Kind.OUT_OF_HOURS_APPROVED).order_by("pk")
    assert [(e.actor, e.new_value) for e in decisions] == [
        (responsible, "pending"),
        (manager, "approved"),
    ]
    assert all(e.created_at and e.is_public for e in decisions)
    assert "8000.00 RUB" in decisions[0].shown_reason
    assert ticket.events.filter(kind=Kind.OUT_OF_HOURS_REQUESTED, actor=responsible).exists()


def test_the_customer_cannot_approve_for_the_contractor(ticket: Any, responsible: Any) -> None:
    request = out_of_hours.raise_out_of_hours_request(
        ticket,
        responsible,
        window_start=msk(2024, 11, 3, 10),
        window_end=msk(2024, 11, 3, 12),
        reason="Weekend",
        estimated_hours="2",
    )
    out_of_hours.approve_out_of_hours_request(request, responsible)
    with pytest.raises(ValidationError, match="already decided"):
        out_of_hours.approve_out_of_hours_request(request, responsible)
    request.refresh_from_db()
    assert request.status == OutOfHoursRequest.Status.PENDING
    assert request.contractor_decision == ""


@pytest.mark.parametrize("who", ["agent", "member", "outsider", "outsider_responsible"])
def test_only_the_responsible_person_and_managers_decide(
    ticket: Any, personas: Any, responsible: Any, who: str
) -> None:
    request = out_of_hours.raise_out_of_hours_request(
        ticket,
        responsible,
        window_start=msk(2024, 11, 3, 10),
        window_end=msk(2024, 11, 3, 12),
        reason="Weekend",
        estimated_hours="2",
    )
    with pytest.raises(AccessDenied):
        out_of_hours.approve_out_of_hours_request(request, getattr(personas, who))
    request.refresh_from_db()
    assert request.customer_decision == request.contractor_decision == ""


def test_an_outsider_cannot_raise_a_request_on_another_customers_ticket(
    ticket: Any, outsider: Any
) -> None:
    with pytest.raises(AccessDenied):
        out_of_hours.raise_out_of_hours_request(
            ticket,
            outsider,
            window_start=msk(2024, 11, 3, 10),
            window_end=msk(2024, 11, 3, 12),
            reason="x",
            estimated_hours="1",
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"window_end": msk(2024, 11, 3, 9)}, "window_end"),
        ({"window_start": dt.datetime(2024, 11, 3, 10)}, "window_start"),
        ({"estimated_hours": "many"}, "estimated_hours"),
        ({"estimated_hours": "-1"}, "estimated_hours"),
        ({"window_end": msk(2024, 12, 30, 9)}, "window_end"),
    ],
)
def test_it_refuses_bad_requests_per_field(
    ticket: Any, member: Any, kwargs: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {
        "window_start": msk(2024, 11, 3, 10),
        "window_end": msk(2024, 11, 3, 12),
        "reason": "Weekend",
        "estimated_hours": "2",
    }
    values.update(kwargs)
    with pytest.raises(ValidationError) as error:
        out_of_hours.raise_out_of_hours_request(ticket, member, **values)
    assert field in error.value.message_dict


def test_approvers_are_emailed_when_a_request_is_raised(
    ticket: Any, member: Any, manager: Any, responsible: Any, sent: Any, mailoutbox: Any
) -> None:
    with sent():
        out_of_hours.raise_out_of_hours_request(
            ticket,
            member,
            window_start=msk(2024, 11, 3, 10),
            window_end=msk(2024, 11, 3, 12),
            reason="Weekend release",
            estimated_hours="2",
        )
    billing_mail = [m for m in mailoutbox if "approval" in m.subject]
    assert sorted(m.to[0] for m in billing_mail) == sorted([manager.email, responsible.email])
    assert "8000.00 RUB" in billing_mail[0].body


def test_a_reason_over_5000_characters_is_refused(ticket: Any, responsible: Any) -> None:
    """The API's and the page's limit, kept by the service for every channel."""
    with pytest.raises(ValidationError) as refused:
        out_of_hours.raise_out_of_hours_request(
            ticket,
            responsible,
            window_start=msk(2024, 11, 9, 10),
            window_end=msk(2024, 11, 9, 14),
            estimated_hours="3",
            reason="x" * 5001,
        )
    assert set(refused.value.message_dict) == {"reason"}
    assert not OutOfHoursRequest.objects.exists()
