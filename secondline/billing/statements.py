"""Monthly statements: generating a contract's statement from its work logs, issuing it, and
the customer's approval or dispute of its lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
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
from secondline.billing.periods import month_bounds, zone_of
from secondline.billing.prepaid import prepaid_draw
from secondline.tickets.choices import Channel
from secondline.tickets.models import TICKET_NUMBER_PREFIX
from secondline.tickets.signals import announce

#: Lines inserted per INSERT. Measured in docs/benchmarks.md; 21 columns × 2,000 rows stay
#: well under PostgreSQL's 65,535 parameters, and Django splits further for SQLite's limit.
LINE_BATCH_SIZE = 2000

LINE_FIELDS = (
    "pk",
    "ticket_id",
    "ticket__subject",
    "started_at",
    "ended_at",
    "agent__first_name",
    "agent__last_name",
    "agent__username",
    "activity",
    "description",
    "billed_business_minutes",
    "billed_out_of_hours_minutes",
    "out_of_hours_seconds",
    "verified_out_of_hours_seconds",
)


def _lines(
    statement: Statement, contract: Contract, first: dt.datetime, after: dt.datetime
) -> list[StatementLine]:
    """A line per billable work log of the month: billed minutes at each rate and the
    out-of-hours time that was not verified, shown but never billed. Each line snapshots the
    rates, the ticket's subject and the agent's name, so later edits never change a statement.
    """
    zone = zone_of(contract)
    rate, ooh_rate = statement.hourly_rate, statement.out_of_hours_rate
    logs = (
        WorkLog.objects.in_month(contract.pk, first, after)
        .filter(billable=True)
        .filter(
            Q(billed_business_minutes__gt=0)
            | Q(billed_out_of_hours_minutes__gt=0)
            | Q(out_of_hours_seconds__gt=F("verified_out_of_hours_seconds"))
        )
        .order_by("started_at", "pk")
        .values_list(*LINE_FIELDS)
    )
    lines = []
    for (
        pk,
        ticket_id,
        subject,
        start,
        end,
        first_name,
        last_name,
        username,
        activity,
        description,
        business,
        ooh,
        ooh_seconds,
        verified_seconds,
    ) in logs:
        business_amount = rules.amount(business, rate)
        ooh_amount = rules.amount(ooh, ooh_rate)
        lines.append(
            StatementLine(
                statement_id=statement.pk,
                worklog_id=pk,
                ticket_id=ticket_id,
                ticket_number=f"{TICKET_NUMBER_PREFIX}-{ticket_id}",
                ticket_subject=subject,
                work_date=start.astimezone(zone).date(),
                started_at=start,
                ended_at=end,
                agent_name=f"{first_name} {last_name}".strip() or username,
                activity=activity,
                description=description,
                business_minutes=business,
                out_of_hours_minutes=ooh,
                unverified_minutes=rules.ceil_minutes(ooh_seconds - verified_seconds),
                hourly_rate=rate,
                out_of_hours_rate=ooh_rate,
                business_amount=business_amount,
                out_of_hours_amount=ooh_amount,
                amount=business_amount + ooh_amount,
            )
        )
    return lines


def generate_statement(contract: Contract, period: dt.date, actor: User | None = None) -> Statement:
    """Build (or rebuild) the contract's statement for the month of ``period``.

    A line per billable work log, totals that are the sums of the lines, and the prepaid
    hours drawn this month and left after it. An approved statement is final.
    The number of queries grows only by one INSERT per ``LINE_BATCH_SIZE`` lines.
    """
    if actor is not None:
        access.require_can_prepare_statements(actor)
    first_day = period.replace(day=1)
    first, after = month_bounds(contract, first_day)
    terms = BillingTerms.for_contract(contract.pk)
    with transaction.atomic():
        statement: Statement | None = (
            Statement.objects.select_for_update()
            .filter(contract=contract, period=first_day)
            .annotate(
                corrected=Exists(StatementCorrection.objects.filter(statement=OuterRef("pk")))
            )
            .first()
        )
        if statement is not None and statement.is_final():
            raise ValidationError(
                {"period": [_("The statement for this month is approved and final.")]}
            )
        if statement is not None and statement.corrected:  # type: ignore[attr-defined]
            raise ValidationError(
                {"period": [_("This statement has corrections; correct its lines instead.")]}
            )
        if statement is None:
            statement = Statement(contract=contract, period=first_day)
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
        StatementLine.objects.bulk_create(lines, batch_size=LINE_BATCH_SIZE)
        _prepaid(statement, contract, first_day, (after - dt.timedelta(seconds=1)).date())
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


def _prepaid(statement: Statement, contract: Contract, first: dt.date, last: dt.date) -> None:
    """Prepaid minutes drawn by this month's work, what they are worth, and what is left."""
    balances, drawn = prepaid_draw(contract, until=last + dt.timedelta(days=1))
    used = sum((m for day, m in drawn.items() if first <= day <= last), rules.ZERO)
    left = sum(
        (
            b.package.hours * rules.MINUTES_PER_HOUR - b.used_minutes
            for b in balances
            if b.package.valid_until >= last and b.package.valid_from <= last
        ),
        rules.ZERO,
    )
    statement.prepaid_minutes_used = used
    statement.prepaid_minutes_left = left
    covered = max(
        min(rules.amount(used, statement.hourly_rate), statement.total_amount), rules.ZERO
    )
    statement.prepaid_amount = covered
    statement.amount_due = statement.total_amount - covered


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
    back to the contractor, who corrects the work and issues it again."""
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
