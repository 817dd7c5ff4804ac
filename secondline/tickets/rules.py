"""The support rules that need no database: required fields, priorities, status transitions.

Pure functions over plain values; services.py applies them inside a transaction.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from secondline.tickets.choices import Priority, Status, TicketType

# What a ticket of each type must carry to count as submitted per procedure.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    # An incident report says what happened, when, the impact and how to reproduce it.
    TicketType.INCIDENT: ("subject", "description", "occurred_at", "impact", "steps_to_reproduce"),
    # A question about set-up, configuration or use.
    TicketType.CONSULTATION: ("subject", "description"),
    # What should change and why.
    TicketType.CHANGE_REQUEST: ("subject", "description"),
    # Installed by the contractor in a window agreed with the customer.
    TicketType.UPDATE_INSTALLATION: (
        "subject",
        "description",
        "target_version",
        "preferred_windows",
    ),
}

FIELD_HINTS = {
    "description": _("Describe what happened or what you need."),
    "occurred_at": _("Say when it happened."),
    "impact": _("Describe the impact: who is affected and how badly."),
    "steps_to_reproduce": _("Describe how to reproduce it."),
    "target_version": _("Name the version to install."),
    "preferred_windows": _("Give one or more preferred installation windows."),
    "subject": _("Give the ticket a short subject."),
}

#: The most a text a person writes holds: a description, a comment (about 40 pages). A longer
#: log belongs in an attachment; the email channel attaches the whole text of a longer email.
TEXT_LIMIT = 100_000
LONG_TEXTS = ("description", "impact", "steps_to_reproduce", "preferred_windows")


def too_long(texts: dict[str, object]) -> dict[str, list[str]]:
    """The errors of the texts longer than ``TEXT_LIMIT``, by field."""
    message = _("Keep this text under %(limit)s characters; attach a longer log as a file.")
    return {
        name: [str(message) % {"limit": f"{TEXT_LIMIT:,}"}]
        for name, text in texts.items()
        if isinstance(text, str) and len(text) > TEXT_LIMIT
    }


# Who may move a ticket from one status to another.
CONTRACTOR_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER, Status.RESOLVED}
    ),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_FOR_CUSTOMER, Status.RESOLVED}),
    Status.WAITING_FOR_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
    Status.DECLINED: frozenset({Status.NEW}),
}
CUSTOMER_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.CLOSED}),
    Status.ACCEPTED: frozenset({Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.CLOSED}),
    Status.WAITING_FOR_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.DECLINED: frozenset(),
}


def missing_fields(ticket_type: str, values: dict[str, object]) -> list[str]:
    """The required fields of this ticket type that are empty in ``values``."""
    return [
        name
        for name in REQUIRED_FIELDS[ticket_type]
        if values.get(name) in (None, "")
        or (isinstance(values.get(name), str) and not str(values.get(name)).strip())
    ]


def effective_priority(ticket_type: str, requested: str, plan_default: str) -> tuple[str, bool]:
    """The priority the ticket gets, and whether the customer's choice was overridden.

    Contract rule: only an Incident carries the customer's priority. On other types the
    requested priority is ignored and the plan's default for the type applies.
    An Incident filed without a priority is Normal.
    """
    if ticket_type == TicketType.INCIDENT:
        return (requested or Priority.NORMAL), False
    return plan_default, bool(requested) and requested != plan_default


def can_transition(status: str, new_status: str, *, by_contractor: bool) -> bool:
    table = CONTRACTOR_TRANSITIONS if by_contractor else CUSTOMER_TRANSITIONS
    return new_status in table.get(status, frozenset())
