"""Mailbox passwords and OAuth2 secrets are encrypted at rest (mail/crypto.py): the columns
hold Fernet tokens, never the plain text; the keys rotate; the migration encrypts what was
stored before and decrypts it when reversed; IMAP with a password and with XOAUTH2 (a real
Dovecot and a local authorization server) still signs in."""

from __future__ import annotations

import io
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from secondline.mail import crypto, imap, secrets
from secondline.mail.models import Mailbox
from tests.mail.test_imap import mailbox_for
from tests.mail.test_intake import plain
from tests.mail.test_oauth2 import oauth2_mailbox, servers  # noqa: F401  (a fixture)

SECRETS = {
    "password": "pässword-1С",
    "oauth2_client_secret": "client-secret-42",
    "oauth2_refresh_token": "refresh-token-" + "r" * 300,
    "oauth2_access_token": "access-token-" + "a" * 1500,
}


def stored(pk: int) -> dict[str, str]:
    """The columns as the database holds them."""
    names = secrets.SECRET_FIELDS
    row = Mailbox.objects.filter(pk=pk).values_list(*(crypto.raw(n) for n in names)).get()
    return dict(zip(names, row, strict=True))


def a_mailbox(**values: Any) -> Mailbox:
    return Mailbox.objects.create(
        **{"name": "support", "host": "127.0.0.1", "username": "u", **values}
    )


def assert_encrypted(raw: dict[str, str], plain_values: dict[str, str]) -> None:
    for name, value in plain_values.items():
        assert raw[name].startswith(crypto.PREFIX), name
        assert value not in raw[name] and value[:8] not in raw[name], name


@pytest.mark.django_db
def test_the_columns_hold_no_plaintext(settings: Any) -> None:
    box = a_mailbox(**SECRETS)
    assert_encrypted(stored(box.pk), SECRETS)
    again = Mailbox.objects.get(pk=box.pk)
    assert {name: getattr(again, name) for name in SECRETS} == SECRETS
    # an update by query, as the token refresh does, is encrypted too
    Mailbox.objects.filter(pk=box.pk).update(oauth2_access_token="fresh-token")
    assert_encrypted(stored(box.pk), {"oauth2_access_token": "fresh-token"})
    assert Mailbox.objects.values_list("oauth2_access_token", flat=True).get() == "fresh-token"
    # each encryption differs: the same password twice is two different tokens
    other = a_mailbox(name="other", password=SECRETS["password"])
    assert stored(other.pk)["password"] != stored(box.pk)["password"]
    # no secret, nothing to hide: an empty one stays empty
    empty = a_mailbox(name="empty")
    assert set(stored(empty.pk).values()) == {""}


@pytest.mark.django_db
def test_keys_rotate_and_a_dropped_key_is_said_plainly(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MAIL_ENCRYPTION_KEYS = [old]
    box = a_mailbox(**SECRETS)
    settings.MAIL_ENCRYPTION_KEYS = [new, old]  # the new key first, the old one still read
    assert Mailbox.objects.get(pk=box.pk).password == SECRETS["password"]
    assert secrets.rekey() == 1
    assert secrets.rekey() == 0  # all under the new key now
    settings.MAIL_ENCRYPTION_KEYS = [new]
    assert Mailbox.objects.get(pk=box.pk).oauth2_refresh_token == SECRETS["oauth2_refresh_token"]
    settings.MAIL_ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.UndecryptableSecret, match="MAIL_ENCRYPTION_KEYS"):
        Mailbox.objects.get(pk=box.pk)
    settings.MAIL_ENCRYPTION_KEYS = ["not a key"]
    with pytest.raises(crypto.ImproperlyConfigured, match="not a Fernet key"):
        a_mailbox(name="broken", password="x")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("keys", "said"), [(["not a key"], "not a Fernet key"), ([None], "cannot be decrypted")]
)
def test_rekey_with_keys_that_open_nothing_is_a_message(
    settings: Any, keys: list[str | None], said: str
) -> None:
    settings.MAIL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    a_mailbox(**SECRETS)
    settings.MAIL_ENCRYPTION_KEYS = [key or Fernet.generate_key().decode() for key in keys]
    with pytest.raises(CommandError, match=said):
        call_command("mail_rekey")


@pytest.mark.django_db
def test_a_mailbox_no_key_opens_fails_alone_and_the_others_are_polled(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MAIL_ENCRYPTION_KEYS = [old]
    a_mailbox(name="locked", password="x")
    settings.MAIL_ENCRYPTION_KEYS = [new]
    a_mailbox(name="open", password="y", port=1)  # nothing listens: a network error
    results = dict(imap.poll_each(Mailbox.objects.all()))
    assert "cannot be decrypted" in results["locked"].error
    assert "ConnectionRefusedError" in results["open"].error  # it was tried
    assert (
        "cannot be decrypted"
        in Mailbox.objects.values("last_error").get(name="locked")["last_error"]
    )


@pytest.mark.django_db
def test_without_keys_of_its_own_it_follows_secret_key_and_its_fallbacks(settings: Any) -> None:
    settings.MAIL_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "first-secret-key-" + "x" * 40
    box = a_mailbox(**SECRETS)
    settings.SECRET_KEY = "second-secret-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = ["first-secret-key-" + "x" * 40]
    assert Mailbox.objects.get(pk=box.pk).password == SECRETS["password"]
    out = io.StringIO()
    call_command("mail_rekey", stdout=out)
    assert out.getvalue() == "1 mailboxes encrypted again with the current key.\n"
    settings.SECRET_KEY_FALLBACKS = []
    assert Mailbox.objects.get(pk=box.pk).password == SECRETS["password"]


BEFORE = [("mail", "0009_mailbox_oauth2_authorize_url")]
AFTER = [("mail", "0010_mailbox_secrets_encrypted")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_encrypts_what_was_stored_and_decrypts_it_back() -> None:
    old = _migrate(BEFORE)
    OldMailbox = old.get_model("mail", "Mailbox")
    values = {**SECRETS, "password": "plain-password"}
    box = OldMailbox.objects.create(name="legacy", host="127.0.0.1", username="u", **values)
    OldMailbox.objects.create(name="no secrets", host="127.0.0.1", username="u")
    try:
        NewMailbox = _migrate(AFTER).get_model("mail", "Mailbox")  # the model as of AFTER
        assert_encrypted(stored(box.pk), values)
        assert {n: getattr(NewMailbox.objects.get(pk=box.pk), n) for n in values} == values
        _migrate(BEFORE)
        back = OldMailbox.objects.values(*values).get(pk=box.pk)
        assert back == values
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_imap_still_signs_in_with_a_stored_password(dovecot: Any, personas: Any) -> None:
    dovecot.deliver(plain(personas.member.email))
    box = mailbox_for(dovecot)
    assert stored(box.pk)["password"].startswith(crypto.PREFIX)
    result = imap.poll(Mailbox.objects.get(pk=box.pk))
    assert (result.error, result.fetched) == ("", 1)


@pytest.mark.django_db
def test_xoauth2_still_signs_in_and_the_refreshed_token_is_stored_encrypted(
    servers: Any,  # noqa: F811
    member: Any,
) -> None:
    dovecot, authorization = servers
    dovecot.deliver(plain(member.email))
    box = oauth2_mailbox(dovecot, authorization)
    result = imap.poll(Mailbox.objects.get(pk=box.pk))
    assert (result.error, result.fetched) == ("", 1)
    raw = stored(box.pk)
    box.refresh_from_db()
    assert box.oauth2_access_token in authorization.access_tokens
    assert_encrypted(
        raw,
        {
            "oauth2_access_token": box.oauth2_access_token,
            "oauth2_refresh_token": box.oauth2_refresh_token,
            "oauth2_client_secret": box.oauth2_client_secret,
        },
    )
