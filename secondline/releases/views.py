"""Server-rendered pages under /releases/: thin views over the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from secondline.accounts.access import AccessDenied
from secondline.accounts.api import acting_user
from secondline.accounts.models import User
from secondline.common.forms import apply_errors
from secondline.common.ids import row_named
from secondline.releases import duty, forms, installing, plans, windows
from secondline.releases.access import installations_visible_to, plans_visible_to
from secondline.releases.models import (
    DutyShift,
    InstallationWindow,
    ProductVersion,
    UpdatePlan,
)


def _staff(request: HttpRequest) -> bool:
    return acting_user(request).is_contractor


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for errs in error.error_dict.values() for e in errs for m in e.messages]
    return [str(m) for m in error.messages]


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The release catalogue and the installations the user may see, with what is newer."""
    user = acting_user(request)
    versions = list(ProductVersion.objects.all())
    latest: dict[str, ProductVersion] = {}
    for version in versions:
        if version.is_newer_than(latest.get(version.product)):
            latest[version.product] = version
    installations = []
    for item in installations_visible_to(user):
        newest = latest.get(item.product)
        behind = newest is not None and newest.is_newer_than(item.current_version)
        installations.append((item, newest if behind else None))
    return render(
        request,
        "releases/catalogue.html",
        {"versions": versions, "installations": installations, "is_staff": user.is_contractor},
    )


@login_required
@require_POST
def propose(request: HttpRequest, installation_id: int) -> HttpResponse:
    """Staff offer the newest version to an installation on an older one."""
    installation = installations_visible_to(acting_user(request)).filter(pk=installation_id).first()
    version = row_named(ProductVersion.objects.all(), request.POST.get("version"))
    if installation is None or version is None:
        raise Http404
    try:
        plan = plans.propose_update(
            installation, version, acting_user(request), message=request.POST.get("message", "")
        )
    except AccessDenied as denied:
        messages.error(request, str(denied))
        return redirect("releases:catalogue")
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
        return redirect("releases:catalogue")
    messages.success(request, _("Update proposed on %(number)s.") % {"number": plan.ticket.number})
    return redirect("releases:plan", ticket_id=plan.ticket_id)


def _plan_action(request: HttpRequest, plan: UpdatePlan) -> Callable[[], object] | None:
    user = acting_user(request)
    action = request.POST.get("action")
    window = row_named(InstallationWindow.objects.filter(plan=plan), request.POST.get("window"))
    if action == "accept" and window is not None:
        return lambda: windows.accept_window(window, user)
    if action == "ask_another" and window is not None:
        return lambda: windows.ask_another_window(window, user, request.POST.get("comment", ""))
    if action == "confirm":
        return lambda: installing.confirm_installation(plan, user)
    return None


@login_required
def plan_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One update plan: its windows and the next step for whoever looks at it."""
    user = acting_user(request)
    plan = plans_visible_to(user).filter(ticket_id=ticket_id).first()
    if plan is None:
        raise Http404
    errors: list[str] = []
    window_form = forms.WindowForm()
    installed_form = forms.InstallationDoneForm(plan=plan)
    if request.method == "POST" and request.POST.get("action") == "propose":
        window_form = forms.WindowForm(request.POST)
        if _propose(plan, user, window_form):
            return redirect("releases:plan", ticket_id=ticket_id)
    elif request.method == "POST" and request.POST.get("action") == "installed":
        installed_form = forms.InstallationDoneForm(request.POST, plan=plan)
        if _installed(plan, user, installed_form):
            return redirect("releases:plan", ticket_id=ticket_id)
    elif request.method == "POST":
        try:
            step = _plan_action(request, plan)
            if step is None:
                raise ValidationError(_("Unknown action."))
            step()
            return redirect("releases:plan", ticket_id=ticket_id)
        except AccessDenied as denied:
            errors.append(str(denied))
        except ValidationError as error:
            errors.extend(_errors(error))
    if errors or window_form.errors or installed_form.errors:
        plan.refresh_from_db()
    context = {
        "plan": plan,
        "ticket": plan.ticket,
        "windows": plan.windows.select_related("engineer").order_by("-created_at"),
        "is_staff": user.is_contractor,
        "is_responsible": user.is_responsible
        and user.organization_id == plan.ticket.organization_id,
        "errors": errors,
        "window_form": window_form,
        "installed_form": installed_form,
    }
    failed = errors or window_form.errors or installed_form.errors
    return render(request, "releases/plan.html", context, status=400 if failed else 200)


def _propose(plan: UpdatePlan, user: User, form: forms.WindowForm) -> bool:
    """The contractor proposes a window; what is refused goes on the form's fields."""
    return form.is_valid() and _done(
        form, lambda: windows.propose_window(plan, user, **form.cleaned_data)
    )


def _installed(plan: UpdatePlan, user: User, form: forms.InstallationDoneForm) -> bool:
    """The engineer records the installation; what is refused goes on the form's fields."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    return _done(
        form,
        lambda: installing.record_installation_done(
            plan,
            user,
            data["started_at"],
            data["finished_at"],
            data["installed_version"],
            note=data["note"],
            override_reason=data["override_reason"],
        ),
    )


def _done(form: Any, step: Callable[[], object]) -> bool:
    """Run the service ``step`` for a valid ``form``; a refusal goes on the form's fields (on
    the form itself when it names none of them)."""
    try:
        step()
    except AccessDenied as denied:
        form.add_error(None, str(denied))
    except ValidationError as error:
        apply_errors(form, error)
    return not form.errors


def _date(text: str | None) -> dt.date | None:
    try:
        day = parse_date(text or "")
    except ValueError:
        return None
    # Far-off years would overflow the week arithmetic; nobody plans installations there.
    return day if day is not None and 2000 <= day.year <= 2100 else None


def _week_start(request: HttpRequest) -> dt.date:
    day = _date(request.GET.get("week")) or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


@login_required
def windows_calendar(request: HttpRequest) -> HttpResponse:
    """Agreed windows of all customers by day, one week at a time (contractor staff)."""
    if not _staff(request):
        raise PermissionDenied(_("Only the contractor's staff see all customers' windows."))
    days = 1 if request.GET.get("view") == "day" else 7
    first = (
        _date(request.GET.get("day")) or timezone.localdate() if days == 1 else _week_start(request)
    )
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=days), dt.time()))
    agreed = (
        InstallationWindow.objects.filter(
            status=InstallationWindow.Status.ACCEPTED, starts_at__lt=end, ends_at__gt=start
        )
        .select_related(
            "plan__ticket__organization", "plan__target_version", "plan__installation", "engineer"
        )
        .order_by("starts_at")
    )
    by_day: dict[dt.date, list[InstallationWindow]] = {
        first + dt.timedelta(days=n): [] for n in range(days)
    }
    for window in agreed:
        day = timezone.localdate(window.starts_at)
        by_day.setdefault(max(day, first), []).append(window)
    step = dt.timedelta(days=days)
    return render(
        request,
        "releases/windows.html",
        {
            "days": sorted(by_day.items()),
            "first": first,
            "view": "day" if days == 1 else "week",
            "previous": first - step,
            "next": first + step,
        },
    )


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """The duty roster for the coming week and who is on duty now (contractor staff)."""
    if not _staff(request):
        raise PermissionDenied(_("Only the contractor's staff see the duty roster."))
    now = timezone.now()
    shifts = DutyShift.objects.filter(
        ends_at__gt=now, starts_at__lt=now + dt.timedelta(days=7)
    ).select_related("engineer")
    return render(
        request,
        "releases/roster.html",
        {"shifts": shifts, "on_duty": duty.on_duty(now), "open_callouts": duty.open_callouts()},
    )


def acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in the alert email: GET shows the alert, POST acknowledges it.

    The link itself proves the engineer got the email, so no sign-in is needed; GET never
    acknowledges because mail scanners open links.
    """
    alert = duty.alert_from_token(token)
    if alert is None:
        return render(request, "releases/acknowledge.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        duty.acknowledge(alert, alert.engineer)
        done = True
    callout = alert.callout
    callout.refresh_from_db()
    return render(
        request,
        "releases/acknowledge.html",
        {"alert": alert, "ticket": alert.ticket, "callout": callout, "done": done},
    )
