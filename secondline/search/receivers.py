"""Keep each ticket's search document current: after every change the core announces (inside
its transaction, so a committed change is always findable), and when a requester's name or
address or an organisation's name changes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from secondline.accounts.models import Organization, User
from secondline.search import documents
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.signals import Change, ticket_changed

PERSON_FIELDS = {"first_name", "last_name", "email", "username"}


Kind = TicketEvent.Kind
# The changes that change what a ticket is found by; a status or an assignee does not. A
# merge moves the duplicate's comments and files to the original: both documents change.
TEXT_CHANGES = {
    Kind.COMMENTED,
    Kind.COMMENT_CORRECTED,
    Kind.ATTACHED,
    Kind.FIELD_CHANGED,
    Kind.MERGED,
    Kind.MERGED_IN,
}


@receiver(ticket_changed, dispatch_uid="search-refresh-ticket")
def refresh_ticket(sender: Any, change: Change, **kwargs: Any) -> None:
    if change.event.kind == Kind.CREATED:
        documents.index_new(change.ticket, change.attachments)
    elif change.event.kind == Kind.COMMENTED and change.comment is not None:
        documents.append_comment(change.comment, change.attachments)
    elif change.event.kind in TEXT_CHANGES:
        documents.refresh([change.event.ticket_id])


@receiver(post_save, sender=User, dispatch_uid="search-refresh-requester")
def refresh_requester(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if created or (fields is not None and not PERSON_FIELDS & set(fields)):
        return  # a sign-in saves only last_login
    documents.rebuild(Ticket.objects.filter(requester=instance))


@receiver(post_save, sender=Organization, dispatch_uid="search-refresh-organization")
def refresh_organization(sender: Any, instance: Organization, created: bool, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if created or (fields is not None and "name" not in fields):
        return
    documents.rebuild(Ticket.objects.filter(organization=instance))
