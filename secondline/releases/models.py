"""Releases and the on-duty service.

The release catalogue (which versions exist, which each customer runs), the update
installation workflow (a plan per Update installation ticket, windows proposed by the
contractor and accepted by the customer), and the duty roster that answers Urgent incidents.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VersionKind(models.TextChoices):
    HOTFIX = "hotfix", _("Hotfix")
    UPDATE = "update", _("Update")
    NEW_VERSION = "new_version", _("New version")


class ProductVersion(models.Model):
    """One released version of a product, with its notes in both languages."""

    product = models.CharField(_("product"), max_length=100)
    version = models.CharField(_("version"), max_length=50)
    released_on = models.DateField(_("release date"))
    kind = models.CharField(_("kind"), max_length=20, choices=VersionKind.choices)
    notes_en = models.TextField(_("release notes (English)"), blank=True)
    notes_ru = models.TextField(_("release notes (Russian)"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["product", "-released_on", "-id"]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="one_version_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"

    def notes(self, language: str) -> str:
        """The release notes in the reader's language, the other one when it is missing."""
        if language.startswith("ru"):
            return self.notes_ru or self.notes_en
        return self.notes_en or self.notes_ru

    def is_newer_than(self, other: ProductVersion | None) -> bool:
        """Versions of a product follow their release dates (ties: the later catalogue entry)."""
        if other is None:
            return True
        return (self.released_on, self.pk or 0) > (other.released_on, other.pk or 0)


class Installation(models.Model):
    """A system the customer runs under a contract, e.g. its Production, and its version."""

    contract = models.ForeignKey(
        "accounts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="installations",
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("The environment, e.g. “Production”.")
    )
    product = models.CharField(_("product"), max_length=100)
    current_version = models.ForeignKey(
        ProductVersion,
        verbose_name=_("current version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="installations",
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["contract__customer__name", "name"]
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "product", "name"], name="one_installation_name_per_contract"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract.customer} · {self.name} ({self.product})"


class InstallationChange(models.Model):
    """One line of an installation's version history; rows are never changed."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="changes")
    from_version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("version change")
        verbose_name_plural = _("version changes")

    def __str__(self) -> str:
        return f"{self.installation}: {self.from_version} → {self.to_version}"


class UpdatePlan(models.Model):
    """The installation of one version on one installation, agreed on an Update ticket."""

    class State(models.TextChoices):
        AWAITING_WINDOW = "awaiting_window", _("Waiting for a window proposal")
        WINDOW_PROPOSED = "window_proposed", _("Window proposed to the customer")
        WINDOW_AGREED = "window_agreed", _("Window agreed")
        INSTALLED = "installed", _("Installed, waiting for the customer's confirmation")
        CONFIRMED = "confirmed", _("Confirmed by the customer")

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="update_plan"
    )
    installation = models.ForeignKey(
        Installation, verbose_name=_("installation"), on_delete=models.PROTECT, related_name="plans"
    )
    target_version = models.ForeignKey(
        ProductVersion,
        verbose_name=_("target version"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    proposed_by_contractor = models.BooleanField(_("proposed by the contractor"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.AWAITING_WINDOW
    )
    installed_version = models.ForeignKey(
        ProductVersion,
        verbose_name=_("installed version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    installation_started_at = models.DateTimeField(_("installation started"), null=True, blank=True)
    installation_finished_at = models.DateTimeField(
        _("installation finished"), null=True, blank=True
    )
    override_reason = models.TextField(
        _("reason for installing outside the agreed window or downgrading"),
        blank=True,
        help_text=_("Given by the engineer; shown on the ticket and on the statement."),
    )
    confirmed_at = models.DateTimeField(_("confirmed by the customer"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("update plan")
        verbose_name_plural = _("update plans")

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.target_version}"

    def agreed_window(self) -> InstallationWindow | None:
        return self.windows.filter(status=InstallationWindow.Status.ACCEPTED).first()

    def proposed_window(self) -> InstallationWindow | None:
        return self.windows.filter(status=InstallationWindow.Status.PROPOSED).first()


class InstallationWindow(models.Model):
    """A time slot for the installation, proposed by the contractor with an estimate.

    Two accepted windows of one engineer never overlap, nor two accepted windows of one
    customer, whoever holds them: checked by the service and, where the database can, by a
    constraint (see migrations 0002 and 0003).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("installation window", "Proposed")
        ACCEPTED = "accepted", pgettext_lazy("installation window", "Accepted")
        DECLINED = "declined", _("Another window asked for")
        SUPERSEDED = "superseded", pgettext_lazy("installation window", "Superseded")

    plan = models.ForeignKey(UpdatePlan, on_delete=models.CASCADE, related_name="windows")
    # The plan's customer, copied onto the row so the database can keep its windows apart.
    customer = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        related_name="installation_windows",
    )
    estimate_hours = models.DecimalField(
        _("estimate (hours)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    note = models.TextField(_("note from the contractor"), blank=True)
    customer_comment = models.TextField(_("customer's comment"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reminded_day_at = models.DateTimeField(_("day-before reminder sent"), null=True, blank=True)
    reminded_hour_at = models.DateTimeField(_("hour-before reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("installation window")
        verbose_name_plural = _("installation windows")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="installation_window_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["engineer", "status", "starts_at"]),
            models.Index(fields=["customer", "status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.plan.ticket.number} {self.starts_at:%Y-%m-%d %H:%M}"


class DutyShift(models.Model):
    """Who is on duty when: the people alerted about an Urgent incident, in roster order."""

    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        related_name="duty_shifts",
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"), db_index=True)
    phone = models.CharField(
        _("phone"), max_length=50, blank=True, help_text=_("Empty: the engineer's own phone.")
    )
    position = models.PositiveSmallIntegerField(
        _("order"), default=1, help_text=_("1 is alerted first, 2 next, and so on.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "position", "id"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="duty_shift_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engineer} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class AlertWebhook(models.Model):
    """An SMS or chat gateway that receives each Urgent alert as a signed JSON POST."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=200,
        help_text=_("Signs each request: X-SecondLine-Signature is sha256=HMAC-SHA256(body)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert webhook")
        verbose_name_plural = _("alert webhooks")

    def __str__(self) -> str:
        return self.name


class DutyCallout(models.Model):
    """The call-out of the duty roster for one Urgent incident, and how far it escalated.

    The escalation sweep claims a call-out by moving ``level`` with a conditional update,
    so two workers never alert the next person twice.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="duty_callout"
    )
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(
        _("next escalation"), null=True, blank=True, db_index=True
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    out_of_hours = models.BooleanField(_("filed outside business hours"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("duty call-out")
        verbose_name_plural = _("duty call-outs")

    def __str__(self) -> str:
        return f"{self.ticket.number} level {self.level}"


class UrgentAlert(models.Model):
    """One alert to one engineer by one channel at one escalation level."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    callout = models.ForeignKey(DutyCallout, on_delete=models.CASCADE, related_name="alerts")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        related_name="urgent_alerts",
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    webhook = models.ForeignKey(
        AlertWebhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("urgent alert")
        verbose_name_plural = _("urgent alerts")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.ticket.number} → {self.engineer} ({self.channel})"


class PhoneCall(models.Model):
    """The customer's phone call about a ticket, as the agent who took it recorded it."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="calls")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"))
    caller_name = models.CharField(_("caller"), max_length=200)
    caller_phone = models.CharField(_("caller's phone"), max_length=50, blank=True)
    summary = models.TextField(_("summary"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.caller_name}"
