"""The demo's month closed as docs/billing.md walks it, for tests that need a statement."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from secondline.accounts.models import Contract, User


def close_last_month() -> int:
    """The demo's walk of docs/billing.md: a statement issued, disputed, corrected, reissued."""
    manager, responsible = (User.objects.get(username=name) for name in ("manager", "responsible"))
    boss, customer = APIClient(), APIClient()
    boss.force_authenticate(manager)
    customer.force_authenticate(responsible)
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    contract = Contract.objects.get(customer=responsible.organization)
    made = boss.post("/api/statements/", {"contract": contract.pk, "period": month.isoformat()})
    url = f"/api/statements/{made.json()['id']}/"
    line = boss.post(url + "issue/").json()["lines"][0]
    customer.post(url + "dispute/", {"line": line["id"], "comment": "2 ч"})
    boss.post(url + "correct/", {"line": line["id"], "business_hours": "1", "reason": "1 ч"})
    boss.post(url + "issue/")
    return int(made.json()["id"])
