"""One organisation's data, for its own people (152-FZ; docs/security.md, Personal data).

What a viewer may see of it: the contractor's managers get everything (internal notes and
files, internal events and the phone calls recorded too), the customer's responsible person
what their organisation's people see; the command line (no viewer) everything, so its file is
for the contractor's own use. JSON, one document.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from secondline.accounts.models import Organization, User
from secondline.releases.models import PhoneCall
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent

TICKET_FIELDS = [
    "type",
    "priority",
    "status",
    "channel",
    "subject",
    "description",
    "affected_module",
    "environment",
    "impact",
    "steps_to_reproduce",
    "target_version",
    "preferred_windows",
    "decline_note",
]


def organization_export(organization: Organization, viewer: User | None) -> dict[str, Any]:
    """The organisation, its contacts, and its tickets with their comments, files (as a list:
    name, type, size, who and when; their bytes are downloaded one by one), history (each
    event with its old and new values) and, for the contractor, the phone calls recorded (who
    called, from which number, what about: the portal shows them to staff only)."""
    everything = viewer is None or viewer.is_contractor
    public = {} if everything else {"is_public": True}
    tickets = (Ticket.objects.all() if viewer is None else tickets_visible_to(viewer)).filter(
        organization=organization
    )
    tickets = tickets.select_related("requester", "contract").prefetch_related(
        Prefetch(
            "comments",
            Comment.objects.filter(**public).select_related("author").order_by("created_at", "pk"),
        ),
        Prefetch(
            "attachments",
            Attachment.objects.filter(**public).select_related("uploaded_by"),
        ),
        Prefetch("events", TicketEvent.objects.filter(**public).select_related("actor")),
    )
    if everything:
        calls = PhoneCall.objects.select_related("agent").order_by("at", "pk")
        tickets = tickets.prefetch_related(Prefetch("calls", calls))
    return {
        "organization": {"id": organization.pk, "name": organization.name},
        "exported_at": timezone.now().isoformat(),
        "contacts": [_person(user) for user in organization.members.order_by("pk")],
        "tickets": [_ticket(ticket, everything) for ticket in tickets.order_by("pk")],
    }


def _person(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "name": user.get_full_name(),
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "is_active": user.is_active,
    }


def _ticket(ticket: Ticket, everything: bool) -> dict[str, Any]:
    calls = {"phone_calls": [_call(call) for call in ticket.calls.all()]} if everything else {}
    return {
        "number": ticket.number,
        "contract": ticket.contract.number,
        "requester": ticket.requester.email,
        **{name: getattr(ticket, name) for name in TICKET_FIELDS},
        "created_at": ticket.created_at.isoformat(),
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
        "comments": [
            {
                "author": comment.author.email,
                "body": comment.body,
                "is_public": comment.is_public,
                "created_at": comment.created_at.isoformat(),
            }
            for comment in ticket.comments.all()
        ],
        "attachments": [
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "is_public": attachment.is_public,
                "uploaded_by": attachment.uploaded_by.email,
                "created_at": attachment.created_at.isoformat(),
            }
            for attachment in ticket.attachments.all()
        ],
        "events": [_event(event) for event in ticket.events.all()],
        **calls,
    }


def _event(event: TicketEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "actor": event.actor.email if event.actor else None,
        "channel": event.channel,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "reason": event.shown_reason,
        "is_public": event.is_public,
        "created_at": event.created_at.isoformat(),
    }


def _call(call: PhoneCall) -> dict[str, Any]:
    return {
        "caller_name": call.caller_name,
        "caller_phone": call.caller_phone,
        "summary": call.summary,
        "at": call.at.isoformat(),
        "agent": call.agent.email,
        "created_at": call.created_at.isoformat(),
    }
