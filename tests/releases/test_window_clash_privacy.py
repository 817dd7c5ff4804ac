"""An engineer's clash never tells a customer about another customer's installation: whoever
may see the clashing window's ticket (the contractor's staff, that ticket's own customer) reads
its number and time; anyone else only that the engineer is busy then."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from secondline.accounts.models import User
from secondline.releases import plans, windows
from secondline.releases.models import Installation, InstallationWindow, ProductVersion, UpdatePlan
from tests.releases.conftest import next_weekday_evening, window_kwargs

pytestmark = pytest.mark.django_db

NEUTRAL = "The engineer already has an agreed window at this time; ask for another window."
NEUTRAL_RU = "У инженера уже есть согласованное окно в это время; попросите другое окно."


@pytest.fixture
def booked(
    plan: UpdatePlan,
    engineer: User,
    manager: User,
    personas: Any,
    versions: dict[str, ProductVersion],
    sent: Any,
) -> tuple[InstallationWindow, UpdatePlan]:
    """Our window on offer, and the other customer's agreed window an hour into it with the
    same engineer."""
    start = next_weekday_evening()
    elsewhere = Installation.objects.create(
        contract=personas.other_contract,
        name="Production",
        product="SecondLine ERP",
        current_version=versions["4.1.0"],
    )
    with sent():
        other_plan = plans.propose_update(elsewhere, versions["4.2.1"], manager)
        ours = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
        theirs = windows.propose_window(
            other_plan, manager, **window_kwargs(engineer, start + dt.timedelta(hours=1))
        )
        windows.accept_window(theirs, personas.outsider_responsible)
    return ours, other_plan


def _their_start(other_plan: UpdatePlan) -> str:
    agreed = other_plan.windows.get(status=InstallationWindow.Status.ACCEPTED)
    return timezone.localtime(agreed.starts_at).strftime("%Y-%m-%d %H:%M")


def test_a_customer_hears_only_that_the_engineer_is_busy(
    booked: tuple[InstallationWindow, UpdatePlan], responsible: User
) -> None:
    ours, _ = booked
    with pytest.raises(ValidationError) as refused:
        windows.accept_window(ours, responsible)
    assert refused.value.message_dict == {"starts_at": [NEUTRAL]}
    ours.refresh_from_db()
    assert ours.status == InstallationWindow.Status.PROPOSED


def test_the_customer_reads_it_in_russian(
    booked: tuple[InstallationWindow, UpdatePlan], responsible: User
) -> None:
    ours, _ = booked
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        windows.accept_window(ours, responsible)
    assert refused.value.message_dict == {"starts_at": [NEUTRAL_RU]}


def test_the_api_names_neither_the_other_ticket_nor_its_time(
    booked: tuple[InstallationWindow, UpdatePlan], responsible: User, api_as: Any
) -> None:
    ours, other_plan = booked
    answer = api_as(responsible).post(f"/api/releases/windows/{ours.pk}/accept/")
    assert answer.status_code == 400
    text = str(answer.json())
    assert NEUTRAL in text
    assert other_plan.ticket.number not in text and _their_start(other_plan) not in text


def test_the_plan_page_names_neither_the_other_ticket_nor_its_time(
    booked: tuple[InstallationWindow, UpdatePlan], responsible: User
) -> None:
    ours, other_plan = booked
    client = Client()
    client.force_login(responsible)
    page = client.post(
        f"/releases/plans/{ours.plan.ticket_id}/", {"action": "accept", "window": ours.pk}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "ask for another window" in html
    assert other_plan.ticket.number not in html and _their_start(other_plan) not in html


def test_the_contractors_staff_still_read_the_ticket_and_time(
    booked: tuple[InstallationWindow, UpdatePlan], engineer: User, manager: User
) -> None:
    ours, other_plan = booked
    with pytest.raises(ValidationError) as refused:
        windows.propose_window(
            ours.plan, manager, **window_kwargs(engineer, next_weekday_evening())
        )
    (message,) = refused.value.message_dict["starts_at"]
    assert f"from {_their_start(other_plan)} on {other_plan.ticket.number}" in message
    assert "choose another time or engineer" in message


def test_a_customer_who_may_see_the_clashing_ticket_reads_it(
    plan: UpdatePlan,
    engineer: User,
    manager: User,
    responsible: User,
    personas: Any,
    versions: dict[str, ProductVersion],
    sent: Any,
) -> None:
    # Two installations of the same customer, one engineer: the clash is on their own ticket.
    second = Installation.objects.create(
        contract=personas.contract,
        name="Staging",
        product="SecondLine ERP",
        current_version=versions["4.1.0"],
    )
    start = next_weekday_evening()
    with sent():
        own_plan = plans.propose_update(second, versions["4.2.1"], manager)
        ours = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
        theirs = windows.propose_window(
            own_plan, manager, **window_kwargs(engineer, start + dt.timedelta(hours=1))
        )
        windows.accept_window(theirs, responsible)
    with pytest.raises(ValidationError) as refused:
        windows.accept_window(ours, responsible)
    (message,) = refused.value.message_dict["starts_at"]
    assert own_plan.ticket.number in message and message != NEUTRAL
