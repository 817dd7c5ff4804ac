"""Choices that work logs and statement lines share."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.TextChoices):
    ANALYSIS = "analysis", _("Analysis")
    CONSULTATION = "consultation", _("Consultation")
    FIX = "fix", _("Fix")
    UPDATE_INSTALLATION = "update_installation", _("Update installation")
    MEETING = "meeting", _("Meeting")
