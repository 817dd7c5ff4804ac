""" "How support works": the contract's rules, generated from the configuration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import holidays
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from secondline.accounts import access
from secondline.accounts.models import Contract, User
from secondline.accounts.requests import SignedInRequest
from secondline.common.ids import row_named
from secondline.portal import presenters
from secondline.sla.calendars import business_calendar
from secondline.sla.models import WorkingCalendar
from secondline.tickets.choices import PRIORITY_CRITERIA, Priority, TicketType

DAY_KINDS = {
    "weekend": _("Weekend"),
    "holiday": _("Public holiday"),
    "transferred_day_off": _("Transferred day off"),
    "non_working_decree": _("Non-working day by presidential decree"),
    "exception_day_off": _("Company day off"),
    "working_weekend": _("Working weekend day"),
    "exception_working_day": _("Extra working day"),
    "shortened": _("Shortened pre-holiday day"),
}
WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
LOOKAHEAD_DAYS = 120
SHOWN_DAYS = 10


def _contract_for(user: User, requested: str) -> Contract | None:
    contracts = access.contracts_visible_to(user).filter(status=Contract.Status.ACTIVE)
    chosen = row_named(contracts, requested)
    if chosen is not None:
        return chosen
    return contracts.order_by("-starts_on", "pk").first()


def weekly_hours(calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """Weekdays with the same hours grouped: "Monday – Friday 10:00–19:00"."""
    hours = calendar.weekly_hours or {}
    rows: list[dict[str, Any]] = []
    for day in range(7):
        spans = ", ".join(f"{a}–{b}" for a, b in hours.get(str(day), []))
        if rows and rows[-1]["spans"] == spans:
            rows[-1]["last"] = day
        else:
            rows.append({"first": day, "last": day, "spans": spans})
    return [
        {
            "days": WEEKDAYS[r["first"]]
            if r["first"] == r["last"]
            else f"{WEEKDAYS[r['first']]} – {WEEKDAYS[r['last']]}",
            "spans": r["spans"],
        }
        for r in rows
    ]


def special_days(calendar: WorkingCalendar, today: dt.date) -> list[dict[str, Any]]:
    """The next days that differ from the usual week: holidays, moved days off, working
    Saturdays, company exceptions; plain weekends are left out."""
    business = business_calendar(calendar)
    language = "ru" if (get_language() or "").startswith("ru") else "en_US"
    names = (
        holidays.country_holidays("RU", years=[today.year, today.year + 1], language=language)
        if calendar.country == WorkingCalendar.Country.RUSSIA
        else {}
    )
    found = []
    for offset in range(LOOKAHEAD_DAYS):
        day = today + dt.timedelta(days=offset)
        info = business.day_info(day)
        if info.kind in ("workday", "weekend"):
            continue
        found.append(
            {
                "day": day,
                "kind": DAY_KINDS.get(info.kind, info.kind),
                "working": info.is_working,
                "name": names.get(day, "") if info.kind == "holiday" else "",
                "hours": ", ".join(
                    f"{timezone.localtime(a, business.tz):%H:%M}–"
                    f"{timezone.localtime(b, business.tz):%H:%M}"
                    for a, b in info.intervals
                ),
            }
        )
        if len(found) >= SHOWN_DAYS:
            break
    return found


def reaction_targets(contract: Contract) -> list[dict[str, Any]]:
    rows = []
    targets = list(contract.sla_plan.targets.all())
    for ticket_type, type_label in TicketType.choices:
        for target in targets:
            if target.ticket_type != ticket_type:
                continue
            priority = target.priority or contract.sla_plan.default_priority_for(ticket_type)
            rows.append(
                {
                    "type": type_label,
                    "type_value": ticket_type,
                    "priority": presenters.priority_label(priority),
                    "set_by": _("you choose")
                    if ticket_type == TicketType.INCIDENT
                    else _("set by the plan"),
                    "criteria": PRIORITY_CRITERIA.get(Priority(priority), "")
                    if ticket_type == TicketType.INCIDENT
                    else "",
                    "reaction": presenters.business_duration(target.reaction_minutes),
                    "rank": list(Priority.values).index(priority),
                }
            )
    order = list(TicketType.values)
    return sorted(rows, key=lambda row: (order.index(row["type_value"]), row["rank"]))


@login_required
@require_GET
def how_support_works(request: SignedInRequest) -> HttpResponse:
    user = request.user
    contract = _contract_for(user, request.GET.get("contract", ""))
    context: dict[str, Any] = {"contract": contract, "nav": "support"}
    if contract is not None:
        calendar = contract.calendar
        context.update(
            {
                "hours": weekly_hours(calendar),
                "time_zone": calendar.time_zone,
                "special_days": special_days(calendar, timezone.localdate()),
                "targets": reaction_targets(contract),
                "multiplier": contract.out_of_hours_multiplier,
                "subject_tags": [
                    ("[Incident][Urgent]", _("an urgent incident — and phone us as well")),
                    ("[Incident][High]", _("an incident of high priority")),
                    ("[Incident][Normal]", _("an incident of normal priority")),
                    ("[Incident][Low]", _("an incident of low priority")),
                    ("[Consultation]", _("a question about set-up, configuration or use")),
                    ("[Change request]", _("a change request")),
                    ("[Update installation]", _("an update installation")),
                ],
                "contracts": access.contracts_visible_to(user).filter(status=Contract.Status.ACTIVE)
                if user.is_contractor
                else [],
            }
        )
    return render(request, "portal/how_support_works.html", context)
