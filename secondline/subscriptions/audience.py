"""Who of the contractor's staff hears about a change, and why (docs/notifications.md).

- A new ticket, or one left unassigned too long: whoever follows all new tickets, the
  ticket's customer organisation, or (my customers) is the customer's account engineer.
- A customer's reply, a reopening, an SLA warning: the assignee (my tickets), the account
  engineer (my customers) and the organisation's followers; while nobody is assigned, the
  followers of all new tickets too.
- A mention in a note: the colleague named, whatever they follow.
The person who made the change is never told about it.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.db.models.functions import Lower

from secondline.accounts.models import Organization, User
from secondline.subscriptions.models import Notice, Subscription
from secondline.subscriptions.staff import StaffMember, active_staff
from secondline.tickets.choices import Status
from secondline.tickets.models import Comment, Ticket, TicketEvent
from secondline.tickets.signals import Change

Kind = TicketEvent.Kind
NEW_KINDS = frozenset({Notice.Kind.NEW_TICKET, Notice.Kind.UNASSIGNED})
CLOSED = frozenset({Status.RESOLVED, Status.CLOSED, Status.DECLINED})
SLA_NOTICES = {"at_risk": Notice.Kind.SLA_AT_RISK, "breached": Notice.Kind.SLA_BREACHED}
# "@name" where the name is a username; not an email address (no word character before "@")
MENTION_RE = re.compile(r"(?<![\w.+-])@([\w][\w.+-]*\w|\w)")


def notice_kind(change: Change) -> str | None:
    """What the team is told about this change, if anything (mentions aside)."""
    event = change.event
    if event.kind == Kind.CREATED:
        return Notice.Kind.NEW_TICKET
    if event.kind == Kind.COMMENTED and event.actor is not None and event.actor.is_customer:
        return Notice.Kind.CUSTOMER_REPLY
    if event.kind == Kind.STATUS_CHANGED and event.old_value in CLOSED:
        return Notice.Kind.REOPENED if event.new_value not in CLOSED else None
    if event.kind == Kind.SLA_CHANGED:
        return SLA_NOTICES.get(event.new_value)
    if event.kind == Kind.ASSIGNED and change.ticket.assignee_id is not None:
        return Notice.Kind.ASSIGNED
    return None


def subscription_of(person: User) -> Subscription:
    """The person's subscription, or the default one (my tickets and my customers, by email)."""
    try:
        return person.subscription
    except Subscription.DoesNotExist:
        return Subscription(person=person)


def subscription_to_change(person: User) -> Subscription:
    """The person's saved subscription, created with the defaults on their first change, and
    locked for the caller's transaction. Two first changes at once (two tabs, a retried
    request) land on the one row: ``get_or_create`` takes the row the other has just made
    instead of failing on the one-per-person constraint, and the lock orders the two saves."""
    Subscription.objects.get_or_create(person=person)
    return Subscription.objects.select_for_update().get(person=person)


def followable_organizations() -> QuerySet[Organization]:
    """The organisations a subscription may follow: the customers (the desk's form and the API)."""
    return Organization.objects.filter(kind=Organization.Kind.CUSTOMER).order_by("name")


def _hears(member: StaffMember, kind: str, ticket: Ticket) -> bool:
    person, organisation = member.person, ticket.organization_id
    subscription = subscription_of(person)
    if organisation in member.follows:
        return True
    if organisation in member.looks_after and subscription.my_customers:
        return True
    if kind in NEW_KINDS or ticket.assignee_id is None:
        return subscription.all_new
    return person.pk == ticket.assignee_id and subscription.my_tickets


def audience(ticket: Ticket, kind: str) -> list[User]:
    """The staff told about ``kind`` on ``ticket`` by their subscriptions."""
    if kind == Notice.Kind.ASSIGNED:
        return [ticket.assignee] if ticket.assignee and ticket.assignee.is_active else []
    return [member.person for member in active_staff() if _hears(member, kind, ticket)]


def mentioned(comment: Comment) -> list[User]:
    """The colleagues a staff member's comment names as ``@username``, the author aside."""
    if not comment.author.is_contractor:
        return []
    names = {name.lower() for name in MENTION_RE.findall(comment.body)}
    if not names:
        return []
    people = User.objects.annotate(name=Lower("username")).filter(
        name__in=names, is_active=True, role__in=User.CONTRACTOR_ROLES
    )
    return [person for person in people.order_by("pk") if person.pk != comment.author_id]
