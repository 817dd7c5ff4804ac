"""The vocabulary of a ticket: its type, priority, status and the channel a change came by."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    CONSULTATION = "consultation", _("Consultation")
    CHANGE_REQUEST = "change_request", _("Change request")
    UPDATE_INSTALLATION = "update_installation", _("Update installation")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


PRIORITY_CRITERIA = {
    Priority.URGENT: _(
        "The production system is down or unusable for all users and there is no workaround."
    ),
    Priority.HIGH: _(
        "A major function is unavailable or seriously degraded; a workaround is hard or missing."
    ),
    Priority.NORMAL: _("A function is partly impaired and a workaround exists."),
    Priority.LOW: _("A minor fault, a cosmetic issue or a question of convenience."),
}

PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FOR_CUSTOMER = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")


#: The statuses a status change may set: declining is its own verb, with a reason from the
#: back office's list (services.decline_ticket).
SETTABLE_STATUSES = [(value, label) for value, label in Status.choices if value != Status.DECLINED]

OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER}
)


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    API = "api", _("REST API")
    EMAIL = "email", _("Email")
    CLI = "cli", _("Command line")
    SYSTEM = "system", _("System")


class Environment(models.TextChoices):
    PRODUCTION = "production", _("Production")
    TEST = "test", _("Test")
    DEVELOPMENT = "development", _("Development")
    OTHER = "other", _("Other")
