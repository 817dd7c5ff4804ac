"""Only work within the contract's term is billed (F5): work dated before ``starts_on`` or after
``ends_on`` is refused when logged or corrected, and a month wholly outside the term gets no
statement. The days are the contract calendar's (Moscow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from secondline.billing import statements, worklogs
from secondline.billing.models import WorkLog
from tests.billing.conftest import msk

UTC = dt.UTC


@pytest.fixture
def term(personas: Any, ticket: Any) -> Any:
    """Contract VL-1 runs from 10 to 20 January 2025 inclusive (its ticket filed long ago,
    while it was still active)."""
    contract = personas.contract
    contract.starts_on, contract.ends_on = dt.date(2025, 1, 10), dt.date(2025, 1, 20)
    contract.save()
    return contract


STARTS = "Contract VL-1 starts on 2025-01-10; work before that day is not billed under it."
ENDED = "Contract VL-1 ended on 2025-01-20; work after that day is not billed under it."


@pytest.mark.parametrize(
    ("start", "end", "refused"),
    [
        (msk(2025, 1, 9, 23), msk(2025, 1, 9, 23, 30), {"started_at": [STARTS]}),
        (msk(2025, 1, 9, 23, 30), msk(2025, 1, 10, 0, 30), {"started_at": [STARTS]}),
        (msk(2025, 1, 10, 0), msk(2025, 1, 10, 1), {}),  # the first day's midnight
        (msk(2025, 1, 20, 23), msk(2025, 1, 21, 0), {}),  # up to the last day's end
        (msk(2025, 1, 20, 23, 30), msk(2025, 1, 21, 0, 30), {"ended_at": [ENDED]}),
        (msk(2025, 1, 21, 10), msk(2025, 1, 21, 11), {"started_at": [ENDED]}),
        # 20 Jan 21:30 UTC is 00:30 on 21 January in Moscow: after the term
        (
            dt.datetime(2025, 1, 20, 21, 30, tzinfo=UTC),
            dt.datetime(2025, 1, 20, 22, tzinfo=UTC),
            {"started_at": [ENDED]},
        ),
    ],
)
def test_work_is_logged_within_the_term_only(
    term: Any, ticket: Any, log: Any, start: dt.datetime, end: dt.datetime, refused: dict
) -> None:
    if not refused:
        assert log(ticket, start, end).pk
        return
    with pytest.raises(ValidationError) as error:
        log(ticket, start, end)
    assert error.value.message_dict == refused
    assert not WorkLog.objects.exists()


def test_a_correction_cannot_move_work_out_of_the_term(
    term: Any, ticket: Any, log: Any, manager: Any
) -> None:
    work = log(ticket, msk(2025, 1, 20, 10), msk(2025, 1, 20, 11))
    with pytest.raises(ValidationError) as error:
        worklogs.update_worklog(
            work, manager, {"started_at": msk(2025, 1, 22, 10), "ended_at": msk(2025, 1, 22, 11)}
        )
    assert error.value.message_dict == {"started_at": [ENDED]}
    work.refresh_from_db()
    assert work.started_at == msk(2025, 1, 20, 10)


def test_the_api_names_the_field_in_both_languages(
    term: Any, api_as: Any, ticket: Any, agent: Any
) -> None:
    body = {
        "ticket": ticket.pk,
        "activity": "fix",
        "started_at": "2025-01-21T10:00:00+03:00",
        "ended_at": "2025-01-21T11:00:00+03:00",
    }
    answer = api_as(agent).post("/api/worklogs/", body, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"started_at": [ENDED]}
    with translation.override("ru"), pytest.raises(ValidationError) as error:
        worklogs.log_work(
            ticket,
            agent,
            worklogs.WorkEntry(
                activity="fix", started_at=msk(2025, 1, 9, 10), ended_at=msk(2025, 1, 9, 11)
            ),
        )
    assert error.value.message_dict["started_at"] == [
        "Договор VL-1 начинает действовать 2025-01-10; работа до этого дня по нему не оплачивается."
    ]


@pytest.mark.parametrize(
    ("period", "refused"),
    [
        (dt.date(2024, 12, 1), STARTS),  # wholly before the term
        (dt.date(2025, 1, 1), None),  # the term's month
        (dt.date(2025, 2, 1), ENDED),  # wholly after it
        (dt.date(2025, 3, 1), ENDED),
    ],
)
def test_a_month_wholly_outside_the_term_gets_no_statement(
    term: Any, manager: Any, period: dt.date, refused: str | None
) -> None:
    if refused is None:
        assert statements.generate_statement(term, period, manager).pk
        return
    with pytest.raises(ValidationError) as error:
        statements.generate_statement(term, period, manager)
    assert error.value.message_dict == {"period": [refused]}


def test_an_open_ended_contract_bills_every_month_from_its_start(
    personas: Any, ticket: Any, log: Any, manager: Any
) -> None:
    contract = personas.contract
    assert contract.ends_on is None
    log(ticket, msk(2025, 3, 3, 10), msk(2025, 3, 3, 11))
    march = statements.generate_statement(contract, dt.date(2025, 3, 1), manager)
    assert march.business_minutes == 60
