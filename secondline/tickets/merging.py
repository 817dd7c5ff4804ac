"""Merging a duplicate ticket into its original.

The rules (docs/portal.md, *Merge and link*):

- only the contractor's staff merge;
- both tickets belong to the same customer organisation;
- a ticket is never merged into itself, nor into a ticket that was itself merged, and a
  ticket that others were merged into is not merged on (no chains: every duplicate points
  straight at the ticket where the work goes on);
- the duplicate is closed with ``merged_into`` set: its SLA clocks stop, it cannot be
  reopened, and a reply to it (from the portal or by email) is added to the original;
- its comments and attachments move to the original (their rows keep their authors and
  times; the moving is recorded on both tickets), its watchers and its requester become
  watchers of the original;
- its own history stays where it happened (the record is append-only) and is shown in the
  original's full history beside the original's own, marked with the duplicate's number;
- its work logs and out-of-hours requests stay on it: the work was done and billed under
  that number, and a statement may already name it;
- each ticket gets an audit event naming the other; the merge is announced once for each
  ticket, so the duplicate's requester is told by email (the mail channel listens) and the
  search documents of both are rebuilt (the search app listens).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.tickets import events
from secondline.tickets.choices import Channel, Status
from secondline.tickets.locking import locked
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent
from secondline.tickets.signals import announce

Kind = TicketEvent.Kind


def merge_refusal(
    *,
    duplicate_id: int,
    original_id: int,
    same_organization: bool,
    duplicate_merged_into: int | None,
    original_merged_into: int | None,
    duplicate_has_merged: bool,
) -> dict[str, str]:
    """Why these two tickets cannot be merged, per field (``ticket``: the duplicate,
    ``original``: the ticket it would go into); empty when they can. Pure: plain values in."""
    number = Ticket(pk=original_id).number
    if duplicate_id == original_id:
        return {"original": _("A ticket cannot be merged into itself.")}
    if not same_organization:
        return {"original": _("Both tickets must belong to the same customer organisation.")}
    if duplicate_merged_into is not None:
        return {
            "ticket": _("This ticket was already merged into %(number)s.")
            % {"number": Ticket(pk=duplicate_merged_into).number}
        }
    if original_merged_into is not None:
        return {
            "original": _("%(number)s was itself merged into %(other)s; merge into that one.")
            % {"number": number, "other": Ticket(pk=original_merged_into).number}
        }
    if duplicate_has_merged:
        return {
            "ticket": _(
                "Other tickets were merged into this one; merge %(number)s into it instead."
            )
            % {"number": number}
        }
    return {}


def _lock_pair(duplicate: Ticket, original: Ticket) -> tuple[Ticket, Ticket]:
    """Both rows locked, the lower id first, so two merges of one pair never deadlock."""
    if duplicate.pk < original.pk:
        dup = locked(duplicate)
        return dup, locked(original)
    orig = locked(original)
    return locked(duplicate), orig


def merge_tickets(
    duplicate: Ticket, original: Ticket, actor: User, channel: str = Channel.WEB
) -> Ticket:
    """Merge ``duplicate`` into ``original`` under the rules above; returns the original."""
    access.require_contractor(actor)
    with transaction.atomic():
        if duplicate.pk == original.pk:
            dup = orig = locked(duplicate)
        else:
            dup, orig = _lock_pair(duplicate, original)
        refusal = merge_refusal(
            duplicate_id=dup.pk,
            original_id=orig.pk,
            same_organization=dup.organization_id == orig.organization_id,
            duplicate_merged_into=dup.merged_into_id,
            original_merged_into=orig.merged_into_id,
            duplicate_has_merged=Ticket.objects.filter(merged_into=dup).exists(),
        )
        if refusal:
            raise ValidationError({name: [message] for name, message in refusal.items()})
        # The record's rows keep their text, author and time; only the ticket they are
        # shown on changes (AppendOnlyQuerySet leaves ``update`` for such recorded moves).
        Comment.objects.filter(ticket=dup).update(ticket=orig)
        Attachment.objects.filter(ticket=dup).update(ticket=orig)
        _move_watchers(dup, orig, actor, channel)
        old_status = dup.status
        dup.status = Status.CLOSED
        dup.closed_at = timezone.now()
        dup.merged_into = orig
        dup.save()
        # The status move keeps the SLA history complete (the clocks read status events).
        events.status_changed(dup, actor, channel, old_status)
        merged = events.merged(dup, actor, channel, orig)
        merged_in = events.merged_in(orig, actor, channel, dup)
        orig.save(update_fields=["updated_at"])
        announce(merged)
        announce(merged_in)
    return orig


def _move_watchers(dup: Ticket, orig: Ticket, actor: User, channel: str) -> None:
    """The duplicate's watchers and requester follow the original from now on."""
    present = set(orig.watchers.values_list("pk", flat=True)) | {orig.requester_id}
    people = [*dup.watchers.all(), dup.requester]
    added: dict[int, User] = {}
    for person in people:
        if person.pk in present or person.pk in added or not person.is_active:
            continue
        if person.is_contractor or person.organization_id == orig.organization_id:
            added[person.pk] = person
    if added:
        orig.watchers.add(*added.values())
        for person in added.values():
            events.watcher_changed(orig, actor, channel, person, added=True)


def refuse_if_merged(ticket: Ticket, field: str) -> None:
    """A merged ticket stays closed: its status does not move again (``field`` names the
    input refused)."""
    if ticket.merged_into_id is not None:
        raise ValidationError(
            {
                field: [
                    _("This ticket was merged into %(number)s; work on that ticket.")
                    % {"number": Ticket(pk=ticket.merged_into_id).number}
                ]
            }
        )


def redirected(ticket: Ticket) -> Ticket:
    """The ticket a change to ``ticket`` goes to: the original once it was merged (a reply to
    a duplicate's email, a customer who still has its page open)."""
    if ticket.merged_into_id is None:
        return ticket
    return locked(Ticket(pk=ticket.merged_into_id))
