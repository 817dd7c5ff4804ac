"""Monthly statements: generating a contract's statement from its work logs, issuing it, and
the customer's approval or dispute of its lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract, User
from secondline.billing import access, corrections, events, revisions, rules, statement_events
from secondline.billing.models import (
    BillingTerms,
    Statement,
    StatementCorrection,
    StatementLine,
    WorkLog,
)
from secondline.billing.periods import month_bounds, month_term_error, zone_of
from secondline.billing.prepaid import draw_for_statement
from secondline.common.moments import out_of_span
from secondline.tickets.choices import Channel
from secondline.tickets.models import TICKET_NUMBER_PREFIX, Ticket
from secondline.tickets.signals import announce


def month_worklogs(contract: Contract, first: dt.datetime, after: dt.datetime) -> QuerySet[WorkLog]:
    """The month's work logs a statement lists: billable, with billed or unverified time."""
    return (
        WorkLog.objects.in_month(contract.pk, first, after)
        .filter(billable=True)
        .filter(
            Q(billed_business_minutes__gt=0)
            | Q(billed_out_of_hours_minutes__gt=0)
            | Q(out_of_hours_seconds__gt=F("verified_out_of_hours_seconds"))
        )
    )


def _groups(
    contract: Contract, first: dt.datetime, after: dt.datetime, ooh_rate: Decimal
) -> QuerySet[Any]:
    """One row per ticket, day (in the contract's zone) and activity: the minutes the logs
    stored at write time, summed by the database, and what the logs share (agent, text).

    Out-of-hours minutes approved at a rate other than the statement's ``ooh_rate`` (the rate
    on the request, ``WorkLog.out_of_hours_rate``) make a row of their own, so each line has
    one rate; ``agreed_rate`` is that rate, or None for the statement's."""
    unverified = (F("out_of_hours_seconds") - F("verified_out_of_hours_seconds") + 59) / 60
    agreed_rate = Case(
        When(out_of_hours_rate=ooh_rate, then=Value(None)),
        default=F("out_of_hours_rate"),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )
    return (
        month_worklogs(contract, first, after)
        .annotate(day=TruncDate("started_at", tzinfo=zone_of(contract)), agreed_rate=agreed_rate)
        .values("ticket_id", "day", "activity", "agreed_rate")
        .annotate(
            logs=Count("pk"),
            first_log=Min("pk"),
            start=Min("started_at"),
            end=Max("ended_at"),
            agent=Min("agent_id"),
            other_agent=Max("agent_id"),
            text=Min("description"),
            other_text=Max("description"),
            business=Sum("billed_business_minutes"),
            ooh=Sum("billed_out_of_hours_minutes"),
            unverified=Sum(
                Case(
                    When(
                        out_of_hours_seconds__gt=F("verified_out_of_hours_seconds"), then=unverified
                    ),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        )
        .order_by("start", "first_log")
    )


def _lines(
    statement: Statement, contract: Contract, first: dt.datetime, after: dt.datetime
) -> list[StatementLine]:
    """A line per ticket, day and activity of the month's billable work logs: the billed
    minutes at each rate, priced once per line (verified out-of-hours minutes at the rate their
    request approved), and the out-of-hours time that was not verified, shown but never
    billed. The line references its logs (``worklog_count``, ``StatementLine.worklogs()``) and
    snapshots the rates, the ticket's subject and, when its logs share them, the agent's name
    and the description, so later edits never change it.
    """
    rate = statement.hourly_rate
    groups = list(_groups(contract, first, after, statement.out_of_hours_rate))
    agents = {
        u.pk: u.get_full_name() or u.username
        for u in User.objects.filter(pk__in={g["agent"] for g in groups}).only(
            "first_name", "last_name", "username"
        )
    }
    subjects = dict(
        Ticket.objects.filter(pk__in={g["ticket_id"] for g in groups}).values_list("pk", "subject")
    )
    lines = []
    for g in groups:
        ooh_rate = statement.out_of_hours_rate if g["agreed_rate"] is None else g["agreed_rate"]
        business_amount = rules.amount(g["business"], rate)
        ooh_amount = rules.amount(g["ooh"], ooh_rate)
        one_agent = g["agent"] == g["other_agent"]
        lines.append(
            StatementLine(
                statement_id=statement.pk,
                worklog_id=g["first_log"] if g["logs"] == 1 else None,
                worklog_count=g["logs"],
                ticket_id=g["ticket_id"],
                ticket_number=f"{TICKET_NUMBER_PREFIX}-{g['ticket_id']}",
                ticket_subject=subjects[g["ticket_id"]],
                work_date=g["day"],
                started_at=g["start"],
                ended_at=g["end"],
                agent_name=agents.get(g["agent"], "") if one_agent else "",
                activity=g["activity"],
                description=g["text"] if g["text"] == g["other_text"] else "",
                business_minutes=g["business"],
                out_of_hours_minutes=g["ooh"],
                unverified_minutes=g["unverified"],
                hourly_rate=rate,
                out_of_hours_rate=ooh_rate,
                vat_rate=statement.vat_rate,
                business_amount=business_amount,
                out_of_hours_amount=ooh_amount,
                amount=business_amount + ooh_amount,
            )
        )
    return lines


def _period_error(contract: Contract, first_day: dt.date) -> str | None:
    """Why the month that starts on ``first_day`` cannot be billed, or None: it lies in the
    span of the desk's records, has begun in the contract's time zone and is not wholly
    outside the contract's term."""
    if reason := out_of_span(first_day):
        return reason
    if first_day > timezone.localdate(timezone=zone_of(contract)):
        return _("A month can be billed once it has begun.")
    return month_term_error(contract, first_day)


def _why_not_rebuilt(statement: Statement) -> str | None:
    """Why the month's statement is not built again, or None: only a draft without corrections
    is. An approved one is final, an issued revision is the customer's to decide on, and a
    disputed one keeps its disputed lines and comments for the manager's corrections."""
    if statement.is_final():
        return _("The statement for this month is approved and final.")
    if statement.status == Statement.Status.ISSUED:
        return _("The customer is deciding on this revision; wait for their answer.")
    if statement.status == Statement.Status.DISPUTED:
        return _(
            "The customer disputed lines of this statement; correct those lines or add a "
            "credit, then issue it again."
        )
    if statement.corrected:  # type: ignore[attr-defined]
        return _("This statement has corrections; correct its lines instead.")
    return None


def generate_statement(contract: Contract, period: dt.date, actor: User | None = None) -> Statement:
    """Build the contract's statement for the month of ``period``, or rebuild its draft.

    A line per ticket, day and activity, totals that are the sums of the lines, and the prepaid
    hours drawn this month and left after it. Only a draft is rebuilt: an issued statement is
    the customer's to decide on, a disputed one is corrected, an approved one is final.
    The work logs are aggregated by the database, never loaded one by one, and the lines go in
    as one INSERT on PostgreSQL (its bulk insert sends a column per array, so it has no limit
    on rows; SQLite's variable limit splits it), so the number of queries does not grow with
    the month's work.
    """
    if actor is not None:
        access.require_can_prepare_statements(actor)
    first_day = period.replace(day=1)
    if reason := _period_error(contract, first_day):
        raise ValidationError({"period": [reason]})
    first, after = month_bounds(contract, first_day)
    terms = BillingTerms.for_contract(contract.pk)
    with transaction.atomic():
        # Lock the contract first: two managers generating a month with no statement yet find
        # no row to lock, and the second INSERT would break the one-statement-per-month rule.
        # Queued on the contract, the second finds the first's draft and rebuilds it.
        Contract.objects.select_for_update().only("pk").get(pk=contract.pk)
        statement: Statement | None = (
            Statement.objects.select_for_update()
            .filter(contract=contract, period=first_day)
            .annotate(
                corrected=Exists(StatementCorrection.objects.filter(statement=OuterRef("pk")))
            )
            .first()
        )
        if statement is not None and (refusal := _why_not_rebuilt(statement)):
            raise ValidationError({"period": [refusal]})
        if statement is None:
            statement = Statement(contract=contract, period=first_day)
        statement.contract = contract
        statement.status = Statement.Status.DRAFT
        statement.currency = contract.currency
        statement.hourly_rate = contract.hourly_rate
        statement.multiplier = contract.out_of_hours_multiplier
        statement.out_of_hours_rate = rules.out_of_hours_rate(
            contract.hourly_rate, contract.out_of_hours_multiplier
        )
        statement.rounding_minutes = terms.rounding_minutes
        statement.vat_rate = contract.vat_rate
        statement.generated_at = timezone.now()
        statement.generated_by = actor
        statement.issued_at = statement.decided_at = None
        statement.decided_by = None
        if statement.pk is None:
            statement.save()
        else:
            statement.lines.exclude(kind=StatementLine.Kind.ITEM).delete()
        # fixed-price items stay: the manager added them, no work log makes them again
        items = list(statement.lines.filter(kind=StatementLine.Kind.ITEM))
        lines = _lines(statement, contract, first, after) + corrections.adjustment_lines(statement)
        _totals(statement, [*lines, *items])
        StatementLine.objects.bulk_create(lines)
        draw_for_statement(statement)
        corrections.apply_vat(statement)
        statement.save()
    return statement


def _totals(statement: Statement, lines: Sequence[StatementLine]) -> None:
    """The statement's totals are the sums of its lines, so they always agree to the cent."""
    statement.business_minutes = sum(line.business_minutes for line in lines)
    statement.out_of_hours_minutes = sum(line.out_of_hours_minutes for line in lines)
    statement.unverified_minutes = sum(line.unverified_minutes for line in lines)
    statement.business_amount = sum((line.business_amount for line in lines), rules.ZERO)
    statement.out_of_hours_amount = sum((line.out_of_hours_amount for line in lines), rules.ZERO)
    statement.total_amount = sum((line.amount for line in lines), rules.ZERO)


def issue_statement(statement: Statement, actor: User) -> Statement:
    """A contractor manager sends the draft, or the corrected statement, to the customer for
    approval: a new revision, kept as issued (``revisions.snapshot``); disputes are answered."""
    access.require_can_prepare_statements(actor)
    with transaction.atomic():
        statement = (
            Statement.objects.select_for_update().select_related("contract").get(pk=statement.pk)
        )
        if statement.status not in (Statement.Status.DRAFT, Statement.Status.DISPUTED):
            raise ValidationError({"status": [_("Only a draft or disputed statement is issued.")]})
        statement.status = Statement.Status.ISSUED
        statement.issued_at = timezone.now()
        statement.revision += 1
        statement.decided_at, statement.decided_by = None, None
        statement.save(
            update_fields=["status", "issued_at", "revision", "decided_at", "decided_by"]
        )
        statement.lines.filter(disputed=True).update(disputed=False)
        revisions.snapshot(statement, actor)
        changes = statement.corrections.filter(revision=statement.revision)
        detail = "\n".join(corrections.describe(c) for c in changes)
        statement_events.announce(statement, statement_events.Kind.ISSUED, actor, detail)
    return statement


def _decidable(statement: Statement, actor: User, *statuses: str) -> Statement:
    access.require_can_decide_statement(actor, statement)
    statement = (
        Statement.objects.select_for_update().select_related("contract").get(pk=statement.pk)
    )
    if statement.status not in (Statement.Status.ISSUED, *statuses):
        raise ValidationError(
            {"status": [_("Only an issued statement can be approved or disputed.")]}
        )
    return statement


def approve_statement(statement: Statement, actor: User) -> Statement:
    """The customer's responsible person accepts the statement; it becomes final."""
    with transaction.atomic():
        statement = _decidable(statement, actor)
        if statement.lines.filter(disputed=True).exists():
            raise ValidationError(
                {"status": [_("Some lines are disputed; wait for the corrected statement.")]}
            )
        statement.status = Statement.Status.APPROVED
        statement.decided_by, statement.decided_at = actor, timezone.now()
        statement.save(update_fields=["status", "decided_by", "decided_at"])
        statement_events.announce(statement, statement_events.Kind.APPROVED, actor)
    return statement


def dispute_line(
    line: StatementLine, actor: User, comment: str, channel: str = Channel.WEB
) -> StatementLine:
    """The customer's responsible person disputes one line with a comment; the statement goes
    back to the contractor, who corrects its lines (``corrections``) and issues it again."""
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what is wrong with this line.")]})
    with transaction.atomic():
        statement = _decidable(line.statement, actor, Statement.Status.DISPUTED)
        now = timezone.now()
        StatementLine.objects.filter(pk=line.pk).update(
            disputed=True, dispute_comment=comment.strip(), disputed_by=actor, disputed_at=now
        )
        statement.status = Statement.Status.DISPUTED
        statement.decided_by, statement.decided_at = actor, now
        statement.save(update_fields=["status", "decided_by", "decided_at"])
        line.refresh_from_db()
        statement_events.announce(
            statement,
            statement_events.Kind.DISPUTED,
            actor,
            f"{corrections.label_of(line)}: {line.amount} {statement.currency}. "
            + line.dispute_comment,
        )
        if line.ticket is not None:
            announce(events.statement_line_disputed(line.ticket, line, statement, actor, channel))
    return line


def line_worklogs(line: StatementLine) -> QuerySet[WorkLog]:
    """The work logs a line of work adds up: its ticket's billable logs of that day (in the
    contract's zone) and activity, out of hours at the line's rate (``_groups``). Stable once
    the month is approved (its logs are frozen)."""
    statement = line.statement
    first, after = month_bounds(statement.contract, statement.period)
    if line.kind != StatementLine.Kind.WORK or line.ticket_id is None:
        return WorkLog.objects.none()
    zone = zone_of(statement.contract)
    day = dt.datetime.combine(line.work_date, dt.time(), tzinfo=zone)
    at_its_rate = Q(out_of_hours_rate=line.out_of_hours_rate)
    if line.out_of_hours_rate == statement.out_of_hours_rate:
        at_its_rate |= Q(out_of_hours_rate__isnull=True)
    return (
        month_worklogs(statement.contract, first, after)
        .filter(ticket_id=line.ticket_id, activity=line.activity)
        .filter(started_at__gte=day, started_at__lt=day + dt.timedelta(days=1))
        .filter(at_its_rate)
        .order_by("started_at", "pk")
    )
