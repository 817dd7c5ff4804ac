"""Small helpers the portal's views share: uploads from a form, the answer to a form sent twice,
the home page and the language switch."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import translation
from django.views.decorators.http import require_POST

from secondline.accounts.models import User
from secondline.accounts.requests import SignedInRequest
from secondline.common.forms import on_this_site
from secondline.tickets import submissions
from secondline.tickets.attachments import UploadedFile


def uploads(files: list[Any]) -> list[UploadedFile]:
    return [
        UploadedFile(
            name=f.name, content=f, size=f.size, content_type=getattr(f, "content_type", "") or ""
        )
        for f in files
    ]


def submitted(request: HttpRequest, result: submissions.Result) -> HttpResponse:
    """Where a form's submission leads, with its message: the same for its first POST and for
    a repeat of its one-time key (a double click)."""
    if result.message:
        messages.success(request, result.message)
    return redirect(result.url)


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    if request.user.is_contractor:
        return redirect("portal:queue")
    return redirect("portal:ticket_list")


def safe_next(request: HttpRequest, default: str = "/") -> str:
    """Where to go back to after a POST: only to this site, never to another host."""
    target = request.POST.get("next") or request.headers.get("referer") or default
    return target if on_this_site(target, request) else default


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: the user's setting when signed in, the cookie always."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request))
    if language not in dict(settings.LANGUAGES):
        return response
    if isinstance(request.user, User):  # signed in: the profile keeps it
        request.user.language = language
        request.user.save(update_fields=["language"])
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
    )
    return response
