"""Related tickets: a symmetric "relates to" link between two tickets of one customer.

Rules (docs/portal.md, *Merge and link*): only the contractor's staff link and unlink; both
tickets belong to the same customer organisation; a ticket is not linked to itself nor twice
to the same ticket. Both tickets get an audit event naming the other. Everyone who may see a
ticket sees its links, but only to tickets they may see (``related_tickets``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.tickets import events
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket, TicketLink
from secondline.tickets.signals import announce


def _pair(ticket: Ticket, other: Ticket) -> Q:
    low, high = sorted((ticket.pk, other.pk))
    return Q(first_id=low, second_id=high)


def link_refusal(ticket: Ticket, other: Ticket) -> dict[str, list[str]]:
    """Why ``ticket`` cannot be linked to ``other``, per field; empty when it can."""
    if ticket.pk == other.pk:
        return {"ticket": [_("A ticket cannot be linked to itself.")]}
    if ticket.organization_id != other.organization_id:
        return {"ticket": [_("Both tickets must belong to the same customer organisation.")]}
    return {}


def link_tickets(
    ticket: Ticket, other: Ticket, actor: User, channel: str = Channel.WEB
) -> TicketLink:
    """Record that the two tickets relate to each other."""
    access.require_contractor(actor)
    refusal = link_refusal(ticket, other)
    if refusal:
        raise ValidationError(refusal)
    already = ValidationError({"ticket": [_("The tickets are already linked.")]})
    if TicketLink.objects.filter(_pair(ticket, other)).exists():
        raise already
    low, high = sorted((ticket, other), key=lambda t: t.pk)
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(first=low, second=high, created_by=actor)
            _record(ticket, other, actor, channel, added=True)
    except IntegrityError:  # linked by someone else a moment ago (the unique constraint)
        raise already from None
    return link


def unlink_tickets(ticket: Ticket, other: Ticket, actor: User, channel: str = Channel.WEB) -> None:
    """Remove the link between the two tickets."""
    access.require_contractor(actor)
    with transaction.atomic():
        deleted, _rows = TicketLink.objects.filter(_pair(ticket, other)).delete()
        if not deleted:
            raise ValidationError({"ticket": [_("The tickets are not linked.")]})
        _record(ticket, other, actor, channel, added=False)


def _record(ticket: Ticket, other: Ticket, actor: User, channel: str, *, added: bool) -> None:
    for one, another in ((ticket, other), (other, ticket)):
        announce(events.link_changed(one, actor, channel, another, added=added))


def related_tickets(user: User, ticket: Ticket) -> QuerySet[Ticket]:
    """The tickets linked to ``ticket`` that ``user`` may see, lowest number first."""
    # The other end of each link, in one subquery: two subqueries joined by OR would make
    # PostgreSQL test every ticket of the table against them.
    links = TicketLink.objects.filter(Q(first=ticket) | Q(second=ticket))
    other = Case(When(first=ticket, then=F("second_id")), default=F("first_id"))
    others = links.annotate(other=other).values("other")
    return tickets_visible_to(user).filter(pk__in=others).order_by("pk")
