"""The mailboxes in the back office: secrets are write-only (never sent back in the page), a
mailbox whose secrets no configured key opens breaks neither the list, its page nor the
actions, and the form refuses a move without another folder and a port out of range."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from secondline.mail import crypto
from secondline.mail.admin import MailboxForm
from secondline.mail.models import Mailbox
from tests.mail.test_oauth2_robustness import break_secret

pytestmark = pytest.mark.django_db
LIST = reverse("admin:mail_mailbox_changelist")


def a_mailbox(**values: Any) -> Mailbox:
    return Mailbox.objects.create(
        **{"name": "support", "host": "127.0.0.1", "port": 1, "username": "u", **values}
    )


def form_data(**values: str) -> dict[str, str]:
    data = {
        "name": "support",
        "host": "imap.example",
        "port": "993",
        "security": Mailbox.Security.TLS,
        "username": "support",
        "auth": Mailbox.Auth.PASSWORD,
        "password": "",
        "folder": "INBOX",
        "default_ticket_type": "consultation",
        "processed_action": Mailbox.ProcessedAction.SEEN,
        "processed_folder": "Processed",
        "is_active": "on",
    }
    data.update(values)
    return data


def raw(box: Mailbox, name: str) -> str:
    return str(Mailbox.objects.values_list(crypto.raw(name), flat=True).get(pk=box.pk))


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_change_page_never_sends_the_secrets_back(admin_client) -> None:
    box = a_mailbox(password="Imap-Pa55-secret", oauth2_client_secret="client-Secret-77")
    page = admin_client.get(reverse("admin:mail_mailbox_change", args=[box.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Imap-Pa55-secret" not in html and "client-Secret-77" not in html
    assert html.count("left empty, the stored one is kept") == 3


def test_a_secret_left_empty_is_kept_and_a_typed_one_replaces_it(admin_client) -> None:
    box = a_mailbox(password="old-password", oauth2_client_secret="old-secret")
    url = reverse("admin:mail_mailbox_change", args=[box.pk])
    response = admin_client.post(url, form_data(host="imap.new.example"))
    assert response.status_code == 302
    box.refresh_from_db()
    assert (box.host, box.password, box.oauth2_client_secret) == (
        "imap.new.example",
        "old-password",
        "old-secret",
    )
    admin_client.post(url, form_data(password="new-password"))
    box.refresh_from_db()
    assert (box.password, box.oauth2_client_secret) == ("new-password", "old-secret")


def test_one_mailbox_no_key_opens_leaves_the_list_and_its_page_working(admin_client) -> None:
    old = a_mailbox(name="old-key", password="p")
    a_mailbox(name="fine", password="p")
    break_secret(old, "password")
    listing = admin_client.get(LIST)
    assert listing.status_code == 200
    assert b"old-key" in listing.content and b"fine" in listing.content
    url = reverse("admin:mail_mailbox_change", args=[old.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "password cannot be decrypted" in " ".join(messages_of(page))


def test_saving_the_page_of_a_mailbox_no_key_opens(admin_client) -> None:
    box = a_mailbox(password="p")
    break_secret(box, "password")
    url = reverse("admin:mail_mailbox_change", args=[box.pk])
    unreadable = raw(box, "password")
    assert admin_client.post(url, form_data(host="imap.new.example")).status_code == 302
    assert raw(box, "password") == unreadable  # not typed: left as stored, for the old key
    assert admin_client.post(url, form_data(password="typed-again")).status_code == 302
    assert Mailbox.objects.get(pk=box.pk).password == "typed-again"
    assert "cannot be decrypted" not in " ".join(messages_of(admin_client.get(url)))


def test_the_actions_report_a_mailbox_no_key_opens(admin_client) -> None:
    box = a_mailbox(name="old-key", password="p", auth=Mailbox.Auth.OAUTH2)
    break_secret(box, "password")
    for action in ("poll_now", "refresh_oauth2_token"):
        response = admin_client.post(
            LIST, {"action": action, "_selected_action": [box.pk]}, follow=True
        )
        assert response.status_code == 200
        assert "cannot be decrypted" in " ".join(messages_of(response)), action


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"processed_action": "move", "processed_folder": ""}, "Give the folder"),
        ({"processed_action": "move", "processed_folder": " "}, "Give the folder"),
        ({"processed_action": "move", "processed_folder": "INBOX"}, "another folder"),
        ({"processed_action": "move", "processed_folder": "inbox"}, "another folder"),
        ({"processed_action": "move", "processed_folder": "Done", "folder": "done"}, "another"),
        ({"processed_action": "seen", "processed_folder": ""}, None),  # not moved: not needed
        ({"processed_action": "move", "processed_folder": "Processed"}, None),
    ],
)
def test_moving_needs_another_folder(values, error) -> None:
    form = MailboxForm(data=form_data(**values))
    if error is None:
        assert form.is_valid(), form.errors
    else:
        assert error in str(form.errors.get("processed_folder")), form.errors


@pytest.mark.parametrize(
    ("port", "valid"),
    [("0", False), ("70000", False), ("65536", False), ("1", True), ("143", True), ("65535", True)],
)
def test_the_port_is_one_to_65535(port, valid) -> None:
    form = MailboxForm(data=form_data(port=port))
    assert form.is_valid() is valid, form.errors
    if not valid:
        assert form.errors["port"] == ["A port is a number from 1 to 65535."]


def test_a_bad_port_is_the_form_again_in_the_back_office(admin_client) -> None:
    response = admin_client.post(reverse("admin:mail_mailbox_add"), form_data(port="0"))
    assert response.status_code == 200 and not Mailbox.objects.exists()
