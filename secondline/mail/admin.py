"""The back office for the email channel: mailboxes, the outbox and the quarantine."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import User
from secondline.accounts.requests import back_office_user
from secondline.common.admin import BoundedDates
from secondline.common.ids import row_id
from secondline.mail import crypto, flags, imap, oauth2, proof, quarantine
from secondline.mail.admin_forms import MailboxForm
from secondline.mail.consent_admin import ConsentAdminMixin
from secondline.mail.limits import parse_raw
from secondline.mail.models import InboundMessage, Mailbox, Notification, ReplyKey, SenderReply
from secondline.mail.secrets import SECRET_FIELDS
from secondline.tickets.choices import TicketType

RAW_PREVIEW_BYTES = 512 * 1024
SECRET_LABELS = {
    "password": _("password"),
    "oauth2_client_secret": _("client secret"),
    "oauth2_refresh_token": _("refresh token"),
    "oauth2_access_token": _("access token"),
}


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "kind", "to_email", "status", "attempts", "ticket"]
    list_filter = ["status", "kind"]
    readonly_fields = [
        "ticket",
        "event",
        "comment",
        "recipient",
        "message_id",
        "created_at",
        "sent_at",
        "last_error",
    ]


def unreadable_secrets(object_id: str) -> list[str]:
    """What of the mailbox ``object_id`` names no configured key opens, by label."""
    rows = Mailbox.objects.filter(pk=row_id(object_id) or 0)
    stored = rows.values_list(*map(crypto.raw, SECRET_FIELDS)).first()  # as stored: no decryption
    unreadable = []
    for name, value in zip(SECRET_FIELDS, stored or (), strict=False):
        try:
            crypto.decrypt(value or "")
        except crypto.UndecryptableSecret:
            unreadable.append(str(SECRET_LABELS.get(name, name)))
    return unreadable


@admin.register(Mailbox)
class MailboxAdmin(ConsentAdminMixin):
    form = MailboxForm
    list_display = ["name", "host", "username", "folder", "is_active", "last_polled_at"]
    list_filter = ["is_active"]
    readonly_fields = [
        "last_polled_at",
        "last_error",
        "login_failures",
        "next_login_at",
        "oauth2_expires_at",
    ]
    # The form's order: its write-only secrets, kept off the model form, would come last.
    fields = [*MailboxForm.Meta.fields, *readonly_fields]
    actions = ["poll_now", "refresh_oauth2_token"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mailbox]:
        # Nothing here shows a secret, and one that no key opens would make the page a 500:
        # the actions and the worker read each mailbox in full on its own.
        return super().get_queryset(request).defer(*SECRET_FIELDS)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        unreadable = unreadable_secrets(object_id)
        if not unreadable:
            return super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET":
            self.message_user(
                request,
                _(
                    "This mailbox's %(secrets)s cannot be decrypted with the keys configured: "
                    "put the key back in MAIL_ENCRYPTION_KEYS (or its SECRET_KEY in "
                    "SECRET_KEY_FALLBACKS), or type the secrets again and save."
                )
                % {"secrets": ", ".join(unreadable)},
                messages.ERROR,
            )
        # ConsentAdminMixin reads the secrets for its Connect button: skipped until they open.
        return super(ConsentAdminMixin, self).change_view(
            request, object_id, form_url, extra_context
        )

    @admin.action(description=_("Refresh the OAuth2 access token now"))
    def refresh_oauth2_token(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for name, error in oauth2.refresh_each(queryset.filter(auth=Mailbox.Auth.OAUTH2)):
            if error:
                self.message_user(request, f"{name}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(name)s: token refreshed.") % {"name": name})

    @admin.action(description=_("Poll the selected mailboxes now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        # Each read on its own (one no key opens fails alone); it waits after a refused sign-in.
        for name, result in imap.poll_each(queryset, by_hand=False):
            level = messages.ERROR if result.error else messages.SUCCESS
            text = _("%(name)s: %(count)s messages fetched.") % {
                "name": name,
                "count": result.fetched,
            }
            self.message_user(request, f"{text} {result.error}".strip(), level)


class TurnIntoTicketForm(forms.Form):
    contact = forms.ModelChoiceField(
        label=_("customer contact"),
        queryset=User.objects.filter(is_active=True, role__in=User.CUSTOMER_ROLES).select_related(
            "organization"
        ),
        required=False,
        empty_label=_("— the sender, if a customer contact —"),
    )
    ticket_type = forms.ChoiceField(
        label=_("type"),
        choices=[("", _("from the subject tag")), *TicketType.choices],
        required=False,
    )


class DiscardForm(forms.Form):
    reason = forms.CharField(label=_("why it is spam"), max_length=500)


@admin.register(InboundMessage)
class InboundMessageAdmin(BoundedDates, admin.ModelAdmin[InboundMessage]):
    """The quarantine agents work through: every message ever received, with its raw source."""

    list_display = ["received_at", "status", "sender", "subject", "source", "result_ticket"]
    list_filter = ["status", "mailbox"]
    search_fields = ["sender", "subject", "message_id", "error"]
    date_hierarchy = "received_at"
    actions = ["retry", "turn_into_ticket", "discard", "accept_as_sender"]
    exclude = ["raw"]
    readonly_fields = [
        "status",
        "error",
        "sender",
        "subject",
        "message_id",
        "source",
        "mailbox",
        "received_at",
        "processed_at",
        "attempts",
        "size",
        "sha256",
        "fingerprint",
        "result_ticket",
        "result_comment",
        "duplicate_of",
        "collides_with",
        "discarded_by",
        "discarded_at",
        "discard_reason",
        "text_preview",
        "raw_source",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing received is ever lost

    @admin.display(description=_("text"))
    def text_preview(self, obj: InboundMessage) -> str:
        parsed = parse_raw(bytes(obj.raw))
        notes = format_html_join(
            "", '<p class="errornote">{}</p>', ((note,) for note in flags.staff_notes(parsed))
        )
        return format_html(
            '{}<pre style="white-space:pre-wrap">{}</pre><p>{}</p>',
            notes,
            parsed.text[:20000],
            ", ".join(a.filename for a in parsed.attachments),
        )

    @admin.display(description=_("raw source"))
    def raw_source(self, obj: InboundMessage) -> str:
        raw = bytes(obj.raw)
        text = raw[:RAW_PREVIEW_BYTES].decode("utf-8", "replace")
        more = _(" … (%(size)s bytes in all)") % {"size": len(raw)} if len(raw) > len(text) else ""
        return format_html('<pre style="white-space:pre-wrap">{}{}</pre>', text, more)

    @admin.action(description=_("Retry the selected messages that were not filed"))
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        results: dict[str, int] = {}
        for message in queryset:
            try:
                status = quarantine.retry(message)
            except ValidationError as exc:
                self.message_user(
                    request, f"#{message.pk}: {' '.join(exc.messages)}", messages.WARNING
                )
                continue
            results[status] = results.get(status, 0) + 1
        if results:
            summary = ", ".join(
                f"{InboundMessage.Status(k).label}: {v}" for k, v in results.items()
            )
            self.message_user(request, summary, messages.SUCCESS)

    @admin.action(description=_("Turn into a ticket for a chosen customer contact"))
    def turn_into_ticket(
        self, request: HttpRequest, queryset: QuerySet[InboundMessage]
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            form = TurnIntoTicketForm(request.POST)
            if form.is_valid():
                created = 0
                for message in queryset:
                    try:
                        quarantine.turn_into_ticket(
                            message,
                            form.cleaned_data["contact"],
                            back_office_user(request),
                            form.cleaned_data["ticket_type"],
                        )
                        created += 1
                    except (ValidationError, AccessDenied) as exc:
                        text = " ".join(getattr(exc, "messages", [str(exc)]))
                        self.message_user(request, f"#{message.pk}: {text}", messages.ERROR)
                if created:
                    self.message_user(
                        request,
                        ngettext("%d ticket filed.", "%d tickets filed.", created) % created,
                        messages.SUCCESS,
                    )
                return None
        else:
            form = TurnIntoTicketForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Turn into a ticket"),
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/mail/turn_into_ticket.html", context)

    @admin.action(description=_("Discard the selected messages as spam"))
    def discard(
        self, request: HttpRequest, queryset: QuerySet[InboundMessage]
    ) -> HttpResponse | None:
        form = DiscardForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                done = quarantine.discard(
                    queryset.only("pk"),
                    back_office_user(request),
                    form.cleaned_data["reason"],
                )
            except (ValidationError, AccessDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, text, messages.ERROR)
                return None
            skipped = queryset.count() - len(done)
            self.message_user(
                request,
                ngettext("%d message discarded.", "%d messages discarded.", len(done)) % len(done),
                messages.SUCCESS,
            )
            if skipped:
                self.message_user(
                    request,
                    ngettext(
                        "%d message was filed already and is left as it is.",
                        "%d messages were filed already and are left as they are.",
                        skipped,
                    )
                    % skipped,
                    messages.WARNING,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Discard as spam"),
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/mail/discard.html", context)

    @admin.action(description=_("Accept the selected replies as their senders' comments"))
    def accept_as_sender(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        accepted = 0
        for message in queryset:
            try:
                quarantine.accept_as_sender(message, back_office_user(request))
            except (ValidationError, AccessDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(request, f"#{message.pk}: {text}", messages.ERROR)
            else:
                accepted += 1
        if accepted:
            self.message_user(
                request,
                ngettext("%d reply accepted.", "%d replies accepted.", accepted) % accepted,
                messages.SUCCESS,
            )


@admin.register(SenderReply)
class SenderReplyAdmin(admin.ModelAdmin[SenderReply]):
    list_display = ["day", "email", "sent_at", "reason"]
    readonly_fields = ["email", "day", "reason", "in_reply_to", "subject", "sent_at"]


@admin.register(ReplyKey)
class ReplyKeyAdmin(admin.ModelAdmin[ReplyKey]):
    """Each person's key for their signed reply addresses (``mail/proof.py``)."""

    list_display = ["user", "rotated_at"]
    search_fields = ["user__email", "user__username"]
    readonly_fields = ["user", "rotated_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a key is made when a person's first notification is sent

    @admin.action(description=_("Revoke: refuse every reply address signed with these keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ReplyKey]) -> None:
        for key in queryset.select_related("user"):
            proof.revoke(key.user)
        self.message_user(request, _("Revoked %(count)d keys.") % {"count": queryset.count()})
