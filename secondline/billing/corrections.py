"""Corrections after a dispute, with a paper trail; fixed-price items; next-month adjustments.

Contract rule: a statement is corrected only after the customer disputed it (or while it is a
draft); every correction names its reason and goes into the next revision, which the
customer's responsible person approves or disputes again. An approved statement is final: a
correction made then is an adjustment that the contract's next statement carries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from secondline.accounts.models import User
from secondline.billing import access, events, rules, statement_events
from secondline.billing.models import (
    PriceListItem,
    Statement,
    StatementCorrection,
    StatementLine,
)
from secondline.billing.periods import month_bounds
from secondline.billing.prepaid import draw_for_statement
from secondline.tickets.choices import Channel
from secondline.tickets.signals import announce

Kind = StatementCorrection.Kind
LineKind = StatementLine.Kind
#: A line's amount stays below what the database stores (14 digits, 2 after the point).
MAX_AMOUNT = Decimal(10) ** 12


def _locked(statement: Statement, actor: User) -> Statement:
    """The statement, locked, if a manager may change it now; an approved one is returned
    too (its corrections become adjustments)."""
    access.require_can_prepare_statements(actor)
    locked = Statement.objects.select_for_update().select_related("contract").get(pk=statement.pk)
    if locked.status == Statement.Status.ISSUED:
        raise ValidationError(
            {"status": [_("The customer is deciding on this revision; wait for their answer.")]}
        )
    return locked


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the statement changes.")]})
    return reason.strip()


def label_of(line: StatementLine) -> str:
    """How a line is named in the trail: the ticket and date of work, or the description."""
    if line.kind == LineKind.WORK:
        return f"{line.ticket_number} {line.work_date:%Y-%m-%d} {line.description}".strip()
    return line.description


def _minutes(hours: Decimal | None, field: str) -> int | None:
    if hours is None:
        return None
    if hours < 0 or hours > 24 * 31:
        raise ValidationError({field: [_("Give the hours as a number from 0 to 744.")]})
    return int((hours * rules.MINUTES_PER_HOUR).to_integral_value())


def correct_line(
    line: StatementLine,
    actor: User,
    *,
    reason: str,
    business_hours: Decimal | None = None,
    out_of_hours_hours: Decimal | None = None,
    amount: Decimal | None = None,
    channel: str = Channel.WEB,
) -> StatementCorrection:
    """Change a line's hours (re-priced at the line's own rates) or its amount, with a reason."""
    reason = _reason(reason)
    business = _minutes(business_hours, "business_hours")
    ooh = _minutes(out_of_hours_hours, "out_of_hours_hours")
    if business is None and ooh is None and amount is None:
        raise ValidationError({"amount": [_("Give the corrected hours or the amount.")]})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": [_("An amount is not negative; add a credit line.")]})
    if line.kind != LineKind.WORK and (business is not None or ooh is not None):
        raise ValidationError({"business_hours": [_("Only a line of work has hours.")]})
    with transaction.atomic():
        statement = _locked(line.statement, actor)
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        new_business = line.business_minutes if business is None else business
        new_ooh = line.out_of_hours_minutes if ooh is None else ooh
        business_amount = rules.amount(new_business, line.hourly_rate)
        ooh_amount = rules.amount(new_ooh, line.out_of_hours_rate)
        new_amount = amount if amount is not None else business_amount + ooh_amount
        correction = StatementCorrection(
            statement=statement,
            revision=statement.revision + 1,
            kind=Kind.LINE,
            line=line,
            line_label=label_of(line),
            old_business_minutes=line.business_minutes,
            new_business_minutes=new_business,
            old_out_of_hours_minutes=line.out_of_hours_minutes,
            new_out_of_hours_minutes=new_ooh,
            old_amount=line.amount,
            new_amount=rules.money(new_amount),
            reason=reason,
            created_by=actor,
        )
        if statement.is_final():
            return _adjustment(statement, correction, actor)
        line.business_minutes, line.out_of_hours_minutes = new_business, new_ooh
        line.business_amount, line.out_of_hours_amount = business_amount, ooh_amount
        line.amount, line.corrected, line.disputed = correction.new_amount, True, False
        line.save()
        correction.save()
        recompute(statement)
        _announce(statement, correction, actor, channel)
    return correction


def add_credit(
    statement: Statement,
    actor: User,
    *,
    amount: Decimal,
    description: str,
    reason: str,
) -> StatementCorrection:
    """A credit line (a negative amount) with a description the customer reads and a reason."""
    reason = _reason(reason)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("A credit is a positive amount.")]})
    if not (description or "").strip():
        raise ValidationError({"description": [_("Say what the credit is for.")]})
    with transaction.atomic():
        statement = _locked(statement, actor)
        correction = StatementCorrection(
            statement=statement,
            revision=statement.revision + 1,
            kind=Kind.CREDIT,
            line_label=description.strip(),
            old_amount=rules.ZERO,
            new_amount=-rules.money(amount),
            reason=reason,
            created_by=actor,
        )
        if statement.is_final():
            return _adjustment(statement, correction, actor)
        if -correction.new_amount > statement.total_amount:
            raise ValidationError({"amount": [_("A credit cannot exceed the statement's total.")]})
        line = _extra_line(statement, LineKind.CREDIT, description.strip(), correction.new_amount)
        line.save()
        correction.line = line
        correction.save()
        recompute(statement)
        _announce(statement, correction, actor, Channel.WEB)
    return correction


def add_price_item(
    statement: Statement, actor: User, *, item: PriceListItem, quantity: Decimal
) -> StatementLine:
    """A fixed-price item of the contract's price list, ``quantity`` times, on a draft or
    disputed statement, at the item's VAT rate (``PriceListItem.vat_rate_in``)."""
    if item.contract_id != statement.contract_id or not item.active:
        raise ValidationError({"item": [_("This item is not on the contract's price list.")]})
    if quantity is None or quantity <= 0 or quantity > 10_000:
        raise ValidationError({"quantity": [_("Give a quantity from 0.01 to 10000.")]})
    with transaction.atomic():
        statement = _locked(statement, actor)
        if statement.is_final():
            raise ValidationError({"status": [_("The statement is approved and final.")]})
        amount = rules.money(quantity * item.price)
        if amount >= MAX_AMOUNT:
            raise ValidationError({"quantity": [_("The amount of this line is too large.")]})
        line = _extra_line(statement, LineKind.ITEM, item.name, amount)
        line.quantity, line.unit_price = quantity, item.price
        line.vat_rate = item.vat_rate_in(statement)
        line.save()
        recompute(statement)
        statement_events.announce(
            statement,
            statement_events.Kind.ITEM_ADDED,
            actor,
            f"{item.name}: {quantity} × {item.price} = {line.amount}",
        )
    return line


def _extra_line(
    statement: Statement, kind: str, description: str, amount: Decimal
) -> StatementLine:
    """A line that is not work: dated the month's last moment, so it follows the work."""
    _first, after = month_bounds(statement.contract, statement.period)
    moment = after - dt.timedelta(seconds=1)
    return StatementLine(
        statement=statement,
        kind=kind,
        description=description[:500],
        work_date=(after - dt.timedelta(days=1)).date(),
        started_at=moment,
        ended_at=moment,
        business_minutes=0,
        out_of_hours_minutes=0,
        unverified_minutes=0,
        hourly_rate=statement.hourly_rate,
        out_of_hours_rate=statement.out_of_hours_rate,
        vat_rate=statement.vat_rate,
        business_amount=rules.ZERO,
        out_of_hours_amount=rules.ZERO,
        amount=amount,
    )


def _adjustment(
    statement: Statement, correction: StatementCorrection, actor: User
) -> StatementCorrection:
    correction.kind = Kind.ADJUSTMENT
    correction.revision = statement.revision
    correction.save()
    statement_events.announce(
        statement, statement_events.Kind.ADJUSTED, actor, describe(correction)
    )
    return correction


def describe(correction: StatementCorrection) -> str:
    """The change the other side reads: the line, before → after, and why (as typed).

    The statement's history keeps this text, and people of either language read it: so it
    holds data and symbols only, no word of the writer's language."""
    return f"{correction.line_label}: {correction.old_amount} → {correction.new_amount} — " + (
        correction.reason
    )


def _announce(
    statement: Statement, correction: StatementCorrection, actor: User, channel: str
) -> None:
    statement_events.announce(
        statement, statement_events.Kind.CORRECTED, actor, describe(correction)
    )
    line = correction.line
    if line is not None and line.ticket_id is not None and line.ticket is not None:
        announce(events.statement_line_corrected(line.ticket, correction, actor, channel))


def recompute(statement: Statement) -> None:
    """The totals again from the lines in the database (after a correction or an item), and
    the prepaid hours drawn again: corrected hours count instead of the logged ones
    (``prepaid.draw_for_statement``)."""
    sums = statement.lines.aggregate(
        b=Sum("business_minutes"),
        o=Sum("out_of_hours_minutes"),
        u=Sum("unverified_minutes"),
        ba=Sum("business_amount"),
        oa=Sum("out_of_hours_amount"),
        a=Sum("amount"),
    )
    statement.business_minutes, statement.out_of_hours_minutes = sums["b"] or 0, sums["o"] or 0
    statement.unverified_minutes = sums["u"] or 0
    statement.business_amount = sums["ba"] or rules.ZERO
    statement.out_of_hours_amount = sums["oa"] or rules.ZERO
    statement.total_amount = sums["a"] or rules.ZERO
    draw_for_statement(statement)
    apply_vat(statement)
    statement.save()


@dataclass(frozen=True)
class VatShare:
    """The lines at one VAT rate: their amount after prepaid hours, and the VAT on it."""

    rate: Decimal
    base: Decimal
    vat: Decimal


def vat_by_rate(statement: Statement) -> list[VatShare]:
    """Contract rule: VAT is charged per rate on the amount due of the lines at that rate
    (a line's rate is the statement's, or a price list item's own). Prepaid hours pay for
    work, so what they cover comes off the statement's own rate first. Lines without a rate
    (a contractor on the simplified tax system) carry no VAT. Highest rate first."""
    bases: dict[Decimal | None, Decimal] = dict(
        statement.lines.order_by().values_list("vat_rate").annotate(base=Sum("amount"))
    )
    covered = statement.prepaid_amount
    for rate in sorted(bases, key=lambda r: (r != statement.vat_rate, r is None, r or 0)):
        taken = min(covered, max(bases[rate], rules.ZERO))
        bases[rate] -= taken
        covered -= taken
    return [
        VatShare(rate, bases[rate], rules.money(bases[rate] * rate / 100))
        for rate in sorted((r for r in bases if r is not None), reverse=True)
    ]


def apply_vat(statement: Statement) -> None:
    """VAT on the amount due, summed over the lines' rates (``vat_by_rate``); no rate means
    no VAT (simplified taxation)."""
    statement.vat_amount = sum((share.vat for share in vat_by_rate(statement)), rules.ZERO)
    statement.amount_due_with_vat = statement.amount_due + statement.vat_amount


def adjustment_lines(statement: Statement) -> list[StatementLine]:
    """Adjustments of the contract's earlier, approved months not yet carried (or carried to
    this statement, when it is rebuilt), as lines of this statement; marks them carried.

    Contract rule: an adjustment is money in its own statement's currency, and the desk
    converts no currency. One made in another currency (the contract changed currency since)
    is not added to the total: it is carried as a line of 0.00 that names it, so both sides
    see it once, and the manager settles it by hand (a credit line, or a separate invoice).
    """
    pending = StatementCorrection.objects.filter(
        kind=Kind.ADJUSTMENT,
        statement__contract_id=statement.contract_id,
        statement__period__lt=statement.period,
    ).filter(Q(carried_to__isnull=True) | Q(carried_to=statement))
    lines = []
    for correction in pending.select_related("statement"):
        names = {
            "month": f"{correction.statement.period:%Y-%m}",
            "line": correction.line_label,
            "reason": correction.reason,
            "amount": correction.difference,
            "currency": correction.statement.currency,
        }
        if correction.statement.currency == statement.currency:
            text = _("Adjustment of %(month)s: %(line)s (%(reason)s)") % names
            amount = correction.difference
        else:
            text = (
                _(
                    "Adjustment of %(month)s: %(line)s (%(reason)s): %(amount)s %(currency)s, "
                    "not carried into another currency; settled separately."
                )
                % names
            )
            amount = rules.ZERO
        lines.append(_extra_line(statement, LineKind.ADJUSTMENT, text, amount))
    if lines:
        pending.update(carried_to=statement)
    return lines
