"""What a customer must do after filing an Urgent incident: file first, then phone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from secondline.releases.duty import urgent_extra_steps
from secondline.tickets.models import Ticket
from secondline.tickets.urgent import is_urgent_incident


def instructions_for(ticket: Ticket) -> dict[str, Any] | None:
    """The support phone and the steps of the call, shown at once after filing."""
    if not is_urgent_incident(ticket) or not ticket.is_open():
        return None
    return {
        "phone": settings.SUPPORT_PHONE,
        "steps": [
            _("Call the support line now: %(phone)s.") % {"phone": settings.SUPPORT_PHONE},
            _("Quote the ticket number %(number)s.") % {"number": ticket.number},
            _("Say what has stopped working, since when, and how many users are affected."),
            _("Keep the person who can reproduce the fault and the system's access at hand."),
            *urgent_extra_steps(ticket),
        ],
    }
