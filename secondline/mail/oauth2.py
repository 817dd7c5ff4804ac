"""OAuth2 mailboxes: IMAP sign-in with XOAUTH2 and an access token the worker keeps fresh.

An administrator registers an app with the provider, gives its client ID and secret and the
refresh token its consent produced (*Email → Mailboxes*). The access token is got with the
refresh_token grant (RFC 6749, section 6) before it expires: by the periodic task
``refresh_oauth2_tokens`` in the background, and by the poll itself when it finds none valid.
A provider that sends a new refresh token (Microsoft rotates them) has it stored.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.mail.models import Mailbox

Provider = Mailbox.Provider
TIMEOUT_S = 30
EARLY = dt.timedelta(minutes=10)  # refreshed this long before it expires
DEFAULT_LIFETIME = dt.timedelta(hours=1)  # an answer that gives no usable ``expires_in``
# A longer one is taken as this: refreshing early is harmless, a huge timedelta overflows.
MAX_LIFETIME = dt.timedelta(days=1)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class ProviderSettings:
    token_url: str
    scope: str
    host: str
    authorize_url: str  # where an administrator gives consent (``consent``)
    consent_scope: str  # asked for there when the mailbox names no scope


PROVIDERS: dict[str, ProviderSettings] = {
    # learn.microsoft.com: "Authenticate an IMAP, POP or SMTP connection using OAuth"
    Provider.MICROSOFT: ProviderSettings(
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        "outlook.office365.com",
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
    ),
    # yandex.ru/support/mail-business: "OAuth-авторизация в Яндекс Почте" (right mail:imap_full)
    # The rights are the app's (chosen when it is registered), so the consent names none.
    Provider.YANDEX: ProviderSettings(
        "https://oauth.yandex.ru/token",
        "",
        "imap.yandex.ru",
        "https://oauth.yandex.ru/authorize",
        "",
    ),
    # help.mail.ru/developers/oauth: scope "userinfo mail.imap", granted at the consent
    Provider.MAILRU: ProviderSettings(
        "https://oauth.mail.ru/token",
        "",
        "imap.mail.ru",
        "https://oauth.mail.ru/login",
        "userinfo mail.imap",
    ),
}


class OAuth2Error(Exception):
    """The provider refused or could not be reached; the message says which."""


def access_token(mailbox: Mailbox) -> str:
    """A valid access token of the mailbox, refreshed first when it is missing or expiring."""
    if not mailbox.oauth2_access_token or _expiring(mailbox, timezone.now()):
        refresh(mailbox)
    return mailbox.oauth2_access_token


def _expiring(mailbox: Mailbox, now: dt.datetime) -> bool:
    return mailbox.oauth2_expires_at is None or mailbox.oauth2_expires_at - EARLY <= now


def lifetime(answer: dict[str, object]) -> dt.timedelta:
    """How long the access token of a token answer lives: its ``expires_in`` (RFC 6749, 5.1:
    seconds, only recommended), taken leniently. A number or a numeric string ("3600",
    "3600.0"); anything else, or none, is ``DEFAULT_LIFETIME``; more than ``MAX_LIFETIME`` is
    that."""
    value = answer.get("expires_in")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return DEFAULT_LIFETIME
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float: huge, as "1e400" (inf) is
        return MAX_LIFETIME
    except ValueError:
        return DEFAULT_LIFETIME
    if math.isnan(seconds) or seconds <= 0:
        return DEFAULT_LIFETIME
    return dt.timedelta(seconds=min(seconds, MAX_LIFETIME.total_seconds()))


def fields_of(answer: dict[str, object]) -> str:
    """The names of an answer's fields, for an error: never their values, which are tokens."""
    names = sorted(CONTROL.sub("", str(key))[:40] for key in answer)
    return ", ".join(names[:20]) or "—"


def refresh(mailbox: Mailbox) -> None:
    """Get a new access token with the refresh token and store it, and the refresh token the
    provider rotated, if it did; ``OAuth2Error`` if not."""
    if not mailbox.oauth2_refresh_token:
        raise OAuth2Error(_("Not connected yet: use “Connect” on the mailbox's page."))
    form = {
        "grant_type": "refresh_token",
        "refresh_token": mailbox.oauth2_refresh_token,
        "client_id": mailbox.oauth2_client_id,
        "client_secret": mailbox.oauth2_client_secret,
    }
    if mailbox.oauth2_scope:
        form["scope"] = mailbox.oauth2_scope
    answer = post_form(mailbox.oauth2_token_url, form)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise OAuth2Error(
            _("The token endpoint's answer has no access token (its fields: %(fields)s).")
            % {"fields": fields_of(answer)}
        )
    mailbox.oauth2_access_token = token
    mailbox.oauth2_expires_at = timezone.now() + lifetime(answer)
    fields = ["oauth2_access_token", "oauth2_expires_at"]
    rotated = answer.get("refresh_token")
    if isinstance(rotated, str) and rotated:
        mailbox.oauth2_refresh_token = rotated
        fields.append("oauth2_refresh_token")
    mailbox.save(update_fields=fields)


def post_form(url: str, form: dict[str, str]) -> dict[str, object]:
    # Secrets go over TLS, or to this machine (a local token proxy).
    if not url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
        raise OAuth2Error(_("The token URL must be https: %(url)s") % {"url": url})
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            # (urllib's answers have a status; another opener's may not)
            status, body = getattr(response, "status", "?"), response.read()
    except urllib.error.HTTPError as exc:  # RFC 6749, 5.2: the error in a JSON body
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise OAuth2Error(
            _("The token endpoint refused (%(status)s): %(detail)s")
            % {"status": exc.code, "detail": detail}
        ) from exc
    except (OSError, ValueError) as exc:
        raise OAuth2Error(
            _("The token endpoint could not be reached: %(error)s") % {"error": exc}
        ) from exc
    try:
        answer = json.loads(body)
    except ValueError as exc:  # a proxy's or a maintenance page, say: no token in it
        start = CONTROL.sub(" ", body[:200].decode("utf-8", "replace")).strip()
        raise OAuth2Error(
            _(
                "The token endpoint answered with something that is not JSON "
                "(HTTP %(status)s): %(start)s"
            )
            % {"status": status, "start": start}
        ) from exc
    if not isinstance(answer, dict):
        raise OAuth2Error(_("The token endpoint's answer is not a JSON object."))
    return answer


def refresh_each(boxes: QuerySet[Mailbox]) -> Iterator[tuple[str, str]]:
    """Refresh the token of each mailbox in turn: (name, the error or ""). A mailbox is read
    only when its turn comes (as ``imap.poll_each``): one whose secrets no configured key
    opens fails alone, and each error is kept in the mailbox's *last error*."""
    for pk, name in boxes.order_by("pk").values_list("pk", "name"):
        try:
            mailbox = Mailbox.objects.filter(pk=pk).first()  # decrypts its secrets
            if mailbox is None:
                continue  # deleted meanwhile
            refresh(mailbox)
        except (OAuth2Error, ImproperlyConfigured) as exc:
            Mailbox.objects.filter(pk=pk).update(last_error=f"OAuth2: {exc}"[:2000])
            yield name, str(exc)
        else:
            yield name, ""


def refresh_due() -> dict[str, str]:
    """Refresh every connected, active OAuth2 mailbox's token that expires soon; the errors by
    name. A mailbox not connected yet has no refresh token to use and is left alone (its poll
    says so)."""
    soon = timezone.now() + EARLY
    due = (
        Mailbox.objects.filter(is_active=True, auth=Mailbox.Auth.OAUTH2)
        .exclude(oauth2_refresh_token="")  # the empty value is stored as it is, not encrypted
        .exclude(oauth2_expires_at__gt=soon)
    )
    return {name: error for name, error in refresh_each(due) if error}
