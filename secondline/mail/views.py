"""The one page of the email channel: the link that confirms an Urgent incident (urgent.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from secondline.mail import urgent


@require_http_methods(["GET", "POST"])
def confirm_urgent(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the incident, POST confirms it: mail scanners open links, so GET never pages.
    The signed link proves the contact got the email, so no sign-in is needed."""
    confirmation = urgent.from_token(token)
    if confirmation is None:
        return render(request, "mail/urgent_confirm.html", {"invalid": True}, status=404)
    done = request.method == "POST" and urgent.confirm(confirmation)
    confirmation.refresh_from_db()
    context = {"confirmation": confirmation, "ticket": confirmation.ticket, "done": done}
    return render(request, "mail/urgent_confirm.html", context)
