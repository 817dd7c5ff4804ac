"""The requests views get, as the type checker should see them: only annotations, the objects
are Django's own (django-stubs' and django-htmx's documented way to say so to mypy, instead
of an ignore at every ``request.user`` and ``request.htmx``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from secondline.accounts.models import User


class HtmxRequest(HttpRequest):
    """Any request: ``HtmxMiddleware`` has said whether htmx sent it."""

    htmx: HtmxDetails


class SignedInRequest(HtmxRequest):
    """A request to a view behind ``login_required``: its user is one of ours, never
    anonymous."""

    user: User


def staff_member(request: SignedInRequest) -> User:
    """The contractor's staff member behind the request; for anyone else the page does not
    exist (a 404, not a 403 that would tell a customer it is there)."""
    user = request.user
    if not (user.is_active and user.is_contractor):
        raise Http404
    return user


def back_office_user(request: HttpRequest) -> User:
    """The person behind a request to the back office (Django's admin, which lets only signed-in
    staff in), for an action that hands them to a service; a 403 should anyone else get there.
    The admin's methods take an ``HttpRequest``, so this says to the type checker who it is."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
