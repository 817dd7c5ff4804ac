"""The mailbox form of the back office (*Email → Mailboxes*).

Its secrets (the password, the OAuth2 client secret and refresh token) are write-only: never
read into the form, so neither sent back in the page nor decrypted to show it, and written
only when one is typed; left empty, the stored one is kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from secondline.mail import oauth2
from secondline.mail.crypto import UndecryptableSecret
from secondline.mail.models import Mailbox

OAUTH2_FIELDS = [
    "oauth2_provider",
    "oauth2_authorize_url",
    "oauth2_token_url",
    "oauth2_scope",
    "oauth2_client_id",
    "oauth2_client_secret",
    "oauth2_refresh_token",
]
WRITE_ONLY = ["password", "oauth2_client_secret", "oauth2_refresh_token"]
PORTS = range(1, 65536)
KEPT = _("Never shown: left empty, the stored one is kept.")


def secret_field(label: StrOrPromise) -> forms.CharField:
    """A secret typed here and never sent back: left empty, the stored one is kept."""
    return forms.CharField(
        label=label,
        widget=forms.PasswordInput(render_value=False),
        required=False,
        max_length=255,
        help_text=KEPT,
    )


class MailboxForm(forms.ModelForm[Mailbox]):
    password = secret_field(_("password"))
    oauth2_token_url = forms.URLField(
        label=_("token URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Filled in for the known providers."),
    )
    oauth2_authorize_url = forms.URLField(
        label=_("authorize URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Where the administrator gives consent; filled in for the known providers."),
    )
    oauth2_client_secret = secret_field(_("client secret"))
    oauth2_refresh_token = forms.CharField(
        label=_("refresh token"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_(
            "Got by “Connect” after saving; or paste one. Never shown: "
            "left empty, the stored one is kept."
        ),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "host",
            "port",
            "security",
            "username",
            "auth",
            "password",
            *OAUTH2_FIELDS,
            "folder",
            "default_ticket_type",
            "processed_action",
            "processed_folder",
            "is_active",
        ]
        # Both: ``fields`` orders the page, ``exclude`` keeps the secrets off the model form (never
        # read from the mailbox; ``save`` writes the typed ones), also in the admin's subclass.
        exclude = WRITE_ONLY  # noqa: DJ006

    def clean_port(self) -> int | None:
        port: int | None = self.cleaned_data.get("port")
        if port is not None and port not in PORTS:
            raise ValidationError(_("A port is a number from 1 to 65535."))
        return port

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_processing(data)
        if data.get("auth") == Mailbox.Auth.OAUTH2:
            self._clean_oauth2(data)
        return data

    def _clean_processing(self, data: dict[str, Any]) -> None:
        """Moving a processed message needs a folder to move it to, and not the polled one: else
        each message stays where the poll finds it again, and new mail waits behind it."""
        if data.get("processed_action") != Mailbox.ProcessedAction.MOVE:
            return
        target = (data.get("processed_folder") or "").strip()
        if not target:
            self.add_error("processed_folder", _("Give the folder to move processed messages to."))
        elif target.casefold() == (data.get("folder") or "").strip().casefold():
            self.add_error(
                "processed_folder", _("Give another folder than the one polled for new mail.")
            )

    def _clean_oauth2(self, data: dict[str, Any]) -> None:
        """OAuth2 needs the app's client ID, and a refresh token or a way to get one (the
        authorize URL ``Connect`` goes to); a known provider's URLs and scope are filled in
        (``oauth2.PROVIDERS``)."""
        for name in ("oauth2_provider", "oauth2_client_id"):
            if not data.get(name):
                self.add_error(name, _("Needed for an OAuth2 sign-in."))
        known = oauth2.PROVIDERS.get(data.get("oauth2_provider") or "")
        if known is not None:
            data["oauth2_token_url"] = data.get("oauth2_token_url") or known.token_url
            data["oauth2_authorize_url"] = data.get("oauth2_authorize_url") or known.authorize_url
            data["oauth2_scope"] = data.get("oauth2_scope") or known.scope
            return
        if not data.get("oauth2_token_url"):
            self.add_error("oauth2_token_url", _("Give the provider's token URL."))
        refresh_token = data.get("oauth2_refresh_token") or self._stored("oauth2_refresh_token")
        if not data.get("oauth2_authorize_url") and not refresh_token:
            self.add_error(
                "oauth2_authorize_url", _("Give the provider's authorize URL, or a refresh token.")
            )

    def _stored(self, name: str) -> str | None:
        """The stored secret ``name`` ("" when none); None when no configured key opens it."""
        if self.instance.pk is None:
            return str(getattr(self.instance, name))
        try:
            rows = Mailbox.objects.filter(pk=self.instance.pk).values_list(name, flat=True)
            return rows.first() or ""
        except UndecryptableSecret:
            return None

    def _oauth2_changed(self) -> bool:
        plain = [name for name in OAUTH2_FIELDS if name not in WRITE_ONLY]
        stored = Mailbox.objects.filter(pk=self.instance.pk).values(*plain).first() or {}
        if any(self.cleaned_data.get(name, "") != stored.get(name) for name in plain):
            return True
        typed = {name: self.cleaned_data.get(name) for name in OAUTH2_FIELDS if name not in plain}
        return any(value and value != self._stored(name) for name, value in typed.items())

    def save(self, commit: bool = True) -> Mailbox:
        if self.instance.pk is None or self._oauth2_changed():
            self.instance.oauth2_access_token = ""  # got again with the new settings
            self.instance.oauth2_expires_at = None
        for name in WRITE_ONLY:
            if typed := self.cleaned_data.get(name):
                setattr(self.instance, name, typed)
        # An instance the back office loaded has its secrets deferred: those not typed stay so,
        # and Model.save writes only the loaded fields, so they are kept as stored.
        return super().save(commit)
