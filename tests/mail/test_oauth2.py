"""OAuth2 mailboxes: a real Dovecot whose oauth2 passdb asks a real (local) authorization
server about every token (RFC 7662); the worker refreshes tokens with the refresh_token grant
(RFC 6749) before they expire, and the poll when it finds none valid."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from secondline.mail import imap, oauth2
from secondline.mail.admin import MailboxForm
from secondline.mail.models import InboundMessage, Mailbox
from secondline.mail.tasks import refresh_oauth2_tokens
from tests.mail.conftest import Dovecot, running_dovecot
from tests.mail.oauth2_server import OAuth2Server, running_oauth2_server
from tests.mail.test_intake import plain

Status = InboundMessage.Status
pytestmark = pytest.mark.django_db

PASSDB = """
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {args}
}}
"""
INTROSPECTION = """introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""


@pytest.fixture
def servers() -> Iterator[tuple[Dovecot, OAuth2Server]]:
    folder = Path(tempfile.mkdtemp(prefix="secondline-oauth2-"))
    folder.chmod(0o755)
    try:
        with running_oauth2_server() as authorization:
            args = folder / "dovecot-oauth2.conf.ext"
            args.write_text(INTROSPECTION.format(url=authorization.introspection_url))
            args.chmod(0o644)
            with running_dovecot(PASSDB.format(args=args)) as dovecot:
                yield dovecot, authorization
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def oauth2_mailbox(dovecot: Dovecot, authorization: OAuth2Server, **overrides) -> Mailbox:
    values = {
        "name": "m365",
        "host": "127.0.0.1",
        "port": dovecot.port,
        "security": Mailbox.Security.NONE,
        "username": dovecot.user,
        "password": "",
        "auth": Mailbox.Auth.OAUTH2,
        "oauth2_provider": Mailbox.Provider.OTHER,
        "oauth2_token_url": authorization.token_url,
        "oauth2_client_id": authorization.client_id,
        "oauth2_client_secret": authorization.client_secret,
        "oauth2_refresh_token": authorization.refresh_token,
    }
    values.update(overrides)
    return Mailbox.objects.create(**values)


def test_it_polls_a_mailbox_signed_in_with_xoauth2(servers, member) -> None:
    dovecot, authorization = servers
    dovecot.deliver(plain(member.email))
    box = oauth2_mailbox(dovecot, authorization)
    result = imap.poll(box)
    assert (result.error, result.fetched) == ("", 1)
    assert InboundMessage.objects.get().status == Status.TICKET
    assert authorization.refreshes == 1  # no token yet: got one first
    assert imap.poll(box).error == ""
    assert authorization.refreshes == 1  # still valid: used again


def test_an_expired_token_is_refreshed_before_signing_in(servers, member) -> None:
    dovecot, authorization = servers
    box = oauth2_mailbox(dovecot, authorization)
    assert imap.poll(box).error == ""
    authorization.revoke_all()  # the provider let it expire
    box.refresh_from_db()
    box.oauth2_expires_at = timezone.now() - dt.timedelta(seconds=1)
    box.save()
    dovecot.deliver(plain(member.email))
    assert imap.poll(box).fetched == 1
    assert authorization.refreshes == 2


def test_a_token_the_server_does_not_know_is_refused(servers) -> None:
    dovecot, authorization = servers
    box = oauth2_mailbox(dovecot, authorization)
    box.oauth2_access_token = "forged"
    box.oauth2_expires_at = timezone.now() + dt.timedelta(hours=1)
    box.save()
    result = imap.poll(box)
    assert result.error and result.fetched == 0


def test_the_worker_refreshes_tokens_before_they_expire(servers) -> None:
    dovecot, authorization = servers
    soon = oauth2_mailbox(dovecot, authorization, name="soon")
    later = oauth2_mailbox(dovecot, authorization, name="later")
    now = timezone.now()
    Mailbox.objects.filter(pk=soon.pk).update(
        oauth2_access_token="old", oauth2_expires_at=now + dt.timedelta(minutes=5)
    )
    Mailbox.objects.filter(pk=later.pk).update(
        oauth2_access_token="fine", oauth2_expires_at=now + dt.timedelta(hours=1)
    )
    assert refresh_oauth2_tokens() == {}
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.oauth2_access_token in authorization.access_tokens
    assert soon.oauth2_expires_at > now + dt.timedelta(minutes=50)
    assert later.oauth2_access_token == "fine"
    assert authorization.refreshes == 1


def test_a_refused_refresh_is_reported_on_the_mailbox(servers) -> None:
    dovecot, authorization = servers
    box = oauth2_mailbox(dovecot, authorization, oauth2_refresh_token="revoked")
    assert "invalid_grant" in refresh_oauth2_tokens()["m365"]
    box.refresh_from_db()
    assert "invalid_grant" in box.last_error
    result = imap.poll(box)
    assert "invalid_grant" in result.error and result.fetched == 0


def test_a_rotated_refresh_token_is_kept(servers) -> None:
    dovecot, authorization = servers
    box = oauth2_mailbox(dovecot, authorization)
    original = authorization.token

    def rotating(form):
        status, answer = original(form)
        authorization.refresh_token = "refresh-2"
        return status, {**answer, "refresh_token": "refresh-2"}

    authorization.token = rotating  # type: ignore[method-assign]
    oauth2.refresh(box)
    box.refresh_from_db()
    assert box.oauth2_refresh_token == "refresh-2"


def form_data(**values: str) -> dict[str, str]:
    data = {
        "name": "yandex",
        "host": "imap.yandex.ru",
        "port": "993",
        "security": Mailbox.Security.TLS,
        "username": "support@example.ru",
        "auth": Mailbox.Auth.OAUTH2,
        "oauth2_provider": Mailbox.Provider.YANDEX,
        "oauth2_client_id": "app",
        "oauth2_refresh_token": "1.refresh",
        "folder": "INBOX",
        "default_ticket_type": "consultation",
        "processed_action": Mailbox.ProcessedAction.SEEN,
        "processed_folder": "Processed",
        "is_active": "on",
    }
    data.update(values)
    return data


def test_the_admin_fills_in_a_known_providers_token_url(db) -> None:
    form = MailboxForm(data=form_data())
    assert form.is_valid(), form.errors
    box = form.save()
    assert box.oauth2_token_url == "https://oauth.yandex.ru/token"
    microsoft = MailboxForm(data=form_data(name="m", oauth2_provider=Mailbox.Provider.MICROSOFT))
    assert microsoft.is_valid()
    assert "IMAP.AccessAsUser.All" in microsoft.save().oauth2_scope


def test_the_admin_asks_for_what_oauth2_needs(db) -> None:
    form = MailboxForm(
        data=form_data(oauth2_refresh_token="", oauth2_provider=Mailbox.Provider.OTHER)
    )
    assert not form.is_valid()
    assert set(form.errors) == {"oauth2_authorize_url", "oauth2_token_url"}
