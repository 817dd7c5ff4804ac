"""How tickets, SLA states and audit events read to a person, in the active language.

Events store raw values (priority and status codes, the English decline title) so that the
trail is language-neutral; this module turns them into sentences when a page is rendered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from secondline.sla.services import is_reaction_overdue
from secondline.tickets.choices import Priority, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.services import non_incident_priority_reason

Kind = TicketEvent.Kind

SLA_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "breached": gettext_lazy("Breached"),
    "met": gettext_lazy("Reaction in time"),
    "paused": gettext_lazy("Paused: waiting for the customer"),
    "": gettext_lazy("No reaction target"),
    "late": gettext_lazy("Reacted late"),
}

SLA_EXPLANATIONS = {
    "on_track": gettext_lazy("We will react before the due time."),
    "at_risk": gettext_lazy("Most of the reaction time has passed."),
    "breached": gettext_lazy("The reaction due time has passed without a reaction."),
    "met": gettext_lazy("Support reacted before the due time."),
    "paused": gettext_lazy("The clock stops while support waits for your answer."),
    "": gettext_lazy("This ticket has no reaction target."),
    "late": gettext_lazy("Support reacted after the due time."),
}

# Events a customer reads in the conversation: the ones that change what they can expect.
CUSTOMER_TIMELINE_KINDS = frozenset(
    {
        Kind.PRIORITY_CHANGED,
        Kind.PRIORITY_SET,
        Kind.DECLINED,
        Kind.STATUS_CHANGED,
        Kind.MERGED,
        Kind.MERGED_IN,
    }
)
# Events an agent reads in the conversation; everything else is in the full history.
AGENT_TIMELINE_KINDS = CUSTOMER_TIMELINE_KINDS | {Kind.ASSIGNED}


def badge_state(state: str, first_reaction_at: dt.datetime | None) -> str:
    """A breach the contractor already answered reads "reacted late", not "breached"."""
    return "late" if state == "breached" and first_reaction_at is not None else state


def live_sla_state(ticket: Ticket, now: dt.datetime | None = None) -> str:
    """The stored SLA state, corrected for a deadline that passed since it was stored."""
    if is_reaction_overdue(ticket, now or timezone.now()):
        return "breached"
    return badge_state(ticket.sla_state, ticket.first_reaction_at)


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def priority_label(value: str) -> str:
    return _label(Priority, value)


def status_label(value: str) -> str:
    return _label(Status, value)


def type_label(value: str) -> str:
    return _label(TicketType, value)


@dataclass
class EventLine:
    """One event as a sentence, with the reason the customer or agent should read."""

    event: TicketEvent
    text: str
    reason: str
    tone: str  # "info", "warning" or "danger": how the line is styled


def describe(event: TicketEvent, ticket: Ticket) -> EventLine:
    kind, old, new = event.kind, event.old_value, event.new_value
    tone = "info"
    reason = event.shown_reason
    if kind == Kind.CREATED:
        text = _("Ticket filed")
    elif kind == Kind.PRIORITY_SET:
        text = _("Priority set by the SLA plan: %(new)s") % {"new": priority_label(new)}
        reason = non_incident_priority_reason(type_label(ticket.type), priority_label(new))
    elif kind == Kind.PRIORITY_CHANGED:
        text = _("Priority changed from %(old)s to %(new)s") % {
            "old": priority_label(old),
            "new": priority_label(new),
        }
        tone = "warning"
    elif kind == Kind.STATUS_CHANGED:
        text = _("Status changed from “%(old)s” to “%(new)s”") % {
            "old": status_label(old),
            "new": status_label(new),
        }
    elif kind == Kind.DECLINED:
        text = _("Ticket declined")
        tone = "danger"
        reason = decline_text(ticket) or reason
    elif kind == Kind.ASSIGNED:
        text = (
            _("Assigned to %(new)s") % {"new": new}
            if new
            else _("Unassigned (was %(old)s)") % {"old": old}
        )
    elif kind == Kind.COMMENTED:
        text = _("Public reply added") if event.is_public else _("Internal note added")
    elif kind == Kind.ATTACHED:
        text = _("File attached: %(name)s") % {"name": new}
    elif kind == Kind.FIELD_CHANGED:
        text = _("%(field)s changed") % {"field": _field_label(event.field)}
    elif kind == Kind.WATCHER_ADDED:
        text = _("Watcher added: %(name)s") % {"name": new}
    elif kind == Kind.WATCHER_REMOVED:
        text = _("Watcher removed: %(name)s") % {"name": new}
    elif kind == Kind.SLA_CHANGED:
        text = _("SLA state: %(state)s") % {"state": SLA_LABELS.get(new, new)}
    else:
        text = _RELATION_TEXTS[kind] % {"number": new} if kind in _RELATION_TEXTS else ""
        text = text or str(event.get_kind_display())
    if event.ticket_id != ticket.pk:  # a merged duplicate's own history, shown on the original
        text = f"{Ticket(pk=event.ticket_id).number}: {text}"
    return EventLine(event=event, text=text, reason=reason, tone=tone)


_RELATION_TEXTS: dict[str, Any] = {
    Kind.MERGED: gettext_lazy("Merged into %(number)s"),
    Kind.MERGED_IN: gettext_lazy("%(number)s was merged into this ticket"),
    Kind.LINKED: gettext_lazy("Linked to the related ticket %(number)s"),
    Kind.UNLINKED: gettext_lazy("Link to %(number)s removed"),
}


def decline_text(ticket: Ticket) -> str:
    """Why the ticket was declined, in the reader's language, with the contractor's note."""
    if ticket.decline_reason is None:
        return ""
    title = ticket.decline_reason.title(get_language() or "en")
    return f"{title}: {ticket.decline_note}" if ticket.decline_note else title


def _field_label(name: str) -> str:
    try:
        label = str(Ticket._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        return label[:1].upper() + label[1:]  # not capitalize(): "SLA" stays upper case
    except Exception:  # an event about a field that no longer exists still reads
        return name


def business_duration(minutes: int, day_hours: int = 9) -> str:
    """A reaction target as people say it: "1 business hour", "2 business days"."""
    hours, rest = divmod(minutes, 60)
    if rest:
        return ngettext("%(count)d business minute", "%(count)d business minutes", minutes) % {
            "count": minutes
        }
    if hours and day_hours and hours % day_hours == 0:
        days = hours // day_hours
        return ngettext("%(count)d business day", "%(count)d business days", days) % {"count": days}
    return ngettext("%(count)d business hour", "%(count)d business hours", hours) % {"count": hours}
