"""The second factor: staff give a one-time code after the password (portal, back office, API);
customers are never asked. Codes are computed from the device's key, as an app would."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from secondline.accounts import second_factor
from tests.accounts.test_settings import PRODUCTION_ENVIRONMENT, _start

PASSWORD = "pw"  # tests.factories.UserFactory


def code_of(device: TOTPDevice, shift: int = 0) -> str:
    """The code an authenticator app shows now (``shift`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + shift * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user: Any) -> tuple[TOTPDevice, list[str]]:
    """An authenticator set up the way the setup page does it, and the backup codes."""
    device = second_factor.pending_authenticator(user)
    codes = second_factor.confirm_authenticator(device, code_of(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def sign_in(client: Any, username: str, path: str = "/login/") -> Any:
    return client.post(path, {"username": username, "password": PASSWORD})


@pytest.fixture
def required(settings: Any) -> None:
    settings.STAFF_REQUIRE_2FA = True


def test_it_sends_staff_to_set_up_an_authenticator_first(client: Any, agent: Any, required: Any):
    sign_in(client, agent.username)
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/?next=")
    page = client.get(response["Location"])
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert page.context["secret"] in page.content.decode()
    assert "otpauth://totp/" in page.content.decode() and "<svg" in page.content.decode()
    done = client.post("/account/two-factor/", {"code": code_of(device), "next": "/desk/"})
    assert len(done.context["codes"]) == second_factor.BACKUP_CODES
    assert client.get("/desk/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_it_refuses_a_wrong_code_at_setup(client: Any, agent: Any, required: Any) -> None:
    sign_in(client, agent.username)
    device = second_factor.pending_authenticator(agent)
    response = client.post("/account/two-factor/", {"code": code_of(device, shift=10)})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get("/desk/").status_code == 302
    assert not second_factor.has_second_factor(agent)


def test_it_asks_an_enrolled_agent_for_the_code_after_the_password(client: Any, agent: Any):
    device, _ = enrolled(agent)  # asked even with the setting off: they set one up
    sign_in(client, agent.username)
    response = client.get("/desk/")
    assert response["Location"] == "/account/two-factor/verify/?next=%2Fdesk%2F"
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        wrong = client.post(response["Location"], {"code": "000000"})
        assert wrong.context["form"].errors["code"]
        assert client.get("/desk/").status_code == 302
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=120)):
        right = client.post(response["Location"], {"code": code_of(device)})
    assert right["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


@pytest.mark.parametrize(
    ("given", "goes_to"),
    [
        ("/desk/?queue=all", "/desk/?queue=all"),
        ("abc", "/"),  # a view's name to redirect(), once a 500
        ("None", "/"),
        ("https://elsewhere.example/", "/"),
        ("//elsewhere.example/", "/"),
    ],
)
def test_after_the_code_it_goes_only_to_a_path_on_this_site(
    client: Any, agent: Any, given: str, goes_to: str
) -> None:
    device, _ = enrolled(agent)
    sign_in(client, agent.username)
    page = client.get("/account/two-factor/verify/", {"next": given})
    assert page.status_code == 200
    assert page.context["next"] == goes_to
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        done = client.post("/account/two-factor/verify/", {"code": code_of(device), "next": given})
    assert done["Location"] == goes_to
    again = client.get("/account/two-factor/verify/", {"next": given})  # nothing owed now
    assert again["Location"] == goes_to


def test_a_backup_code_works_once(client: Any, agent: Any) -> None:
    _, codes = enrolled(agent)
    sign_in(client, agent.username)
    assert client.post("/account/two-factor/verify/", {"code": codes[0]}).status_code == 302
    assert client.get("/desk/").status_code == 200
    client.post("/logout/")
    sign_in(client, agent.username)
    again = client.post("/account/two-factor/verify/", {"code": codes[0]})
    assert again.status_code == 200 and again.context["form"].errors["code"]


def test_the_password_alone_cannot_replace_the_authenticator(client: Any, agent: Any) -> None:
    device, codes = enrolled(agent)
    sign_in(client, agent.username)
    response = client.get("/account/two-factor/")
    assert response["Location"].startswith("/account/two-factor/verify/")
    assert client.post("/account/two-factor/backup-codes/").status_code == 404
    assert list(TOTPDevice.objects.filter(user=agent)) == [device]
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)


def test_the_back_office_asks_for_the_code_too(client: Any, required: Any, personas: Any):
    from secondline.accounts.models import User

    boss = User.objects.create_superuser(
        "boss", "boss@secondline.example", PASSWORD, organization=personas.contractor
    )
    device, _ = enrolled(boss)
    response = sign_in(client, "boss", "/admin/login/?next=/admin/")
    assert response["Location"] == "/admin/"
    held = client.get("/admin/")
    assert held["Location"].startswith("/account/two-factor/verify/")
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        client.post("/account/two-factor/verify/", {"code": code_of(device)})  # a new code
    assert client.get("/admin/").status_code == 200


def test_customers_are_never_asked(client: Any, member: Any, required: Any) -> None:
    sign_in(client, member.username)
    assert client.get("/tickets/").status_code == 200
    assert client.get("/account/two-factor/").status_code == 404


def test_without_the_setting_staff_sign_in_with_the_password(client: Any, agent: Any) -> None:
    sign_in(client, agent.username)
    assert client.get("/desk/").status_code == 200


def test_a_session_that_owes_the_code_gets_a_json_403_from_the_api(client: Any, agent: Any):
    enrolled(agent)
    sign_in(client, agent.username)
    response = client.get("/api/tickets/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def token_for(username: str, **extra: str) -> Any:
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": PASSWORD, **extra}, format="json"
    )


def test_the_api_asks_an_enrolled_agent_for_the_code(agent: Any) -> None:
    device, _ = enrolled(agent)
    missing = token_for(agent.username)
    assert missing.status_code == 400 and list(missing.json()) == ["otp_token"]
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        wrong = token_for(agent.username, otp_token="12345")
        assert wrong.status_code == 400 and list(wrong.json()) == ["otp_token"]
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=120)):
        right = token_for(agent.username, otp_token=code_of(device))
    assert right.status_code == 200 and right.json()["token"]


def test_the_api_refuses_staff_without_an_authenticator_when_required(
    agent: Any, member: Any, required: Any
) -> None:
    refused = token_for(agent.username)
    assert refused.status_code == 400
    assert "Set up two-factor" in refused.json()["otp_token"][0]
    assert token_for(member.username).status_code == 200


def test_production_requires_it_and_the_embedded_default_does_not(tmp_path: Any) -> None:
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.STAFF_REQUIRE_2FA)"
    production = _start(code, SECONDLINE_VAR_DIR=str(tmp_path), **PRODUCTION_ENVIRONMENT)
    assert production.stdout.strip() == "True", production.stderr
    assert _start(code, SECONDLINE_VAR_DIR=str(tmp_path)).stdout.strip() == "False"
