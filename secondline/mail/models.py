"""The email channel: the outbox of notifications, the mailboxes we poll, every message received."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from secondline.mail.crypto import EncryptedTextField
from secondline.mail.headers import clean
from secondline.tickets.choices import TicketType


class Notification(models.Model):
    """An email we owe someone about a ticket event; rows are the outbox, sent by a task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="notifications"
    )
    # The outbox is read by status (the sweep) and by ticket; these keys are only followed
    # from a notification, never searched, so they carry no index: one is a write more for
    # every event of every ticket, against a scan when an event, comment or user is deleted.
    event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    comment = models.ForeignKey(
        "tickets.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    to_email = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8, default="en")
    kind = models.CharField(_("kind"), max_length=30)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # Tries to deliver it: each SMTP try, and each hand-over whose task never finished (the
    # relay hands it over again once its lease has run out: ``notify.sweep_unqueued``).
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a delivery task was published for it (for a retry: when the retry is due); the sweep
    # hands over rows left without one, and again those whose lease has run out.
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When a worker took it (with its group) to send: another worker leaves it alone until
    # this is NOTIFY_LEASE_SECONDS old (its worker died), so one email never goes out twice.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_email}"


class Mailbox(models.Model):
    """An IMAP mailbox the mail worker polls for customers' messages."""

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (IMAPS, usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        NONE = "none", _("None (only on a trusted network)")

    class Auth(models.TextChoices):
        PASSWORD = "password", _("Password")
        OAUTH2 = "oauth2", _("OAuth2 (XOAUTH2)")

    class Provider(models.TextChoices):
        MICROSOFT = "microsoft", _("Microsoft 365")
        YANDEX = "yandex", _("Yandex")
        MAILRU = "mailru", _("Mail.ru")
        OTHER = "other", _("Other (give the token URL)")

    class ProcessedAction(models.TextChoices):
        SEEN = "seen", _("Flag as \\Seen")
        MOVE = "move", _("Move to a folder")

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user"), max_length=255)
    # The secrets are stored encrypted (crypto.py, docs/security.md "Mailbox secrets").
    password = EncryptedTextField(_("password"), blank=True)
    auth = models.CharField(
        _("sign-in"), max_length=10, choices=Auth.choices, default=Auth.PASSWORD
    )
    # OAuth2 (``oauth2``): the app registered with the provider, and the refresh token its
    # consent gave; the access token is refreshed by the worker before it expires.
    oauth2_provider = models.CharField(
        _("OAuth2 provider"), max_length=10, choices=Provider.choices, blank=True
    )
    oauth2_token_url = models.URLField(
        _("token URL"), blank=True, help_text=_("Filled in for the known providers.")
    )
    oauth2_authorize_url = models.URLField(
        _("authorize URL"),
        blank=True,
        help_text=_("Where the administrator gives consent; filled in for the known providers."),
    )
    oauth2_scope = models.CharField(_("scope"), max_length=255, blank=True)
    oauth2_client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    oauth2_client_secret = EncryptedTextField(_("client secret"), blank=True)
    oauth2_refresh_token = EncryptedTextField(_("refresh token"), blank=True)
    oauth2_access_token = EncryptedTextField(blank=True, editable=False)
    oauth2_expires_at = models.DateTimeField(
        _("access token expires"), null=True, blank=True, editable=False
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    default_ticket_type = models.CharField(
        _("default ticket type"),
        max_length=30,
        choices=TicketType.choices,
        default=TicketType.CONSULTATION,
        help_text=_("Used when the subject carries no type tag such as [Incident]."),
    )
    processed_action = models.CharField(
        _("after processing"),
        max_length=10,
        choices=ProcessedAction.choices,
        default=ProcessedAction.SEEN,
    )
    processed_folder = models.CharField(
        _("move processed messages to"), max_length=255, blank=True, default="Processed"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The poller's lease (``imap.Lease``): held by one poller, renewed while it works, and
    # free once it expires, so a poller that died frees its mailbox within a minute.
    poll_lease_owner = models.CharField(max_length=32, blank=True, editable=False)
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The server refused the sign-in this many times in a row: the worker waits until
    # ``next_login_at`` (doubling, up to half an hour), as providers lock an account and
    # fail2ban bans an address that keeps failing (``imap``). Saving the mailbox clears both.
    login_failures = models.PositiveSmallIntegerField(
        _("refused sign-ins in a row"), default=0, editable=False
    )
    next_login_at = models.DateTimeField(
        _("next attempt at"), null=True, blank=True, editable=False
    )
    # UIDs the server would not hand over or let us flag at the last poll: taken after the
    # new mail, so that a message that keeps failing never holds later ones back (``imap``).
    failing_uids = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Saved as a whole (the back office: a new password, say): the next poll signs in at
        # once. The worker's own writes name their fields and leave the wait alone.
        if kwargs.get("update_fields") is None:
            self.login_failures, self.next_login_at = 0, None
        super().save(*args, **kwargs)

    def is_waiting_to_sign_in(self, now: dt.datetime) -> bool:
        """The server refused the last sign-in and the worker waits before the next one."""
        return self.next_login_at is not None and now < self.next_login_at


class InboundMessage(models.Model):
    """One received email, stored byte for byte before anything else is done with it."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not processed yet")
        PROCESSING = "processing", _("Processing")
        TICKET = "ticket", _("New ticket")
        COMMENT = "comment", _("Comment on a ticket")
        DELIVERY_FAILED = "delivery_failed", _("Delivery failure recorded on a ticket")
        QUARANTINED = "quarantined", _("Quarantined")
        DUPLICATE = "duplicate", _("Duplicate")
        IGNORED = "ignored", _("Ignored (automatic reply)")
        DISCARDED = "discarded", _("Discarded as spam")

    FINAL = frozenset(
        {
            Status.DISCARDED,
            Status.TICKET,
            Status.COMMENT,
            Status.DELIVERY_FAILED,
            Status.QUARANTINED,
            Status.DUPLICATE,
            Status.IGNORED,
        }
    )

    # What the intake did not file, each with its reason: the quarantine an agent works
    # through, where any of them can be retried or filed by hand (``quarantine``).
    NOT_FILED = (Status.QUARANTINED, Status.DUPLICATE, Status.IGNORED, Status.RECEIVED)

    raw = models.BinaryField(_("raw message"))
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    # The same message delivered by another route has the same fingerprint (``fingerprint``):
    # a duplicate is the same Message-ID and the same fingerprint.
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True, db_index=True)
    sender = models.CharField(_("from"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    source = models.CharField(_("source"), max_length=120)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    result_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    result_comment = models.ForeignKey(
        "tickets.Comment",
        verbose_name=_("comment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    # An earlier message with the same Message-ID but other content: routed all the same,
    # and the agent is told (``notes``).
    collides_with = models.ForeignKey(
        "self",
        verbose_name=_("same Message-ID as"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    error = models.TextField(_("why"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # An agent discarded it as spam (``quarantine.discard``): who, when and why, kept for the
    # audit; the raw bytes follow the retention period like any processed message's.
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("discarded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    discarded_at = models.DateTimeField(_("discarded at"), null=True, blank=True)
    discard_reason = models.TextField(_("why discarded"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.sender or '?'}: {self.subject or '(no subject)'}"

    def is_final(self) -> bool:
        return self.status in self.FINAL

    def is_truncated(self) -> bool:
        """Only the beginning of the message is stored: it was over ``MAIL_MAX_MESSAGE_BYTES``."""
        return self.size > len(self.raw)

    def settle(self, status: str, why: str = "") -> None:
        """Decide the outcome (saved with the rest of the routing's result)."""
        self.status = status
        self.error = clean(why)


class SenderReply(models.Model):
    """The one explanation per sender per day that we send to someone who cannot file tickets."""

    email = models.EmailField(_("email"))
    day = models.DateField(_("day"))
    reason = models.TextField(_("reason"), blank=True)  # in English
    reason_ru = models.TextField(_("reason in Russian"), blank=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reply to an unknown sender")
        verbose_name_plural = _("replies to unknown senders")
        constraints = [
            models.UniqueConstraint(fields=["email", "day"], name="one_sender_reply_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.day}"


def new_reply_secret() -> str:
    return get_random_string(32)


class ReplyKey(models.Model):
    """A person's secret for their signed reply addresses (``proof``): a new secret revokes
    every address signed with the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    secret = models.CharField(max_length=64, default=new_reply_secret, editable=False)
    rotated_at = models.DateTimeField(_("issued at"), auto_now=True)

    class Meta:
        verbose_name = _("reply address key")
        verbose_name_plural = _("reply address keys")

    def __str__(self) -> str:
        return str(self.user)


class UrgentConfirmation(models.Model):
    """An Urgent incident filed by an unproven email waits for its contact's confirmation
    link before the engineers on duty are paged (``proof.confirm_urgent``)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("contact"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("urgent incident confirmation")
        verbose_name_plural = _("urgent incident confirmations")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.contact_id}"
