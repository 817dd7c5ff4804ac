"""Alert webhooks go to public addresses only, unless an administrator allows a host."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
from typing import Any

import pytest
from django.test import Client

from secondline.accounts.models import User
from secondline.releases import public_address
from secondline.releases.models import AlertWebhook

SECRET = "gateway-secret-0123456789"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),  # loopback
        ("10.1.2.3", False),  # private, RFC 1918
        ("172.16.0.1", False),  # private, RFC 1918
        ("192.168.1.1", False),  # private, RFC 1918
        ("169.254.169.254", False),  # link-local: the cloud metadata service
        ("100.100.100.200", False),  # shared address space, RFC 6598 (a cloud's metadata)
        ("224.0.0.1", False),  # multicast
        ("240.0.0.1", False),  # reserved
        ("0.0.0.0", False),  # unspecified
        ("::1", False),  # IPv6 loopback
        ("fe80::1", False),  # IPv6 link-local
        ("fc00::1", False),  # IPv6 unique local (private)
        ("ff02::1", False),  # IPv6 multicast
        ("::", False),  # IPv6 unspecified
        ("::ffff:127.0.0.1", False),  # IPv4 loopback mapped into IPv6
        ("::ffff:10.0.0.1", False),  # IPv4 private mapped into IPv6
        ("93.184.215.14", True),  # a public IPv4 address
        ("2606:4700:4700::1111", True),  # a public IPv6 address
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert public_address.is_public(ipaddress.ip_address(address)) is public


def _resolving(monkeypatch: Any, address: str) -> None:
    """Make sms.example.net resolve to ``address`` (the tests run without DNS)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "sms.example.net":
            return real(host, port, *args, **kwargs)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(public_address.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "https://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_the_api_refuses_a_webhook_to_a_private_address_per_field(
    api_as: Any, manager: User, url: str
) -> None:
    hook = {"name": "SMS", "url": url, "secret": SECRET}
    refused = api_as(manager).post("/api/releases/webhooks/", hook, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["url"]
    assert "ALERT_WEBHOOK_ALLOWED_HOSTS" in refused.json()["url"][0]
    assert not AlertWebhook.objects.exists()


def test_a_host_that_resolves_to_a_private_address_is_refused(
    api_as: Any, manager: User, monkeypatch: Any
) -> None:
    _resolving(monkeypatch, "192.168.0.10")
    hook = {"name": "SMS", "url": "https://sms.example.net/hook", "secret": SECRET}
    refused = api_as(manager).post("/api/releases/webhooks/", hook, format="json")
    assert refused.status_code == 400
    assert "192.168.0.10" in refused.json()["url"][0]


def test_a_public_host_is_accepted_and_an_edit_is_checked_again(
    api_as: Any, manager: User, monkeypatch: Any
) -> None:
    _resolving(monkeypatch, "93.184.215.14")
    hook = {"name": "SMS", "url": "https://sms.example.net/hook", "secret": SECRET}
    created = api_as(manager).post("/api/releases/webhooks/", hook, format="json")
    assert created.status_code == 201, created.json()
    moved = api_as(manager).patch(
        f"/api/releases/webhooks/{created.json()['id']}/",
        {"url": "http://127.0.0.1/hook"},
        format="json",
    )
    assert moved.status_code == 400 and list(moved.json()) == ["url"]
    assert AlertWebhook.objects.get().url == "https://sms.example.net/hook"


def test_an_unresolvable_host_is_refused(api_as: Any, manager: User, monkeypatch: Any) -> None:
    def getaddrinfo(*args: Any, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(public_address.socket, "getaddrinfo", getaddrinfo)
    hook = {"name": "SMS", "url": "https://no-such-gateway.invalid/", "secret": SECRET}
    refused = api_as(manager).post("/api/releases/webhooks/", hook, format="json")
    assert refused.status_code == 400
    assert "cannot be resolved" in refused.json()["url"][0]


def test_a_host_the_administrator_allows_is_accepted(
    api_as: Any, manager: User, settings: Any
) -> None:
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["sms-gateway.lan", "10.0.0.5"]
    for url in ("http://SMS-Gateway.lan:8080/hook", "https://10.0.0.5/hook"):
        hook = {"name": "SMS", "url": url, "secret": SECRET}
        assert (
            api_as(manager).post("/api/releases/webhooks/", hook, format="json").status_code == 201
        )
    other = {"name": "SMS", "url": "https://10.0.0.6/hook", "secret": SECRET}
    assert api_as(manager).post("/api/releases/webhooks/", other, format="json").status_code == 400


def back_office(manager: User) -> Client:
    """A client signed in to the back office as a superuser."""
    User.objects.filter(pk=manager.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(manager)
    return client


def test_the_back_office_refuses_a_private_address_with_a_form_error(manager: User) -> None:
    client = back_office(manager)
    form = {"name": "SMS", "url": "http://127.0.0.1:8000/hook", "secret": SECRET, "is_active": "on"}
    refused = client.post("/admin/releases/alertwebhook/add/", form)
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert list(errors) == ["url"] and "ALERT_WEBHOOK_ALLOWED_HOSTS" in errors["url"][0]
    assert not AlertWebhook.objects.exists()
    ftp = client.post("/admin/releases/alertwebhook/add/", {**form, "url": "ftp://example.com/"})
    assert "url" in ftp.context["adminform"].form.errors


def test_the_back_office_takes_an_address_without_a_scheme_as_https(
    manager: User, monkeypatch: Any
) -> None:
    _resolving(monkeypatch, "93.184.215.14")
    form = {"name": "SMS", "url": "sms.example.net/hook", "secret": SECRET, "is_active": "on"}
    saved = back_office(manager).post("/admin/releases/alertwebhook/add/", form)
    assert saved.status_code == 302
    assert AlertWebhook.objects.get().url == "https://sms.example.net/hook"


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch: Any) -> None:
    """The guard sits in the connection itself: a name that resolves to loopback when the
    socket is opened is refused there, whatever it resolved to a moment before."""
    _resolving(monkeypatch, "127.0.0.1")
    with pytest.raises(urllib.error.URLError) as refused:
        public_address.opener().open("http://sms.example.net/hook", timeout=2)
    assert isinstance(refused.value.reason, public_address.RefusedAddress)
