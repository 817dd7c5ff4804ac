"""What the contractor's staff follow, what they have been told in the desk, and the timers
of the automatic actions (docs/notifications.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    """Which tickets one person of the contractor hears about, and how."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="subscription",
    )
    my_tickets = models.BooleanField(
        _("my tickets"),
        default=True,
        help_text=_("Customer replies, reopenings and SLA warnings of tickets assigned to me."),
    )
    my_customers = models.BooleanField(
        _("my customers"),
        default=True,
        help_text=_("Everything that happens to tickets of customers I am account engineer of."),
    )
    all_new = models.BooleanField(
        _("all new tickets"),
        default=False,
        help_text=_("Every new ticket, and every ticket left unassigned too long."),
    )
    organizations = models.ManyToManyField(
        "accounts.Organization",
        verbose_name=_("customer organisations"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "customer"},
    )
    by_email = models.BooleanField(_("by email"), default=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return str(self.person)


class AccountEngineer(models.Model):
    """The contractor's engineer who looks after one customer ("my customers")."""

    customer = models.OneToOneField(
        "accounts.Organization",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="account_engineer",
        limit_choices_to={"kind": "customer"},
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="accounts_looked_after",
    )

    class Meta:
        verbose_name = _("account engineer")
        verbose_name_plural = _("account engineers")

    def __str__(self) -> str:
        return f"{self.customer}: {self.engineer}"


class Notice(models.Model):
    """One line of a person's notification list in the desk."""

    class Kind(models.TextChoices):
        NEW_TICKET = "new_ticket", _("New ticket")
        CUSTOMER_REPLY = "customer_reply", _("Customer replied")
        REOPENED = "reopened", _("Ticket reopened")
        UNASSIGNED = "unassigned", _("Still unassigned")
        SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        MENTION = "mention", _("You were mentioned")
        ASSIGNED = "assigned", _("Assigned to you")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            # the list and the header's unread count are read per person, newest first
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at=None), name="notice_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ticket_id} → {self.recipient_id}"


class Timer(models.Model):
    """An automatic action due on a ticket at a moment of the contract's business calendar;
    the sweep reads only the timers that are due (by the index on ``due_at``)."""

    class Kind(models.TextChoices):
        UNASSIGNED = "unassigned", _("Tell the team a ticket is still unassigned")
        REMIND = "remind", _("Remind the customer")
        CLOSE_WAITING = "close_waiting", _("Close a ticket the customer did not answer")
        CLOSE_RESOLVED = "close_resolved", _("Close a resolved ticket")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("automation timer")
        verbose_name_plural = _("automation timers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="one_timer_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.ticket_id} at {self.due_at:%Y-%m-%d %H:%M}"


class RoundRobin(models.Model):
    """Who got the last ticket assigned round-robin (one row), so the next goes to the next."""

    last_engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("round-robin position")
        verbose_name_plural = _("round-robin position")

    def __str__(self) -> str:
        return str(self.last_engineer or "-")
