"""Tickets, their conversation, their files and their append-only history."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secondline.common.files import stored_name
from secondline.tickets import automatic, reasons
from secondline.tickets.choices import (
    OPEN_STATUSES,
    Channel,
    Environment,
    Priority,
    Status,
    TicketType,
)

TICKET_NUMBER_PREFIX = "SL"
TICKET_NUMBER_RE = re.compile(rf"\b{TICKET_NUMBER_PREFIX}-(\d{{1,12}})\b", re.IGNORECASE)


class DeclineReason(models.Model):
    """A reason from the configurable list a contractor picks when declining a ticket."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_ru = models.CharField(_("title (Russian)"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("decline reason")
        verbose_name_plural = _("decline reasons")

    def __str__(self) -> str:
        return self.title_en

    def title(self, language: str) -> str:
        return self.title_ru if language.startswith("ru") else self.title_en


class Ticket(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,  # the (organisation, updated) index below starts with it
    )
    contract = models.ForeignKey(
        "accounts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    type = models.CharField(_("type"), max_length=30, choices=TicketType.choices)
    requested_priority = models.CharField(
        _("requested priority"), max_length=10, choices=Priority.choices, blank=True
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=250)
    description = models.TextField(_("description"))
    affected_module = models.CharField(_("affected module"), max_length=200, blank=True)
    environment = models.CharField(
        _("environment"), max_length=20, choices=Environment.choices, blank=True
    )
    # Incident details
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    impact = models.TextField(_("impact"), blank=True)
    steps_to_reproduce = models.TextField(_("how to reproduce"), blank=True)
    # Update installation details
    target_version = models.CharField(_("target version"), max_length=100, blank=True)
    preferred_windows = models.TextField(_("preferred windows"), blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("watchers"),
        blank=True,
        related_name="watched_tickets",
    )
    decline_reason = models.ForeignKey(
        DeclineReason,
        verbose_name=_("decline reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    decline_note = models.TextField(_("decline note"), blank=True)
    # Set when this ticket was merged into another as its duplicate (tickets/merging.py): it is
    # closed then, and its conversation, files and watchers are on that ticket.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
    )

    # SLA state, kept on the row so queues can sort and filter by it.
    reaction_due_at = models.DateTimeField(_("reaction due"), null=True, blank=True, db_index=True)
    first_reaction_at = models.DateTimeField(_("first reaction"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    update_due_at = models.DateTimeField(_("next update due"), null=True, blank=True)
    sla_state = models.CharField(_("SLA state"), max_length=20, blank=True, db_index=True)
    sla_paused_since = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    # When the SLA sweep must look at the ticket next (its next at-risk moment or deadline);
    # empty while no clock runs. The sweep reads only the rows due, through the partial index.
    sla_next_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False, db_index=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["organization", "-updated_at"]),
            models.Index(fields=["status", "reaction_due_at"]),
            # The queues list open tickets by deadline: with years of closed tickets the
            # index above walks them all to find the open ones; this one holds only the open.
            models.Index(
                fields=["reaction_due_at", "id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="ticket_open_by_due",
            ),
            models.Index(
                fields=["sla_next_check_at"],
                condition=models.Q(sla_next_check_at__isnull=False),
                name="ticket_sla_next_check",
            ),
            # The duty sweep's safety net looks for open Urgent incidents with no call-out
            # (releases.duty.missed_urgent_incidents): a handful, however many tickets exist.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(
                    type=TicketType.INCIDENT,
                    priority=Priority.URGENT,
                    status__in=sorted(OPEN_STATUSES),
                ),
                name="ticket_open_urgent_incident",
            ),
            # The dashboard's chart counts a month of tickets by day and SLA state: read from
            # this index alone (PostgreSQL), not from the rows spread over the whole table.
            models.Index(
                fields=["created_at"],
                include=[
                    "status",
                    "sla_state",
                    "first_reaction_at",
                    "reaction_due_at",
                    "sla_paused_since",
                ],
                name="ticket_created_sla",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        """The ticket's page in the portal (customers) and the agent desk (staff) alike."""
        return reverse("portal:ticket_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """The human-readable number customers quote, e.g. SL-1042."""
        return f"{TICKET_NUMBER_PREFIX}-{self.pk}"

    @staticmethod
    def pk_from_number(text: str) -> int | None:
        match = TICKET_NUMBER_RE.search(text)
        return int(match.group(1)) if match else None

    def is_open(self) -> bool:
        return self.status in {
            Status.NEW,
            Status.ACCEPTED,
            Status.IN_PROGRESS,
            Status.WAITING_FOR_CUSTOMER,
        }

    def is_waiting_for_customer(self) -> bool:
        return self.status == Status.WAITING_FOR_CUSTOMER

    def version(self) -> str:
        """An opaque tag of this copy of the row (the API's ETag, the edit forms' hidden field):
        every change saves ``updated_at``, so a copy read before someone else's change carries
        another tag. No version column needed."""
        stamp = self.updated_at.astimezone(dt.UTC).isoformat()
        return hashlib.sha256(stamp.encode()).hexdigest()[:20]


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete a row of the record (docs/security.md, The record)."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """``delete()`` refuses: the record is never deleted in bulk either.

    ``update()`` is left as Django's escape hatch and is not a normal path: the services that
    use it record what they change (``tickets.corrections.correct_comment`` the old text,
    ``tickets.merging.merge_tickets`` the merge, ``privacy.erasure`` the erasure).
    """

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only.")


class AppendOnly(models.Model):
    """A row that is written once: ``save()`` of an existing row and ``delete()`` refuse."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only.")


class Comment(AppendOnly):
    """One message of the conversation. Never edited: ``correct_comment`` records the change."""

    # PROTECT: deleting a ticket must not take its conversation with it.
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_comments"
    )
    body = models.TextField(_("text"))
    body_html = models.TextField(_("sanitized HTML"), blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Internal notes are never shown to customers."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    corrected_at = models.DateTimeField(_("corrected"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.body[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Where the file is stored; its name as given stays whole in ``Attachment.filename``."""
    return f"attachments/{instance.ticket_id}/{stored_name(filename)}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150, blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    content_id = models.CharField(_("content ID"), max_length=250, blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class TicketEvent(AppendOnly):
    """One line of a ticket's audit trail. Rows are never changed or deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Ticket filed")
        PRIORITY_SET = "priority_set", _("Priority set automatically")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Assignee changed")
        DECLINED = "declined", _("Declined")
        COMMENTED = "commented", _("Comment added")
        COMMENT_CORRECTED = "comment_corrected", _("Comment corrected")
        ATTACHED = "attached", _("File attached")
        FIELD_CHANGED = "field_changed", _("Field changed")
        WATCHER_ADDED = "watcher_added", _("Watcher added")
        WATCHER_REMOVED = "watcher_removed", _("Watcher removed")
        SLA_CHANGED = "sla_changed", _("SLA state changed")
        DELIVERY_FAILED = "delivery_failed", _("Email delivery failed")
        WORK_LOGGED = "work_logged", _("Work logged")
        OUT_OF_HOURS_REQUESTED = "ooh_requested", _("Out-of-hours work requested")
        OUT_OF_HOURS_APPROVED = "ooh_approved", _("Out-of-hours work approved")
        OUT_OF_HOURS_REJECTED = "ooh_rejected", _("Out-of-hours work rejected")
        MERGED = "merged", _("Merged into another ticket")
        MERGED_IN = "merged_in", _("Another ticket merged into this one")
        LINKED = "linked", _("Related ticket linked")
        UNLINKED = "unlinked", _("Related ticket unlinked")
        OTHER = "other", _("Other")

    # PROTECT: a ticket with a history cannot be deleted, by accident or on purpose.
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    field = models.CharField(_("field"), max_length=60, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # An automatic action's rule, or a system reason's figures: worded for each reader
    rule = models.CharField(_("automatic rule"), max_length=40, blank=True)
    reason_params = models.JSONField(_("the reason's figures"), default=dict, blank=True)
    is_public = models.BooleanField(_("shown to the customer"), default=True)
    # Read per ticket (by its key) and in order; no query spans tickets by time, so no index.
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    @property
    def shown_reason(self) -> str:
        """The reason in the active language: an automatic rule's is worded now, for the reader,
        and so is a reason the system gives (stored as its English text and figures,
        ``tickets.reasons``: "Planned: 8.4 on the main server."); a person's is what they
        wrote."""
        if self.rule:
            return automatic.rule_text(self.rule, self.reason_params) or self.reason
        return reasons.worded(self.reason, self.reason_params)


class TicketLink(models.Model):
    """Two tickets of one customer that relate to each other ("relates to", symmetric).

    Stored once per pair, the lower ticket id first, so a pair can never be linked twice in
    either direction (tickets/links.py)."""

    first = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_as_first")
    second = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_as_second")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="ticket_link_once"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="ticket_link_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{TICKET_NUMBER_PREFIX}-{self.first_id} ↔ {TICKET_NUMBER_PREFIX}-{self.second_id}"


class SubmissionKey(models.Model):
    """A form's one-time key and what its first POST made (``tickets.submissions``): a double
    click sends the same key twice, and the second POST is shown the first one's result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    url = models.CharField(max_length=500)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="submission_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
