"""Sign-in lockout on top of django-axes: per account and address, and per address alone.

Axes counts failed sign-ins (portal, back office and the API token endpoint all go through
``authenticate(request=...)``) and refuses the next one once the limit is reached. It has one
limit for every lockout parameter; we want two: one account from one address is locked after
``AXES_FAILURE_LIMIT`` failures, and one address, whatever the accounts, after
``LOGIN_ADDRESS_FAILURE_LIMIT`` (someone trying many accounts). Both last
``AXES_COOLOFF_TIME`` after the last failure.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher limit for an address alone."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The failures of this account from this address, or the account limit itself once
        the address has reached its own (``AXES_LOCKOUT_PARAMETERS`` lists the combination
        first, then the address)."""
        combination, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(combination, settings.AXES_FAILURE_LIMIT)
        return int(combination)


def client_address(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind a reverse proxy the header it sets
    (``LOGIN_CLIENT_ADDRESS_HEADER``); otherwise every client would share the proxy's."""
    header = settings.LOGIN_CLIENT_ADDRESS_HEADER
    if header:
        forwarded = request.headers.get(header, "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed sign-in attempts. Signing in is blocked for %(minutes)d minutes "
        "after the last attempt; try again later."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What a locked-out sign-in gets: a 429 with the reason, JSON for the API."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    return render(request, "accounts/locked_out.html", {"message": lockout_message()}, status=429)
