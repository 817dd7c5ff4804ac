"""What a routed message becomes: a new ticket, a comment, a delivery-failure event on the ticket
it bounced from; automatic mail is set aside, and an unknown sender gets one how-to-file answer
a day. Every write goes through ``tickets.services``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.common.moments import out_of_span
from secondline.mail import (
    flags,
    notes,
    notify,
    proof,
    routing,
    sender_replies,
    undeliverable,
    urgent,
)
from secondline.mail.automatic import Bounce
from secondline.mail.models import InboundMessage
from secondline.mail.outbound import refusal_reasons
from secondline.mail.parse import ParsedMessage
from secondline.mail.subject_tags import subject_tags
from secondline.tickets import attachments
from secondline.tickets import services as tickets
from secondline.tickets.access import can_see_ticket
from secondline.tickets.choices import Channel, Priority, TicketType
from secondline.tickets.choices import Status as TicketStatus
from secondline.tickets.models import Comment, Ticket
from secondline.tickets.rules import TEXT_LIMIT

Status = InboundMessage.Status
#: A customer's answer to these opens a new ticket that names them (tickets.services).
FINISHED = frozenset({TicketStatus.CLOSED, TicketStatus.DECLINED})

NOT_GIVEN = gettext_noop("(not given in the email)")


def in_language_of(contact: User) -> translation.override:
    """What the desk writes into a contact's ticket or comment for them (a placeholder, a note
    on a cut text) is in their language, whatever language the intake runs in."""
    return translation.override(contact.language or settings.LANGUAGE_CODE)


def delivery_failure(message: InboundMessage, parsed: ParsedMessage, bounce: Bounce) -> None:
    """A bounce of one of our notifications goes on its ticket as an internal event; a hard
    bounce (``undeliverable.address_is_gone``) also marks its address undeliverable. Only a bounce
    naming one of our notifications (its Message-ID, which only its recipient's mail system
    saw) marks it, and only that notification's address: anyone can write a bounce that names
    a ticket's thread id or some address, and must not stop our mail to a customer with it."""
    notification, ticket = routing.bounced(bounce)
    if ticket is None:
        message.settle(
            Status.QUARANTINED,
            _("A delivery failure report about a message we did not send (or cannot match)."),
        )
        return
    recipient = (notification.to_email if notification else ", ".join(bounce.recipients)) or _(
        "unknown recipient"
    )
    rows = [notification] if notification is not None else []
    reason = bounce.diagnostic or parsed.subject
    notify.delivery_failed(ticket, rows, recipient, reason)
    if notification is not None and _hard_bounce_of(notification.to_email, bounce):
        undeliverable.mark_undeliverable(notification.to_email, reason)
    message.result_ticket = ticket
    message.settle(Status.DELIVERY_FAILED)


def _hard_bounce_of(address: str, bounce: Bounce) -> bool:
    """The bounce says ``address`` refuses mail for good: a permanent status about the address
    (5.1.1, not a 4.X.X soft bounce), for it (a report naming only another final recipient,
    such as the mailbox it forwards to, does not mark it)."""
    named = not bounce.recipients or address.lower() in bounce.recipients
    return named and undeliverable.address_is_gone(bounce.diagnostic)


def set_aside_automatic(
    message: InboundMessage, parsed: ParsedMessage, ticket: Ticket | None
) -> None:
    """Automatic mail never opens a ticket, never joins a conversation and is never answered."""
    why = _("Sent automatically (%(why)s).") % {"why": parsed.automatic}
    if ticket is not None:
        message.result_ticket = ticket
        message.settle(Status.IGNORED, why)
    else:
        message.settle(Status.QUARANTINED, why)


def uploads_from(parsed: ParsedMessage) -> tuple[list[attachments.UploadedFile], list[str]]:
    """Every attachment as an upload; those over the size limit stay in the raw message."""
    uploads: list[attachments.UploadedFile] = []
    skipped: list[str] = []
    for item in parsed.attachments:
        if len(item.data) > settings.ATTACHMENT_MAX_BYTES:
            skipped.append(item.filename)
            continue
        name = _storable_name(item.filename, len(uploads) + 1)
        uploads.append(
            attachments.UploadedFile(
                name=name,
                content=ContentFile(item.data, name=name),
                size=len(item.data),
                content_type=item.content_type,
                content_id=item.content_id,
            )
        )
    return uploads, skipped


def _storable_name(filename: str, position: int) -> str:
    """The sender's file name when storage can use it, else a neutral one (".." or "[")."""
    try:
        get_valid_filename(filename)
    except SuspiciousFileOperation:
        return f"attachment-{position}"
    return filename


def with_skipped_note(text: str, skipped: list[str], message: InboundMessage) -> str:
    if not skipped:
        return text
    note = _(
        "Attachments over the size limit are kept with the original email (inbound message "
        "#%(id)s): %(names)s"
    ) % {"id": message.pk, "names": ", ".join(skipped)}
    return f"{text}\n\n[{note}]"


def fitted(
    text: str, uploads: list[attachments.UploadedFile]
) -> tuple[str, list[attachments.UploadedFile]]:
    """A text over what a ticket's text holds (``rules.TEXT_LIMIT``: a long pasted log) is cut,
    and the whole of it goes along as ``message.txt``, so nothing the customer wrote is lost
    and the email is never refused for its length."""
    if len(text) <= TEXT_LIMIT:
        return text, uploads
    note = _("[Cut here: the whole text is attached as message.txt.]")
    whole = text.encode()
    full = attachments.UploadedFile(
        name="message.txt",
        content=ContentFile(whole, name="message.txt"),
        size=len(whole),
        content_type="text/plain",
    )
    return f"{text[: TEXT_LIMIT - len(note) - 2]}\n\n{note}", [*uploads, full]


def comment(
    message: InboundMessage, parsed: ParsedMessage, ticket: Ticket, author: User | None, how: str
) -> None:
    """The message answers ``ticket``: a public comment by its sender, if they may write there.
    ``how`` is how ``routing.find_ticket`` found the ticket."""
    if author is None or not can_see_ticket(author, ticket):
        message.settle(
            Status.QUARANTINED,
            _("%(sender)s may not write on %(number)s.")
            % {"sender": parsed.sender, "number": ticket.number},
        )
        return
    unproven = unproven_reply(message, parsed, ticket, author, how)
    if unproven:
        message.settle(Status.QUARANTINED, unproven)
        return
    answered = ticket.merged_into if ticket.merged_into_id else ticket  # add_comment's way
    if author.is_customer and answered is not None and answered.status in FINISHED:
        open_ticket(message, parsed, author, follows=answered)
        return
    post_comment(message, parsed, ticket, author)


def post_comment(
    message: InboundMessage, parsed: ParsedMessage, ticket: Ticket, author: User
) -> Comment:
    """Write the message on ``ticket`` as a public comment by ``author`` (who may write there
    and is proven, or accepted by an agent: ``quarantine.accept_as_sender``)."""
    body = parsed.reply_text
    uploads, skipped = uploads_from(parsed)
    with in_language_of(author):
        body = with_skipped_note(body, skipped, message)
        if not body.strip() and (not uploads or parsed.encrypted):
            body = flags.empty_body(parsed)
        body, uploads = fitted(body, uploads)
    stripped = len(body) < len(parsed.text.strip())
    comment = tickets.add_comment(
        ticket,
        author,
        body,
        public=True,
        channel=Channel.EMAIL,
        files=uploads,
        body_html="" if stripped else parsed.html,
    )
    notes.note_on_ticket(ticket, message, parsed)
    message.result_ticket = comment.ticket  # the original, when ``ticket`` was merged into it
    message.result_comment = comment
    message.settle(Status.COMMENT)
    return comment


# How a customer's reply may find its ticket without further proof: it answers mail we sent.
FOUND_BY_OUR_MAIL = frozenset({"thread"})


def unproven_reply(
    message: InboundMessage, parsed: ParsedMessage, ticket: Ticket, author: User, how: str
) -> str:
    """Why the reply may not act as ``author`` on ``ticket`` ("" if it may; issue 16), which
    ``routing.find_ticket`` found ``how``.

    Staff always need a proof (``proof``): a signed reply address or our mail server's
    DMARC/DKIM pass. So does a customer whose message names the ticket only by something
    anyone can write (the subject tag, the plus address, the ticket's thread id, a signed
    address not theirs): such a message is quarantined rather than filed as a new ticket,
    so a forged text reaches nobody.
    """
    if author.is_contractor:
        if proof.proof(message, parsed, author, ticket):
            return ""
        return _(
            "%(sender)s is staff, and a reply from staff must be sent to their own signed "
            "reply address or pass DMARC/DKIM at our mail server; this one does neither."
        ) % {"sender": parsed.sender}
    if proof.proof(message, parsed, author, ticket):
        return ""
    if how in FOUND_BY_OUR_MAIL:
        return ""
    return _(
        "The message names %(number)s only by its subject, address or thread id, which anyone "
        "can write; it was not sent to %(sender)s's signed reply address and our mail server "
        "did not vouch for it."
    ) % {"number": ticket.number, "sender": parsed.sender}


def draft_from(
    parsed: ParsedMessage, default_type: str, chosen_type: str = ""
) -> tickets.NewTicket:
    """The ticket an email asks for.

    Type and priority come from subject tags ([Incident][High], [Инцидент][Высокий]), else the
    mailbox's default type; file_ticket applies the priority rules. An email carries no
    separate incident fields, so: occurred_at is the Date header (or now, if missing, in the
    future or absurd), the description is the body, and impact, steps to reproduce, target
    version and preferred windows say "(not given in the email)" for the agent to ask about.
    """
    tags = subject_tags(parsed.subject)
    ticket_type = chosen_type or tags.type or default_type
    if ticket_type not in TicketType.values:
        ticket_type = TicketType.CONSULTATION
    subject = tags.subject or parsed.subject.strip() or _first_line(parsed.text)
    description = parsed.text.strip() or flags.empty_body(parsed)
    draft = tickets.NewTicket(
        type=ticket_type,
        subject=(subject or _("(no subject)"))[:250],
        description=description,
        requested_priority=tags.priority,
    )
    if ticket_type == TicketType.INCIDENT:
        draft.occurred_at = _occurred_at(parsed.date)
        draft.impact = draft.steps_to_reproduce = _(NOT_GIVEN)
    elif ticket_type == TicketType.UPDATE_INSTALLATION:
        draft.target_version = draft.preferred_windows = _(NOT_GIVEN)
    return draft


def arrived_at(message: InboundMessage) -> dt.datetime:
    """When the customer asked: the moment the email was stored (issue 13, Build 7), so a
    message filed late, by a retry or by an agent from the quarantine, keeps its place in the
    SLA. Never after now (another machine's clock may run a little ahead)."""
    return min(message.received_at or timezone.now(), timezone.now())


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def _occurred_at(date: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if date is None or date > now + dt.timedelta(minutes=5) or out_of_span(date):
        return now
    return date


def new_ticket(
    message: InboundMessage,
    parsed: ParsedMessage,
    contact: User | None,
    *,
    answer_unknown_senders: bool,
) -> None:
    """The message starts a conversation: a ticket of its sender's, if they are a customer
    contact."""
    if contact is None:
        why = _("%(sender)s is not a known contact of any customer.") % {"sender": parsed.sender}
        message.settle(Status.QUARANTINED, why)
        if answer_unknown_senders and not parsed.suppress_auto_replies:
            sender_replies.answer(parsed)
        return
    if contact.is_contractor:
        message.settle(
            Status.QUARANTINED,
            _("Staff cannot open tickets by email; turn it into a ticket for a customer contact."),
        )
        return
    default_type = message.mailbox.default_ticket_type if message.mailbox else ""
    open_ticket(message, parsed, contact, default_type, answer_unknown_senders)


def open_ticket(
    message: InboundMessage,
    parsed: ParsedMessage,
    contact: User,
    default_type: str = "",
    answer_unknown_senders: bool = False,
    follows: Ticket | None = None,
) -> Ticket | None:
    """The message as a new ticket of ``contact``'s; ``follows``: the closed or declined ticket
    it answers, which its description names (as the portal asks a customer to do)."""
    draft, uploads = drafted(
        message, parsed, contact, default_type or settings.MAIL_DEFAULT_TICKET_TYPE, follows=follows
    )
    to_confirm = _urgent_unproven(message, parsed, contact, draft)
    try:
        # No savepoint of our own: file_ticket writes in its own atomic block, so a refusal
        # (raised before or inside it) leaves nothing behind.
        ticket = tickets.file_ticket(contact, draft, channel=Channel.EMAIL, files=uploads)
    except access.NotAContact as exc:
        message.settle(Status.QUARANTINED, str(exc))
        if answer_unknown_senders and not parsed.suppress_auto_replies:
            sender_replies.answer(parsed, *refusal_reasons(contact))
        return None
    except ValidationError as exc:
        message.settle(Status.QUARANTINED, "; ".join(exc.messages))
        return None
    notes.note_on_ticket(ticket, message, parsed)
    if to_confirm:
        urgent.ask_to_confirm(ticket, contact)
    message.result_ticket = ticket
    message.settle(Status.TICKET)
    return ticket


def drafted(
    message: InboundMessage,
    parsed: ParsedMessage,
    contact: User,
    default_type: str,
    *,
    chosen_type: str = "",
    follows: Ticket | None = None,
) -> tuple[tickets.NewTicket, list[attachments.UploadedFile]]:
    """The ticket ``message`` files for ``contact`` and its files, by the intake or an agent
    from the quarantine alike: what the desk writes into it in the contact's language, the
    follow-up line naming ``follows``, attachments over the limit named, a text over the limit
    cut and attached whole, filed at the email's arrival."""
    uploads, skipped = uploads_from(parsed)
    with in_language_of(contact):
        draft = draft_from(parsed, default_type, chosen_type)
        if follows is not None:
            draft.description = f"{_follow_up_line(follows)}\n\n{draft.description}"
        draft.description = with_skipped_note(draft.description, skipped, message)
        draft.description, uploads = fitted(draft.description, uploads)
    draft.filed_at = arrived_at(message)
    return draft, uploads


def _follow_up_line(finished: Ticket) -> str:
    if finished.status == TicketStatus.DECLINED:
        line = _("Follow-up to %(number)s, which was declined.")
    else:
        line = _("Follow-up to %(number)s, which is closed.")
    return line % {"number": finished.number}


def _urgent_unproven(
    message: InboundMessage, parsed: ParsedMessage, contact: User, draft: tickets.NewTicket
) -> bool:
    """An Urgent incident from an email that proves nothing is filed at High, and its contact
    is asked to confirm it (``urgent``): a forged email pages nobody."""
    if draft.type != TicketType.INCIDENT or draft.requested_priority != Priority.URGENT:
        return False
    if proof.proof(message, parsed, contact):
        return False
    draft.requested_priority = Priority.HIGH
    return True
