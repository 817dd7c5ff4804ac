"""Releases and the on-duty service.

The release catalogue (which versions exist, which each customer runs), the update
installation workflow (a plan per Update installation ticket, windows proposed by the
contractor and accepted by the customer). The duty roster that answers Urgent incidents is in
``duty_models``, imported here so that every model of the app is found in one place.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from secondline.releases.duty_models import AlertWebhook as AlertWebhook
from secondline.releases.duty_models import DutyCallout as DutyCallout
from secondline.releases.duty_models import DutyShift as DutyShift
from secondline.releases.duty_models import PhoneCall as PhoneCall
from secondline.releases.duty_models import UrgentAlert as UrgentAlert


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
