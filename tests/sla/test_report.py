"""The monthly SLA report on a small fixed data set, as a page and as CSV, and who may see it."""

from __future__ import annotations

import csv
import dataclasses
import io
from decimal import Decimal

import pytest
from django.test import Client

from secondline.sla import report
from secondline.tickets import services
from secondline.tickets.choices import Priority, Status, TicketType
from tests.factories import consultation_draft, file_ticket, incident_draft
from tests.sla.conftest import msk

pytestmark = pytest.mark.django_db
NOW = msk(2026, 4, 10, 12)


@pytest.fixture
def march(clock, personas, member, agent, outsider):
    """Volga's March 2026: five tickets that count, one declined; others' and April's aside."""

    def filed(at, draft, who=member):
        clock.move_to(at)
        if draft.occurred_at is not None:  # it happened then, not when the draft was made
            draft = dataclasses.replace(draft, occurred_at=at)
        return file_ticket(who, draft)

    def accepted(ticket, at):
        clock.move_to(at)
        services.change_status(ticket, agent, Status.ACCEPTED)

    high = incident_draft(requested_priority=Priority.HIGH)
    in_time = filed(msk(2026, 3, 2, 10), high)  # due 14:00
    accepted(in_time, msk(2026, 3, 2, 11))  # 1 h
    late = filed(msk(2026, 3, 2, 12), high)  # due 16:00
    accepted(late, msk(2026, 3, 2, 17))  # 5 h, 1 h late
    urgent = filed(msk(2026, 3, 3, 18, 30), incident_draft(requested_priority=Priority.URGENT))
    accepted(urgent, msk(2026, 3, 4, 10, 15))  # 30 + 15 min, due Wed 10:30
    question = filed(msk(2026, 3, 4, 10), consultation_draft())
    accepted(question, msk(2026, 3, 4, 12))  # 2 h
    declined = filed(msk(2026, 3, 5, 10), consultation_draft())
    services.decline_ticket(declined, agent, "out-of-scope-db-server")
    forgotten = filed(msk(2026, 3, 27, 10), incident_draft(requested_priority=Priority.LOW))
    filed(msk(2026, 3, 10, 10), incident_draft(), who=personas.outsider_responsible)
    filed(msk(2026, 4, 1, 10), incident_draft())
    clock.move_to(NOW)
    return {"late": late, "forgotten": forgotten}


def test_the_numbers_of_the_month(march, personas) -> None:
    result = report.build(personas.customer, report.parse_month("2026-03"))
    assert [
        (ln.ticket_type, ln.priority, ln.tickets, ln.in_time, ln.late) for ln in result.lines
    ] == [
        ("incident", "urgent", 1, 1, 0),
        ("incident", "high", 2, 1, 1),
        ("incident", "low", 1, 0, 1),
        ("consultation", "", 1, 1, 0),
    ]
    assert result.tickets == 5 and result.judged == 5 and result.in_time == 3
    assert result.in_time_share == Decimal("60.0")
    assert result.median_hours == Decimal("1.50")  # of 0.75, 1, 2 and 5 business hours
    assert result.p95_hours == Decimal("4.55")
    assert [(b.ticket.pk, b.clock, b.overdue_hours, b.done_at) for b in result.breaches] == [
        (march["late"].pk, "reaction", Decimal("1.00"), msk(2026, 3, 2, 17)),
        # due Tue 31 Mar 19:00, still unanswered on Fri 10 Apr 12:00: 3 + 4 days and 2 h
        (march["forgotten"].pk, "reaction", Decimal("65.00"), None),
    ]


def test_percentiles_interpolate_between_ranks() -> None:
    assert report.percentile([], 0.5) is None
    assert report.percentile([3.0], 0.95) == 3.0
    assert report.percentile([1.0, 2.0], 0.5) == 1.5
    assert report.percentile([float(n) for n in range(1, 21)], 0.95) == pytest.approx(19.05)


def _get(user, **params) -> object:
    client = Client()
    client.force_login(user)
    return client.get("/sla/report/", params)


def test_the_page_shows_the_report_to_the_customers_people(march, personas, member) -> None:
    response = _get(member, organization=personas.customer.pk, month="2026-03")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Volga Logistics" in page and "60.0 %" in page and "4.55" in page
    assert march["forgotten"].number in page


def test_a_customer_sees_only_its_own_organisation(march, personas, outsider) -> None:
    assert _get(outsider, organization=personas.customer.pk, month="2026-03").status_code == 404
    own = _get(outsider, month="2026-03")
    assert own.status_code == 200 and "Neva Retail" in own.content.decode()


def test_the_contractor_sees_any_customer_and_gets_csv(march, personas, agent) -> None:
    response = _get(agent, organization=personas.customer.pk, month="2026-03", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["incident", "high", "2", "1", "1"] in rows
    assert ["reactions_in_time_percent", "60.0"] in rows
    assert ["median_reaction_business_hours", "1.50"] in rows
    assert ["p95_reaction_business_hours", "4.55"] in rows
    breaches = [row for row in rows if row and row[0].startswith("SL-")]
    assert [row[0] for row in breaches] == [march["late"].number, march["forgotten"].number]


def test_bad_input_is_a_400_not_a_500(personas, agent) -> None:
    response = _get(agent, organization=personas.customer.pk, month="2026-13")
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()
    assert _get(agent, organization="x", month="2026-03").status_code == 400


@pytest.mark.parametrize(
    "month", ["9999-12", "0001-01", "1999-12", "2101-01", "10000-01", "2026-00", "-2026-01"]
)
def test_a_month_out_of_range_is_a_400_not_a_500(personas, agent, month) -> None:
    response = _get(agent, organization=personas.customer.pk, month=month)
    assert response.status_code == 400
    assert "2000-01" in response.content.decode() or "YYYY-MM" in response.content.decode()


def test_the_range_is_said_in_russian_too(personas, agent) -> None:
    agent.language = "ru"
    agent.save(update_fields=["language"])
    response = _get(agent, organization=personas.customer.pk, month="9999-12")
    assert response.status_code == 400
    assert "Укажите месяц с 2000-01 по 2100-12." in response.content.decode()


def test_strangers_are_sent_to_sign_in(db) -> None:
    response = Client().get("/sla/report/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.fixture
def late_updates(clock, personas, member, agent):
    """Two High incidents under an hourly update interval, each missing one update: given late,
    and still missing when the ticket went to wait for the customer."""
    for target in personas.contract.sla_plan.targets.filter(ticket_type=TicketType.INCIDENT):
        target.update_minutes = 60
        target.save()

    def at(moment, action, *args):
        clock.move_to(moment)
        action(*args)

    given_late = file_ticket(member)  # Mon 2 Mar 10:00
    at(msk(2026, 3, 2, 10, 30), services.add_comment, given_late, agent, "Looking.")
    at(msk(2026, 3, 2, 14), services.add_comment, given_late, agent, "Found it.")  # due 11:30
    at(msk(2026, 3, 2, 14, 30), services.add_comment, given_late, agent, "Fixed.")  # in time
    at(msk(2026, 3, 2, 15), services.change_status, given_late, agent, Status.RESOLVED)
    clock.move_to(msk(2026, 3, 3, 10))
    missing = file_ticket(member)
    at(msk(2026, 3, 3, 10, 15), services.add_comment, missing, agent, "Looking.")  # due 11:15
    at(msk(2026, 3, 3, 12, 15), services.change_status, missing, agent, Status.WAITING_FOR_CUSTOMER)
    clock.move_to(NOW)
    return {"given_late": given_late, "missing": missing}


def test_missed_updates_are_breaches_of_the_month(late_updates, personas) -> None:
    """docs/sla.md: a missed update is a breach that stays on the record; a missing one stops
    counting while the ticket waits for the customer."""
    result = report.build(personas.customer, report.parse_month("2026-03"))
    assert [(b.ticket.pk, b.clock, b.due, b.done_at, b.overdue_hours) for b in result.breaches] == [
        (
            late_updates["given_late"].pk,
            "update",
            msk(2026, 3, 2, 11, 30),
            msk(2026, 3, 2, 14),
            Decimal("2.50"),
        ),
        (late_updates["missing"].pk, "update", msk(2026, 3, 3, 11, 15), None, Decimal("1.00")),
    ]
    assert result.in_time == 2, "the reactions themselves were in time"


def test_the_page_and_csv_list_missed_updates(late_updates, personas, agent) -> None:
    page = _get(agent, organization=personas.customer.pk, month="2026-03").content.decode()
    assert page.count("<td>update interval</td>") == 2
    response = _get(agent, organization=personas.customer.pk, month="2026-03", format="csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    breaches = [row for row in rows if row and row[0].startswith("SL-")]
    assert [(row[0], row[4], row[7]) for row in breaches] == [
        (late_updates["given_late"].number, "update", "2.50"),
        (late_updates["missing"].number, "update", "1.00"),
    ]
