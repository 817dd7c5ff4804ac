"""Who sees which ticket, and which of its comments and history.

Views, viewsets, email intake and commands ask here; none of them filters by organisation on
its own, so a forgotten filter can never leak another customer's ticket.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from secondline.accounts.models import User
from secondline.tickets.models import Comment, Ticket, TicketEvent


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    if user.is_contractor:
        return Ticket.objects.all()
    if user.organization_id is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(organization_id=user.organization_id)


def get_ticket_for(user: User, pk: int | str, *related: str) -> Ticket:
    """The ticket if this user may see it; otherwise 404, never a hint that it exists.
    ``related`` names the relations read with it (``select_related``)."""
    tickets = tickets_visible_to(user)
    if related:
        tickets = tickets.select_related(*related)
    try:
        return tickets.get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, Ticket.DoesNotExist) as exc:
        raise Http404 from exc


def people_on(ticket: Ticket) -> QuerySet[User]:
    """The people anyone may name on ``ticket`` (its assignee, its watchers): the contractor's
    staff and the ticket's organisation's people. A channel that looks a named id up here gives
    another customer's person the answer an id nobody has gets, so no answer tells them apart;
    the services then say what each of these may or may not be."""
    return User.objects.filter(
        Q(role__in=User.CONTRACTOR_ROLES) | Q(organization_id=ticket.organization_id)
    )


def can_see_ticket(user: User, ticket: Ticket) -> bool:
    """``tickets_visible_to(user)`` for one ticket already in hand, without a query; the two
    must agree (tests/accounts check every persona against every ticket)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_contractor:
        return True
    return user.organization_id is not None and ticket.organization_id == user.organization_id


def comments_visible_to(user: User, ticket: Ticket) -> QuerySet[Comment]:
    comments = ticket.comments.select_related("author")
    return comments if user.is_contractor else comments.filter(is_public=True)


def events_visible_to(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("actor")
    return events if user.is_contractor else events.filter(is_public=True)


def history_visible_to(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's full history as ``user`` may read it: its own events and those of the
    tickets merged into it (their record stays on them; tickets/merging.py)."""
    # One list of tickets, then their events through the events' ticket index; an OR across
    # the join would read every event of every ticket.
    tickets = Ticket.objects.filter(Q(pk=ticket.pk) | Q(merged_into=ticket)).values("pk")
    events = TicketEvent.objects.filter(ticket__in=tickets).select_related("actor")
    return events if user.is_contractor else events.filter(is_public=True)


def audit_events_visible_to(user: User, organization_id: int) -> QuerySet[TicketEvent]:
    """The record of an organisation's tickets as ``user`` may export it: every event for the
    contractor's managers, the public ones for the customer's responsible person of that
    organisation; nothing for anyone else (the caller has already given a 404 for an
    organisation the user cannot see)."""
    if not user.is_authenticated or not may_export_audit(user, organization_id):
        return TicketEvent.objects.none()
    tickets = tickets_visible_to(user).filter(organization_id=organization_id)
    events = TicketEvent.objects.filter(ticket__in=tickets)
    return events if user.is_contractor else events.filter(is_public=True)


def may_export_audit(user: User, organization_id: int) -> bool:
    return user.is_active and (
        user.is_manager or (user.is_responsible and user.organization_id == organization_id)
    )
