"""Connecting an OAuth2 mailbox: the authorization-code grant with PKCE (RFC 6749, section 4.1;
RFC 7636, method S256), started by an administrator from the mailbox's page in the back office.

``start`` makes the provider's authorize URL with a random ``state`` and a PKCE verifier, both
kept in the administrator's session only (never in the URL but as the hash); ``finish`` checks
the returned ``state`` against that session, then exchanges the code and the verifier at the
token endpoint. The refresh token it answers with is stored on the mailbox, which the worker
keeps using (``oauth2.refresh``); a provider that gives none is an error, since the mailbox
could not be polled an hour later.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.mail.models import Mailbox
from secondline.mail.oauth2 import PROVIDERS, OAuth2Error, lifetime, post_form

SESSION_KEY = "mail_oauth2_consent"
PENDING_LIMIT = 5  # flows started in one session and not finished: the oldest is forgotten
MAX_AGE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Consent:
    """What the callback needs, kept in the session under its ``state``."""

    mailbox_id: int
    verifier: str
    redirect_uri: str
    started: float  # a timestamp


def authorize_url(mailbox: Mailbox) -> str:
    """The mailbox's authorize endpoint: its own, or the known provider's."""
    known = PROVIDERS.get(mailbox.oauth2_provider)
    return mailbox.oauth2_authorize_url or (known.authorize_url if known else "")


def consent_scope(mailbox: Mailbox) -> str:
    """The scope asked for at the consent: the mailbox's, or the provider's documented one."""
    known = PROVIDERS.get(mailbox.oauth2_provider)
    return mailbox.oauth2_scope or (known.consent_scope if known else "")


def challenge(verifier: str) -> str:
    """RFC 7636, 4.2: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(session: Any, mailbox: Mailbox, redirect_uri: str) -> str:
    """Remember a new flow in ``session`` and return the URL to send the browser to;
    ``OAuth2Error`` when the mailbox lacks what the provider needs."""
    url = authorize_url(mailbox)
    if not mailbox.oauth2_client_id or not url:
        raise OAuth2Error(
            _("Give the mailbox's OAuth2 provider (or authorize URL) and client ID, and save it.")
        )
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    pending = _pending(session)
    pending[state] = Consent(mailbox.pk, verifier, redirect_uri, timezone.now().timestamp())
    session[SESSION_KEY] = {
        key: consent.__dict__ for key, consent in list(pending.items())[-PENDING_LIMIT:]
    }
    query = {
        "response_type": "code",
        "client_id": mailbox.oauth2_client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
    }
    if scope := consent_scope(mailbox):
        query["scope"] = scope
    if mailbox.oauth2_provider == Mailbox.Provider.MICROSOFT:
        query["login_hint"] = mailbox.username  # the account the mailbox signs in as
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + separator + urllib.parse.urlencode(query)


def _pending(session: Any) -> dict[str, Consent]:
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    pending: dict[str, Consent] = {}
    for state, values in stored.items():
        try:
            pending[state] = Consent(**values)
        except TypeError:
            continue
    return pending


def pending_mailbox(session: Any, state: str) -> int | None:
    """The mailbox a flow in this session was started for, to show an error on its page."""
    consent = _pending(session).get(state)
    return consent.mailbox_id if consent else None


def finish(session: Any, query: dict[str, str]) -> Mailbox:
    """Check the provider's redirect and exchange its code; the connected mailbox, or
    ``OAuth2Error`` with what went wrong (refused consent, unknown state, refused code)."""
    pending = _pending(session)
    consent = pending.pop(query.get("state", ""), None)
    session[SESSION_KEY] = {key: value.__dict__ for key, value in pending.items()}
    if consent is None:
        raise OAuth2Error(
            _("This answer from the provider belongs to no connection started here: start again.")
        )
    if timezone.now().timestamp() - consent.started > MAX_AGE.total_seconds():
        raise OAuth2Error(_("The connection took too long: start again."))
    if query.get("error"):  # RFC 6749, 4.1.2.1
        raise OAuth2Error(
            _("The provider refused: %(error)s %(description)s")
            % {
                "error": query["error"][:100],
                "description": query.get("error_description", "")[:300],
            }
        )
    mailbox = Mailbox.objects.filter(pk=consent.mailbox_id).first()
    if mailbox is None:
        raise OAuth2Error(_("The mailbox was deleted meanwhile."))
    if not query.get("code"):
        raise OAuth2Error(_("The provider's answer has no authorization code."))
    _exchange(mailbox, query["code"], consent)
    return mailbox


def _exchange(mailbox: Mailbox, code: str, consent: Consent) -> None:
    """RFC 6749, 4.1.3 with the PKCE verifier (RFC 7636, 4.5); the tokens stored."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": consent.redirect_uri,
        "client_id": mailbox.oauth2_client_id,
        "code_verifier": consent.verifier,
    }
    if mailbox.oauth2_client_secret:
        form["client_secret"] = mailbox.oauth2_client_secret
    known = PROVIDERS.get(mailbox.oauth2_provider)
    answer = post_form(mailbox.oauth2_token_url or (known.token_url if known else ""), form)
    access, refresh = answer.get("access_token"), answer.get("refresh_token")
    if not isinstance(access, str) or not access:
        raise OAuth2Error(_("The provider's answer has no access token."))
    if not isinstance(refresh, str) or not refresh:
        raise OAuth2Error(
            _(
                "The provider gave no refresh token: allow offline access for the app "
                "and start again."
            )
        )
    mailbox.auth = Mailbox.Auth.OAUTH2
    mailbox.oauth2_refresh_token = refresh
    mailbox.oauth2_access_token = access
    mailbox.oauth2_expires_at = timezone.now() + lifetime(answer)
    mailbox.last_error = ""
    mailbox.login_failures, mailbox.next_login_at = 0, None  # a new consent: sign in at once
    mailbox.save(
        update_fields=[
            "auth",
            "oauth2_refresh_token",
            "oauth2_access_token",
            "oauth2_expires_at",
            "last_error",
            "login_failures",
            "next_login_at",
        ]
    )
