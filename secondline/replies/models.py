"""Canned replies and macros: what an agent answers in one click.

A row without an owner is the team's (every member of the contractor's staff may use it; the
managers keep them); a row with an owner is that person's own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from secondline.tickets.choices import SETTABLE_STATUSES, Priority


class Language(models.TextChoices):
    ANY = "", _("Any language")
    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")


class Owned(models.Model):
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole team's."),
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def is_team_wide(self) -> bool:
        return self.owner_id is None


class CannedReply(Owned):
    """A prepared answer; its placeholders (``placeholders.PLACEHOLDERS``) are filled from the
    ticket when the agent picks it."""

    body = models.TextField(_("text"))

    class Meta(Owned.Meta):
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")


class Macro(Owned):
    """One click that posts a reply and changes status, priority or assignee, each change
    through the ticket services with the same rules as by hand."""

    class Assign(models.TextChoices):
        KEEP = "", _("Leave as it is")
        ME = "me", _("The person who applies it")
        NOBODY = "nobody", _("Nobody")
        PERSON = "person", _("This person")

    reply = models.TextField(_("reply"), blank=True)
    reply_public = models.BooleanField(
        _("public reply"), default=True, help_text=_("Off: the reply is an internal note.")
    )
    status = models.CharField(
        _("new status"),
        max_length=20,
        blank=True,
        choices=SETTABLE_STATUSES,
    )
    priority = models.CharField(_("new priority"), max_length=10, blank=True, choices=Priority)
    priority_reason = models.CharField(
        _("reason for the priority"),
        max_length=500,
        blank=True,
        help_text=_("The customer sees it, as with a change by hand."),
    )
    assign = models.CharField(_("assign"), max_length=10, blank=True, choices=Assign.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(Owned.Meta):
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def clean(self) -> None:
        errors: dict[str, list[object]] = {}
        if self.priority and not self.priority_reason.strip():
            errors["priority_reason"] = [_("Say why the priority changes; the customer sees it.")]
        if self.assign == self.Assign.PERSON and self.assignee_id is None:
            errors["assignee"] = [_("Choose the person to assign.")]
        if not (self.reply.strip() or self.status or self.priority or self.assign):
            errors["reply"] = [_("A macro must reply or change something.")]
        if errors:
            raise ValidationError(errors)
