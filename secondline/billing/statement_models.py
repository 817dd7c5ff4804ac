"""Monthly statements and their lines, revisions, corrections and events."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from secondline.accounts.models import VAT_RATE_VALIDATORS
from secondline.billing import rules
from secondline.billing.choices import Activity


class HoursOfMinutes:
    """Hours, for people, of the minutes a statement or one of its lines stores."""

    business_minutes: int
    out_of_hours_minutes: int
    unverified_minutes: int

    @property
    def business_hours(self) -> Decimal:
        return rules.hours(self.business_minutes)

    @property
    def out_of_hours_hours(self) -> Decimal:
        return rules.hours(self.out_of_hours_minutes)

    @property
    def unverified_hours(self) -> Decimal:
        return rules.hours(self.unverified_minutes)


class Statement(HoursOfMinutes, models.Model):
    """A contract's monthly statement: a line per ticket, day and activity of its billed work,
    totals, the prepaid balance.

    Amounts are snapshots; regenerating a draft replaces them, an approved statement is final.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued to the customer")
        APPROVED = "approved", _("Approved by the customer")
        DISPUTED = "disputed", _("Disputed by the customer")

    contract = models.ForeignKey(
        "accounts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="statements",
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month billed."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    currency = models.CharField(_("currency"), max_length=3)
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=12, decimal_places=2)
    multiplier = models.DecimalField(_("out-of-hours multiplier"), max_digits=5, decimal_places=2)
    out_of_hours_rate = models.DecimalField(_("out-of-hours rate"), max_digits=12, decimal_places=2)
    rounding_minutes = models.PositiveSmallIntegerField(_("rounding (minutes)"))

    business_minutes = models.PositiveIntegerField(_("business minutes"), default=0)
    out_of_hours_minutes = models.PositiveIntegerField(_("out-of-hours minutes"), default=0)
    unverified_minutes = models.PositiveIntegerField(
        _("unverified out-of-hours minutes (not billed)"), default=0
    )
    business_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    out_of_hours_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    total_amount = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    prepaid_minutes_used = models.DecimalField(
        _("prepaid minutes used this month"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    prepaid_amount = models.DecimalField(
        _("covered by prepaid hours"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    prepaid_minutes_left = models.DecimalField(
        _("prepaid minutes left"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    amount_due = models.DecimalField(
        _("amount due"), max_digits=14, decimal_places=2, default=Decimal(0)
    )

    generated_at = models.DateTimeField(_("generated"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("approved or disputed"), null=True, blank=True)
    revision = models.PositiveSmallIntegerField(
        _("revision"), default=0, help_text=_("Issued revisions; 0 until first issued.")
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    vat_amount = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=0)
    amount_due_with_vat = models.DecimalField(
        _("amount due with VAT"), max_digits=14, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        ordering = ["-period", "contract"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(fields=["contract", "period"], name="one_statement_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.period:%Y-%m}"

    @property
    def prepaid_hours_used(self) -> Decimal:
        return rules.hours(self.prepaid_minutes_used)

    @property
    def prepaid_hours_left(self) -> Decimal:
        return rules.hours(self.prepaid_minutes_left)

    def is_final(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def other_amount(self) -> Decimal:
        """Credits, fixed-price items, adjustments and corrected amounts: what is not hours."""
        return self.total_amount - self.business_amount - self.out_of_hours_amount


class StatementLine(HoursOfMinutes, models.Model):
    """The work on one ticket on one day in one activity as billed: the minutes its work logs
    stored, at which rates, for how much (snapshots; its logs: ``statements.line_worklogs``);
    or a credit, a fixed-price item or an adjustment carried from an approved month."""

    class Kind(models.TextChoices):
        WORK = "work", _("Work")
        ITEM = "item", _("Price list item")
        CREDIT = "credit", _("Credit")
        ADJUSTMENT = "adjustment", _("Adjustment of an approved month")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    # Links for navigation only: the line keeps its own copy of everything it bills. ``worklog``
    # is set when the line has a single log (lines before 0004 always had one).
    worklog = models.ForeignKey(
        "billing.WorkLog",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    worklog_count = models.PositiveIntegerField(
        _("work logs"), default=1, help_text=_("How many work logs the line adds up.")
    )
    ticket_number = models.CharField(_("ticket"), max_length=30)
    ticket_subject = models.CharField(_("subject"), max_length=250)
    work_date = models.DateField(_("date"))
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    agent_name = models.CharField(_("agent"), max_length=200)
    activity = models.CharField(_("activity"), max_length=30, choices=Activity.choices)
    description = models.CharField(_("description"), max_length=500, blank=True)
    business_minutes = models.PositiveIntegerField(_("business minutes"))
    out_of_hours_minutes = models.PositiveIntegerField(_("out-of-hours minutes"))
    unverified_minutes = models.PositiveIntegerField(_("unverified minutes (not billed)"))
    hourly_rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=2)
    out_of_hours_rate = models.DecimalField(_("out-of-hours rate"), max_digits=12, decimal_places=2)
    business_amount = models.DecimalField(max_digits=14, decimal_places=2)
    out_of_hours_amount = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    disputed = models.BooleanField(_("disputed"), default=False)
    dispute_comment = models.TextField(_("dispute comment"), blank=True)
    disputed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    disputed_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.WORK)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    unit_price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    corrected = models.BooleanField(_("corrected"), default=False)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The statement's rate, or a price list item's own; empty: no VAT."),
    )

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")

    def __str__(self) -> str:
        return f"{self.ticket_number} {self.work_date} {self.amount}"


class StatementRevision(models.Model):
    """A statement as it was issued: its totals and lines, readable after later corrections."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("revision"))
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    total_amount = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    amount_due = models.DecimalField(_("amount due"), max_digits=14, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2)
    amount_due_with_vat = models.DecimalField(
        _("amount due with VAT"), max_digits=14, decimal_places=2
    )
    lines = models.JSONField(_("lines"), default=list)

    class Meta:
        ordering = ["statement", "number"]
        verbose_name = _("statement revision")
        verbose_name_plural = _("statement revisions")
        constraints = [
            models.UniqueConstraint(fields=["statement", "number"], name="one_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.statement} r{self.number}"


class StatementCorrection(models.Model):
    """A manager's change to a statement after a dispute, with its reason: a line's hours or
    amount, or a credit line. Made on an approved statement it is an adjustment, carried to
    the contract's next statement (``carried_to``)."""

    class Kind(models.TextChoices):
        LINE = "line", _("Line corrected")
        CREDIT = "credit", _("Credit line added")
        ADJUSTMENT = "adjustment", _("Adjustment for the next month")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="corrections")
    revision = models.PositiveSmallIntegerField(_("in revision"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # A corrected statement is never rebuilt (statements.generate_statement), so its lines are
    # never deleted; without a cascade rule, rebuilding a large draft stays one DELETE.
    line = models.ForeignKey(
        StatementLine,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    line_label = models.CharField(_("line"), max_length=300, blank=True)
    old_business_minutes = models.PositiveIntegerField(null=True, blank=True)
    new_business_minutes = models.PositiveIntegerField(null=True, blank=True)
    old_out_of_hours_minutes = models.PositiveIntegerField(null=True, blank=True)
    new_out_of_hours_minutes = models.PositiveIntegerField(null=True, blank=True)
    old_amount = models.DecimalField(_("amount before"), max_digits=14, decimal_places=2)
    new_amount = models.DecimalField(_("amount after"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    carried_to = models.ForeignKey(
        Statement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_adjustments",
        verbose_name=_("carried to"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("statement correction")
        verbose_name_plural = _("statement corrections")

    def __str__(self) -> str:
        return f"{self.statement} r{self.revision} {self.get_kind_display()}"

    @property
    def difference(self) -> Decimal:
        return self.new_amount - self.old_amount


class StatementEvent(models.Model):
    """The statement's own audit trail: issued, disputed, corrected, approved (who, when)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Statement issued")
        DISPUTED = "disputed", _("Statement line disputed")
        CORRECTED = "corrected", _("Statement corrected")
        ITEM_ADDED = "item_added", _("Price list item added")
        APPROVED = "approved", _("Statement approved")
        ADJUSTED = "adjusted", _("Adjustment carried to the next month")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    revision = models.PositiveSmallIntegerField(_("revision"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("statement event")
        verbose_name_plural = _("statement events")

    def __str__(self) -> str:
        return f"{self.statement} {self.get_kind_display()}"


class PriceListItem(models.Model):
    """A fixed-price service of a contract's price list (e.g. "update installation, flat")."""

    contract = models.ForeignKey(
        "accounts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="price_list",
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    active = models.BooleanField(_("active"), default=True)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=VAT_RATE_VALIDATORS,
        help_text=_("Empty: the contract's VAT rate. 0 for an item not charged VAT."),
    )

    class Meta:
        ordering = ["contract", "name"]
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        constraints = [
            models.UniqueConstraint(fields=["contract", "name"], name="one_price_per_item_name")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.price}"

    def vat_rate_in(self, statement: Statement) -> Decimal | None:
        """Contract rule: an item has its own VAT rate when set, else the statement's; a
        contractor without VAT (simplified tax system) charges none on anything."""
        if statement.vat_rate is None:
            return None
        return statement.vat_rate if self.vat_rate is None else self.vat_rate
