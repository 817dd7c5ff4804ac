"""The SLA report page and its CSV; who may see which organisation is decided in access.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import Organization
from secondline.accounts.requests import SignedInRequest
from secondline.common.ids import row_id
from secondline.sla import report as sla_report


@login_required
def report(request: SignedInRequest) -> HttpResponse:
    """/sla/report/?organization=ID&month=YYYY-MM[&format=csv]: the contractor's staff for any
    customer, a customer's people for their own organisation only."""
    user = request.user
    customers = access.organizations_visible_to(user).filter(kind=Organization.Kind.CUSTOMER)
    month_text = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    org_id = request.GET.get("organization") or (
        "" if user.is_contractor else str(user.organization_id or "")
    )
    context: dict[str, object] = {"customers": customers, "month": month_text, "org_id": org_id}
    errors: dict[str, str] = {}
    try:
        month = sla_report.parse_month(month_text)
    except sla_report.MonthOutOfRange:
        errors["month"] = _("Give a month from %(first)s to %(last)s.") % {
            "first": f"{sla_report.FIRST_MONTH:%Y-%m}",
            "last": f"{sla_report.LAST_MONTH:%Y-%m}",
        }
    except ValueError:
        errors["month"] = _("Give the month as YYYY-MM, e.g. 2026-05.")
    organization = None
    customer_id = row_id(org_id)
    if org_id and customer_id is None:
        errors["organization"] = _("Choose a customer from the list.")
    elif customer_id is not None:
        organization = customers.filter(pk=customer_id).first()
        if organization is None:
            raise Http404
    if errors:
        return render(request, "sla/report.html", {**context, "errors": errors}, status=400)
    if organization is None:
        return render(request, "sla/report.html", context)
    result = sla_report.build(organization, month)
    if request.GET.get("format") == "csv":
        response = HttpResponse(sla_report.as_csv(result), content_type="text/csv; charset=utf-8")
        filename = f"sla-{organization.pk}-{month:%Y-%m}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "sla/report.html", {**context, "report": result})
