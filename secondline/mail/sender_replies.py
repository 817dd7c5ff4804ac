"""The one answer a day to someone whose email cannot become a ticket: how to file one (an
unknown sender), or why their organisation cannot file yet. Never to ourselves, our own
domain or a robot (``automatic.ROBOT_LOCALPARTS``)."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from secondline.mail.automatic import ROBOT_LOCALPARTS
from secondline.mail.models import SenderReply
from secondline.mail.parse import ParsedMessage


def answerable(address: str) -> bool:
    """May an answer go to ``address``: not to ourselves, our domain or a robot."""
    ours = {settings.SUPPORT_EMAIL.lower(), settings.DEFAULT_FROM_EMAIL.lower()}
    local, _, domain = address.partition("@")
    return (
        bool(local and domain)
        and address not in ours
        and domain != settings.MAIL_DOMAIN.lower()
        and not ROBOT_LOCALPARTS.match(local)
    )


def answer(parsed: ParsedMessage, reason: str = "", reason_ru: str = "") -> None:
    """Explain how to file a ticket: at most one such email per sender per day, sent after
    the intake's transaction commits; ``reason``: why this sender cannot file (in both
    languages), else the reply says the address is not a customer contact's."""
    if not answerable(parsed.sender):
        return
    day = timezone.localdate()
    if SenderReply.objects.filter(email=parsed.sender, day=day).exists():
        return
    try:
        with transaction.atomic():
            reply = SenderReply.objects.create(
                email=parsed.sender,
                day=day,
                reason=reason,
                reason_ru=reason_ru,
                in_reply_to=parsed.message_id,
                subject=parsed.subject[:250],
            )
    except IntegrityError:
        return
    transaction.on_commit(partial(_send_later, reply.pk))


def _send_later(pk: int) -> None:
    from secondline.mail.tasks import send_sender_reply

    send_sender_reply.delay(pk)
