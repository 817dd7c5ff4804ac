"""The second-factor pages: set up an authenticator, and give its code after the password."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from secondline.accounts import second_factor
from secondline.accounts.api import acting_user
from secondline.common.forms import on_this_site


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    """Where to go after the code: a page of this site (the middleware sends its path), else
    the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if on_this_site(target, request) else "/"


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The step after the password for a user with an authenticator."""
    if request.session.get(second_factor.SESSION_KEY) != second_factor.VERIFY:
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = second_factor.verify_code(acting_user(request), form.cleaned_data["code"])
        if device is not None:
            second_factor.mark_verified(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", _("The code is wrong or has expired; try the next one."))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor_verify.html", context)


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator: the key as a QR code and as text, then a code
    from the app confirms it and the backup codes are shown once."""
    user = acting_user(request)
    if not second_factor.is_staff_member(user):
        raise Http404
    if request.session.get(second_factor.SESSION_KEY) == second_factor.VERIFY:
        # The password alone must not replace the authenticator that guards the account.
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': _next_url(request)})}")
    device = second_factor.pending_authenticator(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = second_factor.confirm_authenticator(device, form.cleaned_data["code"])
        if codes is not None:
            second_factor.mark_verified(request, device)
            return _backup_codes_page(request, codes)
        form.add_error("code", _("The code is wrong or has expired; try the next one."))
    context = {
        "form": form,
        "uri": device.config_url,
        "secret": _base32(device.bin_key),
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4),
        "has_second_factor": second_factor.has_second_factor(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@require_POST
@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes for a user with an authenticator, in a session that gave its code."""
    user = acting_user(request)
    if request.session.get(second_factor.SESSION_KEY) or not second_factor.has_second_factor(user):
        raise Http404
    return _backup_codes_page(request, second_factor.new_backup_codes(user))


def _backup_codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    context = {"codes": codes, "next": _next_url(request)}
    return render(request, "accounts/two_factor_backup_codes.html", context)


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")
