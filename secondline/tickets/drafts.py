"""What a customer submits to file a ticket (``NewTicket``) and what makes it complete: the
fields its type requires, valid choices, a believable time of the incident, texts within
their limits. ``services.file_ticket`` files a draft that passes ``validate``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract, User
from secondline.common.moments import typed_time_error
from secondline.tickets import rules
from secondline.tickets.choices import Environment, Priority, TicketType


@dataclass
class NewTicket:
    """What a customer submits; which fields are required depends on the type."""

    type: str
    subject: str
    description: str
    requested_priority: str = ""
    affected_module: str = ""
    environment: str = ""
    occurred_at: dt.datetime | None = None
    impact: str = ""
    steps_to_reproduce: str = ""
    target_version: str = ""
    preferred_windows: str = ""
    contract: Contract | None = None
    watchers: list[User] = field(default_factory=list)
    # When the customer asked: a channel that stored the request first (an email's arrival)
    # gives it, and the SLA counts from it; None is now.
    filed_at: dt.datetime | None = None


def check_choice(errors: dict[str, list[str]], name: str, value: str, choices: type) -> None:
    if value and value not in choices.values:  # type: ignore[attr-defined]
        errors.setdefault(name, []).append(
            _("“%(value)s” is not a valid choice.") % {"value": value}
        )


def validate(draft: NewTicket) -> None:
    """Everything wrong with ``draft``, per field, as one ValidationError."""
    errors: dict[str, list[str]] = {}
    if draft.type not in TicketType.values:
        errors["type"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(TicketType.values)}
        ]
        raise ValidationError(errors)
    check_choice(errors, "requested_priority", draft.requested_priority, Priority)
    check_choice(errors, "environment", draft.environment, Environment)
    if draft.occurred_at is not None and (reason := occurred_error(draft.occurred_at)):
        errors["occurred_at"] = [reason]
    if draft.filed_at is not None and (
        timezone.is_naive(draft.filed_at) or draft.filed_at > timezone.now()
    ):
        errors["filed_at"] = [_("The filing time must be a past moment with its time zone.")]
    for name in rules.missing_fields(draft.type, vars(draft)):
        errors.setdefault(name, []).append(
            str(rules.FIELD_HINTS.get(name, _("This field is required.")))
        )
    if len(draft.subject) > 250:
        errors.setdefault("subject", []).append(_("Keep the subject under 250 characters."))
    for name, problems in rules.too_long({n: getattr(draft, n) for n in rules.LONG_TEXTS}).items():
        errors.setdefault(name, []).extend(problems)
    if errors:
        raise ValidationError(errors)


def occurred_error(moment: dt.datetime) -> str | None:
    """Why an incident cannot have happened at ``moment``, or None (the reporter's clock may
    run a few minutes fast)."""
    if reason := typed_time_error(moment):
        return reason
    if moment > timezone.now() + dt.timedelta(minutes=5):
        return _("This time is in the future.")
    return None
