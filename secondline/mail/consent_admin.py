"""The back office's side of connecting an OAuth2 mailbox (``consent``): the "Connect with …"
button on a mailbox's page, the view it leads to (off to the provider) and the callback the
provider sends the administrator back to. Both views need the permission to change mailboxes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from secondline.common.ids import row_named
from secondline.mail import consent
from secondline.mail.models import Mailbox
from secondline.mail.oauth2 import OAuth2Error


def redirect_uri(request: HttpRequest) -> str:
    """The callback's full URL, to register with the provider's app (shown on the page)."""
    return request.build_absolute_uri(reverse("admin:mail_mailbox_oauth2_callback"))


def connect_label(mailbox: Mailbox) -> str:
    if mailbox.oauth2_provider in consent.PROVIDERS:
        return _("Connect with %(provider)s") % {"provider": mailbox.get_oauth2_provider_display()}
    return _("Connect with the OAuth2 provider")


class ConsentAdminMixin(admin.ModelAdmin[Mailbox]):
    change_form_template = "admin/mail/mailbox/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/oauth2/connect/",
                view(self.oauth2_connect),
                name="mail_mailbox_oauth2_connect",
            ),
            path(
                "oauth2/callback/", view(self.oauth2_callback), name="mail_mailbox_oauth2_callback"
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        mailbox = row_named(Mailbox.objects.all(), object_id)
        context = dict(extra_context or {})
        if mailbox is not None and mailbox.auth == Mailbox.Auth.OAUTH2:
            context["oauth2_connect"] = {
                "url": reverse("admin:mail_mailbox_oauth2_connect", args=[mailbox.pk]),
                "label": connect_label(mailbox),
                "redirect_uri": redirect_uri(request),
                "connected": bool(mailbox.oauth2_refresh_token),
            }
        return super().change_view(request, object_id, form_url, context)

    def _page(self, mailbox_id: int | None) -> HttpResponseRedirect:
        if mailbox_id is None:
            return HttpResponseRedirect(reverse("admin:mail_mailbox_changelist"))
        return HttpResponseRedirect(reverse("admin:mail_mailbox_change", args=[mailbox_id]))

    def oauth2_connect(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Off to the provider's consent page, or back with what the mailbox still lacks."""
        mailbox = get_object_or_404(Mailbox, pk=pk)
        if not self.has_change_permission(request, mailbox):
            raise PermissionDenied
        if mailbox.auth != Mailbox.Auth.OAUTH2:
            raise Http404
        try:
            url = consent.start(request.session, mailbox, redirect_uri(request))
        except OAuth2Error as exc:
            self.message_user(request, f"{mailbox.name}: {exc}", messages.ERROR)
            return self._page(mailbox.pk)
        return HttpResponseRedirect(url)

    def oauth2_callback(self, request: HttpRequest) -> HttpResponse:
        """The provider's redirect: the code exchanged and the tokens stored, or the error."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        query = {key: request.GET.get(key, "") for key in request.GET}
        started_for = consent.pending_mailbox(request.session, query.get("state", ""))
        try:
            mailbox = consent.finish(request.session, query)
        except OAuth2Error as exc:
            self.message_user(
                request, _("Not connected: %(error)s") % {"error": exc}, messages.ERROR
            )
            return self._page(started_for)
        self.message_user(
            request,
            _("%(name)s is connected: the refresh token is stored and the worker keeps it fresh.")
            % {"name": mailbox.name},
            messages.SUCCESS,
        )
        return self._page(mailbox.pk)
