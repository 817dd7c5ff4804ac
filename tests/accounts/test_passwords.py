"""Password rules (docs/security.md#accounts): Django's validators with a minimum of 10, on
every path that sets a password."""

from __future__ import annotations

import io
import os
from unittest import mock

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from secondline.accounts.models import User
from secondline.demo.data import DEMO_PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password", {"password_too_short", "password_too_common"}),
        ("12345678", {"password_too_short", "password_too_common", "password_entirely_numeric"}),
        ("short-pw1", {"password_too_short"}),
        ("8305172946381", {"password_entirely_numeric"}),
        ("qwertyuiop", {"password_too_common"}),
        ("maria.ivanova", {"password_too_similar"}),
    ],
)
def test_a_weak_password_is_refused_for_each_of_its_faults(password: str, why: set[str]) -> None:
    user = User(username="maria.ivanova", email="maria.ivanova@example.com")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert {error.code for error in refused.value.error_list} == why


def test_a_ten_character_uncommon_password_is_accepted() -> None:
    validate_password("tea-kettle7", User(username="maria", email="maria@example.com"))


def test_the_demo_password_passes_the_rules() -> None:
    for username in ("member", "responsible", "agent", "manager", "admin"):
        validate_password(DEMO_PASSWORD, User(username=username, email=f"{username}@x.example"))


def test_a_scripted_administrator_with_a_weak_password_is_refused() -> None:
    environment = {"DJANGO_SUPERUSER_PASSWORD": "password"}
    with mock.patch.dict(os.environ, environment), pytest.raises(CommandError) as error:
        call_command("createsuperuser", "--no-input", username="root", email="root@example.com")
    assert "This password is too short" in str(error.value)
    assert not User.objects.filter(username="root").exists()


def test_a_scripted_administrator_with_a_good_password_is_created() -> None:
    with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": "tea-kettle-on-the-hob"}):
        call_command("createsuperuser", "--no-input", username="root", email="root@example.com")
    root = User.objects.get(username="root")
    assert root.check_password("tea-kettle-on-the-hob")
    assert root.role == User.Role.ADMIN


@pytest.mark.parametrize("address", ["agent@support.example", "AGENT@Support.Example"])
def test_an_administrator_with_an_address_another_user_has_is_refused(address: str) -> None:
    """In any letter case: the email intake and an erasure find people by address."""
    UserFactory(username="agent", email="agent@support.example")
    with (
        mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": "tea-kettle-on-the-hob"}),
        pytest.raises(CommandError, match="Another user has this email address"),
    ):
        call_command("createsuperuser", "--no-input", username="boss", email=address)
    assert not User.objects.filter(username="boss").exists()


def test_the_database_holds_an_address_once_in_any_letter_case() -> None:
    UserFactory(email="agent@support.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="Agent@SUPPORT.example")
    user = User(username="other", email="AGENT@support.example")
    with pytest.raises(ValidationError, match="Another user has this email address"):
        user.full_clean()  # what the back office's forms run


def test_the_reset_form_refuses_a_weak_new_password() -> None:
    user = UserFactory()
    form = SetPasswordForm(user, {"new_password1": "12345678", "new_password2": "12345678"})
    assert not form.is_valid()
    assert "This password is too short. It must contain at least 10 characters." in str(form.errors)


def test_an_administrator_asked_for_without_a_terminal_is_a_clear_failure() -> None:
    """Django skips with exit 0 and names manage.py; a script must see that nothing was made."""
    with pytest.raises(CommandError, match="No terminal to ask in"):
        call_command("createsuperuser", stdin=io.StringIO())
    assert not User.objects.filter(is_superuser=True).exists()
