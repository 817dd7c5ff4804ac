"""The record of each erasure of a contact's personal data (152-FZ), without the data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    """Who erased whose personal data, when, why, and how many rows were rewritten.

    ``contact`` points at the user row as it is after the erasure (a pseudonym, no name, no
    address, no phone): the record says that it happened, never what was erased.
    """

    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erased by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    counts = models.JSONField(_("rows rewritten"), default=dict)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("erasure of personal data")
        verbose_name_plural = _("erasures of personal data")

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact}"
