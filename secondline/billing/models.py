"""Work logs, out-of-hours requests, billing terms, prepaid packages and monthly statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from secondline.billing import rules
from secondline.billing.choices import Activity
from secondline.billing.statement_models import HoursOfMinutes as HoursOfMinutes
from secondline.billing.statement_models import PriceListItem as PriceListItem
from secondline.billing.statement_models import Statement as Statement
from secondline.billing.statement_models import StatementCorrection as StatementCorrection
from secondline.billing.statement_models import StatementEvent as StatementEvent
from secondline.billing.statement_models import StatementLine as StatementLine
from secondline.billing.statement_models import StatementRevision as StatementRevision


class BillingTerms(models.Model):
    """How a contract's time is rounded and when its prepaid hours raise a warning.

    The rate, the out-of-hours multiplier and the currency stay on the contract itself; a
    contract without terms uses the defaults below (``BillingTerms.for_contract``).
    """

    contract = models.OneToOneField(
        "accounts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="billing_terms",
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        _("round each work log up to (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("1 bills to the minute."),
    )
    prepaid_warning_percent = models.PositiveSmallIntegerField(
        _("warn when this share of prepaid hours is used (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("billing terms")
        verbose_name_plural = _("billing terms")

    def __str__(self) -> str:
        return str(self.contract)

    @classmethod
    def for_contract(cls, contract_id: int) -> BillingTerms:
        return cls.objects.filter(contract_id=contract_id).first() or cls(contract_id=contract_id)


class PrepaidPackage(models.Model):
    """Hours the customer bought in advance; billed work draws them down (see rules.draw_down)."""

    contract = models.ForeignKey(
        "accounts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="prepaid_packages",
    )
    hours = models.DecimalField(
        _("hours"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    purchased_on = models.DateField(_("purchased on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    warned_at = models.DateTimeField(_("usage warning sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_until", "valid_from", "pk"]
        verbose_name = _("prepaid package")
        verbose_name_plural = _("prepaid packages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="prepaid_package_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract.number}: {self.hours} h ({self.valid_from}–{self.valid_until})"

    def as_rule(self) -> rules.Package:
        return rules.Package(
            self.pk, self.hours * rules.MINUTES_PER_HOUR, self.valid_from, self.valid_until
        )


class OutOfHoursStatus(models.TextChoices):
    NONE = "", _("Within business hours")
    VERIFIED = "verified", _("Verified by both parties")
    PENDING = "pending", _("Awaiting approval")
    UNVERIFIED = "unverified", _("Unverified: not billed")
    REJECTED = "rejected", _("Rejected: not billed")


class WorkLogQuerySet(models.QuerySet["WorkLog"]):
    def in_month(self, contract_id: int, first: dt.datetime, after: dt.datetime) -> WorkLogQuerySet:
        return self.filter(contract_id=contract_id, started_at__gte=first, started_at__lt=after)


class WorkLog(models.Model):
    """Time an agent spent on a ticket, split by the contract's calendar when written.

    The split, the verified share of the out-of-hours part and the minutes billed at each rate
    are stored on the row, so a statement is an aggregation, not a recomputation.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        related_name="worklogs",
    )
    contract = models.ForeignKey(
        "accounts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="worklogs",
    )
    activity = models.CharField(_("activity"), max_length=30, choices=Activity.choices)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    billable = models.BooleanField(_("billable"), default=True)
    description = models.CharField(
        _("description"),
        max_length=500,
        blank=True,
        help_text=_("Shown to the customer and on the statement."),
    )
    internal_note = models.TextField(
        _("internal note"), blank=True, help_text=_("Never shown to the customer.")
    )

    business_seconds = models.PositiveIntegerField(_("business time (s)"), default=0)
    out_of_hours_seconds = models.PositiveIntegerField(_("out-of-hours time (s)"), default=0)
    verified_out_of_hours_seconds = models.PositiveIntegerField(
        _("verified out-of-hours time (s)"), default=0
    )
    out_of_hours_status = models.CharField(
        _("out-of-hours status"),
        max_length=12,
        choices=OutOfHoursStatus.choices,
        blank=True,
        default=OutOfHoursStatus.NONE,
    )
    billed_business_minutes = models.PositiveIntegerField(_("billed business minutes"), default=0)
    billed_out_of_hours_minutes = models.PositiveIntegerField(
        _("billed out-of-hours minutes"), default=0
    )
    out_of_hours_rate = models.DecimalField(
        _("approved out-of-hours rate"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "The rate of the approved request its billed out-of-hours minutes are priced at; "
            "empty: the statement's out-of-hours rate."
        ),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkLogQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        indexes = [models.Index(fields=["contract", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")),
                name="worklog_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_activity_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.business_seconds + self.out_of_hours_seconds)

    @property
    def business_time(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.business_seconds)

    @property
    def out_of_hours_time(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.out_of_hours_seconds)

    @property
    def unverified_out_of_hours_seconds(self) -> int:
        return self.out_of_hours_seconds - self.verified_out_of_hours_seconds

    def billed_business_hours(self) -> Decimal:
        return rules.hours(self.billed_business_minutes)

    def billed_out_of_hours_hours(self) -> Decimal:
        return rules.hours(self.billed_out_of_hours_minutes)


class OutOfHoursRequest(models.Model):
    """Work outside business hours agreed by both parties: the customer's responsible person
    and a contractor manager each approve or reject it; either rejection rejects it.

    It snapshots the rate that will apply, so both sides approve a known price.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved by both parties")
        REJECTED = "rejected", _("Rejected")

    class Decision(models.TextChoices):
        NONE = "", _("Not decided")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Side(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        CONTRACTOR = "contractor", _("Contractor")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        related_name="out_of_hours_requests",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_by_side = models.CharField(_("raised by"), max_length=12, choices=Side.choices)
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    reason = models.TextField(_("reason"))
    estimated_hours = models.DecimalField(
        _("estimated hours"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=12, decimal_places=2)
    multiplier = models.DecimalField(_("out-of-hours multiplier"), max_digits=5, decimal_places=2)
    out_of_hours_rate = models.DecimalField(_("out-of-hours rate"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    after_the_fact = models.BooleanField(
        _("raised after the work"),
        default=False,
        help_text=_("Raised to verify work already logged outside business hours."),
    )
    worklogs = models.ManyToManyField(
        WorkLog, verbose_name=_("work logs"), blank=True, related_name="out_of_hours_requests"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )

    customer_decision = models.CharField(
        _("customer's decision"), max_length=10, choices=Decision.choices, blank=True
    )
    customer_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    customer_decided_at = models.DateTimeField(null=True, blank=True)
    customer_comment = models.TextField(_("customer's comment"), blank=True)

    contractor_decision = models.CharField(
        _("contractor's decision"), max_length=10, choices=Decision.choices, blank=True
    )
    contractor_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contractor_decided_at = models.DateTimeField(null=True, blank=True)
    contractor_comment = models.TextField(_("contractor's comment"), blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("out-of-hours request")
        verbose_name_plural = _("out-of-hours requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="ooh_request_window_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.window_start:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def estimated_amount(self) -> Decimal:
        return rules.money(self.estimated_hours * self.out_of_hours_rate)

    def decision_of(self, side: str) -> str:
        return self.customer_decision if side == self.Side.CUSTOMER else self.contractor_decision
