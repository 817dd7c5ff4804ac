"""The second factor: a one-time code (TOTP, or a backup code) after the password.

Who must give one (docs/security.md, Accounts): anyone who has set up an authenticator, and the
contractor's staff when ``STAFF_REQUIRE_2FA`` is on (the production default), who must set one
up before anything else. Customers are never asked: only staff may set one up. The devices are
django-otp's (``otp_totp``, ``otp_static``); the step after the password is a mark in the
session, set at sign-in and cleared by a right code, so a request costs no query for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from secondline.accounts.models import User

SESSION_KEY = "second_factor"  # "verify" or "enrol" while the step is owed; absent when done
VERIFY, ENROL = "verify", "enrol"
BACKUP_CODES = 10
AUTHENTICATOR_NAME = "authenticator"
BACKUP_NAME = "backup codes"


def is_staff_member(user: User) -> bool:
    """The contractor's people and back-office users: they see every customer."""
    return user.is_contractor or user.is_staff or user.is_superuser


def has_second_factor(user: User) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def owed_step(user: User) -> str | None:
    """What ``user`` owes after the password: a code (``VERIFY``), setting up an authenticator
    first (``ENROL``), or nothing."""
    if has_second_factor(user):
        return VERIFY
    if settings.STAFF_REQUIRE_2FA and is_staff_member(user):
        return ENROL
    return None


def verify_code(user: User, code: str) -> Any:
    """The confirmed device that accepts ``code`` (a TOTP code or an unused backup code; each
    works once), or None. django-otp slows down guessing on each device."""
    code = "".join(code.split())
    if not code or len(code) > 16:
        return None
    return django_otp.match_token(user, code)


def pending_authenticator(user: User) -> TOTPDevice:
    """The user's authenticator being set up (unconfirmed), made on first ask; its key stays
    the same until it is confirmed, so reloading the page does not invalidate a scanned code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_authenticator(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm ``device`` with a code from the app: it replaces any earlier authenticator, and
    a new set of backup codes is made and returned (shown once). None if the code is wrong."""
    if not device.verify_token("".join(code.split())):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_backup_codes(device.user)


def new_backup_codes(user: User) -> list[str]:
    """Ten new single-use backup codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return codes


def mark_verified(request: HttpRequest, device: Any) -> None:
    """The right code was given: the session may go on (django-otp records the device)."""
    django_otp.login(request, device)
    request.session.pop(SESSION_KEY, None)


@receiver(user_logged_in, dispatch_uid="accounts-second-factor-owed")
def owe_second_factor(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Every password sign-in (portal, back office) owes the step, if the user has one."""
    if request is None or not hasattr(request, "session"):
        return
    step = owed_step(user)
    if step:
        request.session[SESSION_KEY] = step


# Paths a session that still owes the step may reach: the step itself, signing out, the
# language switch and the static files; everything else sends it to the step first.
OPEN_PATHS = ("/account/two-factor/", "/logout/", "/i18n/", "/language/", "/static/")


class SecondFactorMiddleware:
    """Holds a session that owes the second factor at the step; after AuthenticationMiddleware.

    An API request in such a session (the browsable API, a script with the cookie) gets a JSON
    403; token requests are not sessions, and the token was only issued after the code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        step = session.get(SESSION_KEY) if session is not None else None
        if step and request.user.is_authenticated and not request.path.startswith(OPEN_PATHS):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Give the one-time code at /account/two-factor/ first.")},
                    status=403,
                )
            name = "two_factor_verify" if step == VERIFY else "two_factor_setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(name)}?{query}")
        return self.get_response(request)
