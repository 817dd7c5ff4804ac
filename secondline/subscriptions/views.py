"""The notification list in the desk: what the staff member was told, mark read, and what
they follow. Pages for the contractor's staff only; for anyone else they do not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from secondline.accounts.models import User
from secondline.accounts.requests import SignedInRequest, staff_member
from secondline.subscriptions import audience, notices
from secondline.subscriptions.forms import SubscriptionForm

PAGE_SIZE = 50


@login_required
@require_GET
def notice_list(request: SignedInRequest) -> HttpResponse:
    person = staff_member(request)
    page = Paginator(notices.notices_of(person), PAGE_SIZE).get_page(request.GET.get("page"))
    form = SubscriptionForm(instance=audience.subscription_of(person))
    return render(request, "subscriptions/notices.html", {"page": page, "form": form})


@login_required
@require_GET
def notice_open(request: SignedInRequest, pk: int) -> HttpResponse:
    """Follow a notice to its ticket, marking it read on the way."""
    person = staff_member(request)
    notice = notices.notices_of(person).filter(pk=pk).first()
    if notice is None:
        raise Http404
    notices.mark_read(person, notice.pk)
    return redirect(notice.ticket.get_absolute_url())


@login_required
@require_POST
def notice_read(request: SignedInRequest, pk: int) -> HttpResponse:
    person = staff_member(request)
    if not notices.mark_read(person, pk):
        raise Http404
    if request.htmx:
        notice = notices.notices_of(person).get(pk=pk)
        return _fragment(request, person, "subscriptions/includes/notice.html", notice=notice)
    return redirect("subscriptions:list")


@login_required
@require_POST
def notice_read_all(request: SignedInRequest) -> HttpResponse:
    person = staff_member(request)
    notices.mark_all_read(person)
    messages.success(request, _("All notifications are marked read."))
    return redirect("subscriptions:list")


@login_required
@require_GET
def unread_badge(request: SignedInRequest) -> HttpResponse:
    """The header's unread count, refreshed by htmx every minute."""
    person = staff_member(request)
    return _fragment(request, person, "subscriptions/includes/badge.html", oob=False)


def _fragment(
    request: HttpRequest, person: User, template: str, *, oob: bool = True, **context: object
) -> HttpResponse:
    context = {**context, "unread_notices": notices.unread_count(person), "oob": oob}
    return render(request, template, context)


@login_required
@require_POST
def subscription(request: SignedInRequest) -> HttpResponse:
    person = staff_member(request)
    with transaction.atomic():  # two first saves at once land on one row (the API's way)
        form = SubscriptionForm(request.POST, instance=audience.subscription_to_change(person))
        saved = form.is_valid()
        if saved:
            form.save()
        else:
            transaction.set_rollback(True)  # a refused first change leaves no row behind
    if saved:
        messages.success(request, _("Your subscriptions are saved."))
        return redirect("subscriptions:list")
    page = Paginator(notices.notices_of(person), PAGE_SIZE).get_page(1)
    return render(request, "subscriptions/notices.html", {"page": page, "form": form}, status=400)
