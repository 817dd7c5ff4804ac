"""The on-duty service: the roster, the webhooks that page it, and what an Urgent incident
set in motion (callouts, the alert, the phone calls of the support line)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
