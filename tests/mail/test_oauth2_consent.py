"""Connecting an OAuth2 mailbox from the back office: "Connect" sends the administrator to the
provider's authorize endpoint (state and PKCE), the callback exchanges the code for tokens and
stores the refresh token, never shown again; every failure is said on the mailbox's page. The
provider is a real HTTP server on 127.0.0.1 (``oauth2_server``)."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from secondline.mail import consent, oauth2
from secondline.mail.admin import MailboxForm
from secondline.mail.models import Mailbox
from secondline.mail.oauth2 import OAuth2Error
from tests.mail.oauth2_server import OAuth2Server, running_oauth2_server
from tests.mail.test_oauth2 import form_data

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/admin/mail/mailbox/oauth2/callback/"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def provider() -> Iterator[OAuth2Server]:
    with running_oauth2_server() as server:
        server.redirect_uris = {CALLBACK}
        yield server


@pytest.fixture
def mailbox(provider: OAuth2Server) -> Mailbox:
    return Mailbox.objects.create(
        name="support",
        host="127.0.0.1",
        username="support",
        auth=Mailbox.Auth.OAUTH2,
        oauth2_provider=Mailbox.Provider.OTHER,
        oauth2_authorize_url=provider.authorize_url,
        oauth2_token_url=provider.token_url,
        oauth2_client_id=provider.client_id,
        oauth2_client_secret=provider.client_secret,
    )


def consent_at_provider(url: str) -> str:
    """What the browser does at the provider: where it is sent back to."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302, exc.read()
        return exc.headers["Location"]
    raise AssertionError("the provider did not redirect")


def connect(client: Client, mailbox: Mailbox) -> str:
    """Press "Connect": the provider's URL it goes to."""
    response = client.get(reverse("admin:mail_mailbox_oauth2_connect", args=[mailbox.pk]))
    assert response.status_code == 302
    return response["Location"]


def come_back(client: Client, location: str) -> str:
    """The callback, followed to the page it ends on: that page's text."""
    assert location.startswith(CALLBACK)
    response = client.get(location.removeprefix("http://testserver"), follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_connect_gets_a_refresh_token_the_worker_then_uses(admin_client, provider, mailbox):
    page = admin_client.get(reverse("admin:mail_mailbox_change", args=[mailbox.pk])).content
    assert b"Connect with the OAuth2 provider" in page and CALLBACK.encode() in page
    to_provider = connect(admin_client, mailbox)
    query = parse_qs(urlsplit(to_provider).query)
    assert to_provider.startswith(provider.authorize_url)
    assert query["code_challenge_method"] == ["S256"] and query["redirect_uri"] == [CALLBACK]
    assert provider.client_secret not in to_provider  # the secret only goes to the token URL
    text = come_back(admin_client, consent_at_provider(to_provider))
    assert "upport is connected: the refresh token is stored" in text
    mailbox.refresh_from_db()
    assert mailbox.oauth2_refresh_token == provider.refresh_token
    assert mailbox.oauth2_access_token in provider.access_tokens
    assert mailbox.oauth2_refresh_token not in text  # never shown
    assert oauth2.access_token(mailbox) in provider.access_tokens
    oauth2.refresh(mailbox)  # the worker's refresh_token grant with what was stored
    assert provider.refreshes == 1


def test_a_new_consent_ends_the_wait_after_refused_sign_ins(admin_client, provider, mailbox):
    """A revoked token made the server refuse the sign-in and the worker wait; connecting again
    is the fix, so the next poll signs in at once."""
    from django.utils import timezone

    Mailbox.objects.filter(pk=mailbox.pk).update(
        login_failures=3, next_login_at=timezone.now() + dt.timedelta(minutes=8)
    )
    come_back(admin_client, consent_at_provider(connect(admin_client, mailbox)))
    mailbox.refresh_from_db()
    assert (mailbox.login_failures, mailbox.next_login_at) == (0, None)


def test_a_refused_consent_is_said_and_changes_nothing(admin_client, provider, mailbox):
    provider.consent = "access_denied"
    text = come_back(admin_client, consent_at_provider(connect(admin_client, mailbox)))
    assert "Not connected" in text and "access_denied" in text
    mailbox.refresh_from_db()
    assert mailbox.oauth2_refresh_token == ""


def test_an_answer_to_a_flow_not_started_in_this_session_is_refused(
    admin_client, provider, mailbox, django_user_model
):
    location = consent_at_provider(connect(admin_client, mailbox))
    other = Client()
    other.force_login(django_user_model.objects.create_superuser("root2", "r2@x.example", "pw"))
    text = come_back(other, location)  # someone else's browser, or a forged link
    assert "belongs to no connection started here" in text
    assert len(provider.codes) == 1  # the code was not exchanged
    forged = come_back(admin_client, CALLBACK + "?code=x&state=forged")
    assert "belongs to no connection started here" in forged
    mailbox.refresh_from_db()
    assert mailbox.oauth2_refresh_token == ""


def test_a_code_is_exchanged_only_with_its_own_verifier(provider, mailbox):
    session: dict[str, object] = {}
    url = consent.start(session, mailbox, CALLBACK)
    state = parse_qs(urlsplit(url).query)["state"][0]
    stored = session[consent.SESSION_KEY]
    assert isinstance(stored, dict)
    stored[state]["verifier"] = "x" * 64  # not the one whose challenge the provider has
    back = parse_qs(urlsplit(consent_at_provider(url)).query)
    with pytest.raises(OAuth2Error, match="PKCE verification failed"):
        consent.finish(session, {key: values[0] for key, values in back.items()})
    with pytest.raises(OAuth2Error, match="belongs to no connection"):  # used once
        consent.finish(session, {key: values[0] for key, values in back.items()})


def test_a_provider_that_gives_no_refresh_token_is_an_error(admin_client, provider, mailbox):
    provider.give_refresh_token = False
    text = come_back(admin_client, consent_at_provider(connect(admin_client, mailbox)))
    assert "gave no refresh token" in text
    mailbox.refresh_from_db()
    assert mailbox.oauth2_refresh_token == ""


def test_the_known_providers_consent_pages(admin_client):
    expected = {
        Mailbox.Provider.MICROSOFT: (
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?",
            "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        ),
        Mailbox.Provider.YANDEX: ("https://oauth.yandex.ru/authorize?", None),
        Mailbox.Provider.MAILRU: ("https://oauth.mail.ru/login?", "userinfo mail.imap"),
    }
    for name, (authorize, scope) in expected.items():
        form = MailboxForm(data=form_data(name=name, oauth2_provider=name, oauth2_refresh_token=""))
        assert form.is_valid(), form.errors
        box = form.save()
        page = admin_client.get(reverse("admin:mail_mailbox_change", args=[box.pk])).content
        assert f"Connect with {box.get_oauth2_provider_display()}".encode() in page
        location = connect(admin_client, box)
        query = parse_qs(urlsplit(location).query)
        assert location.startswith(authorize), location
        assert query.get("scope", [None])[0] == scope
        assert query["client_id"] == ["app"] and query["code_challenge_method"] == ["S256"]
        assert len(query["state"][0]) >= 32 and len(query["code_challenge"][0]) == 43


def test_connect_without_a_client_id_says_what_is_missing(admin_client):
    box = Mailbox.objects.create(
        name="bare", host="h", username="u", auth=Mailbox.Auth.OAUTH2, oauth2_provider="yandex"
    )
    response = admin_client.get(
        reverse("admin:mail_mailbox_oauth2_connect", args=[box.pk]), follow=True
    )
    assert "client ID" in response.content.decode()
    with translation.override("ru"), pytest.raises(OAuth2Error, match="идентификатор"):
        consent.start({}, box, CALLBACK)


def test_the_stored_refresh_token_is_never_shown_and_kept_when_left_empty(admin_client, db):
    form = MailboxForm(data=form_data(oauth2_refresh_token="secret-refresh"))
    assert form.is_valid(), form.errors
    box = form.save()
    page = admin_client.get(reverse("admin:mail_mailbox_change", args=[box.pk])).content
    assert b"secret-refresh" not in page
    Mailbox.objects.filter(pk=box.pk).update(oauth2_access_token="still-valid")
    box.refresh_from_db()
    again = MailboxForm(data=form_data(oauth2_refresh_token=""), instance=box)
    assert again.is_valid(), again.errors
    saved = again.save()
    assert saved.oauth2_refresh_token == "secret-refresh"
    assert saved.oauth2_access_token == "still-valid"  # nothing changed: not got again


def test_a_mailbox_not_connected_yet_is_not_polled_with_an_empty_token(db):
    box = Mailbox.objects.create(
        name="new", host="h", username="u", auth=Mailbox.Auth.OAUTH2, oauth2_provider="yandex"
    )
    with pytest.raises(OAuth2Error, match="Not connected yet"):
        oauth2.access_token(box)


def test_staff_who_may_not_change_mailboxes_cannot_connect_one(client, mailbox, django_user_model):
    staff = django_user_model.objects.create_user("clerk", "clerk@x.example", "pw", is_staff=True)
    client.force_login(staff)
    connect_url = reverse("admin:mail_mailbox_oauth2_connect", args=[mailbox.pk])
    assert client.get(connect_url).status_code == 403
    assert client.get(CALLBACK + "?code=x&state=y").status_code == 403
