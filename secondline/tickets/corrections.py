"""A comment is corrected, never edited: the old text stays in the ticket's history.

The conversation is append-only (``models.AppendOnly``): neither the admin nor ``save()`` can
rewrite what someone wrote. When a comment must change (a password pasted by mistake, a wrong
figure), a member of the contractor's staff corrects it here with a reason; the audit event
keeps the old text, and the change is announced like every other one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.tickets import events
from secondline.tickets.choices import Channel
from secondline.tickets.locking import locked
from secondline.tickets.models import Comment
from secondline.tickets.signals import announce


def correct_comment(
    comment: Comment, actor: User, new_body: str, reason: str, channel: str = Channel.WEB
) -> Comment:
    """Replace a comment's text; only the contractor's staff, with a reason.

    The event keeps the old and the new text and is shown to whoever sees the comment: a
    customer sees the correction of a public comment, an internal note's stays internal.
    """
    access.require_contractor(actor)
    errors: dict[str, list[str]] = {}
    if not new_body.strip():
        errors["body"] = [_("Write the corrected text.")]
    if not reason.strip():
        errors["reason"] = [_("Say why the comment is corrected; the reason is kept with it.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ticket = locked(comment.ticket)
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if current.body == new_body:
            raise ValidationError({"body": [_("The comment already says this.")]})
        event = events.comment_corrected(ticket, actor, channel, current, new_body, reason.strip())
        # The one update() of a comment: its old text is in the event written just above.
        Comment.objects.filter(pk=current.pk).update(
            body=new_body, body_html="", corrected_at=event.created_at
        )
        ticket.save(update_fields=["updated_at"])
        current.refresh_from_db()
        announce(event, comment=current)
    return current
