from typing import Any

from django.conf import settings
from django.http import HttpRequest

from secondline.mail.models import InboundMessage
from secondline.subscriptions.notices import unread_count

# The header's section for pages of other apps, which do not name one themselves.
NAV_OF_NAMESPACE = {
    "billing": "billing",
    "sla": "sla",
    "releases": "releases",
    "subscriptions": "notices",
}
NAV_OF_RELEASES_PAGE = {"windows": "windows", "roster": "duty"}


def support_contacts(request: HttpRequest) -> dict[str, Any]:
    phone = settings.SUPPORT_PHONE
    return {
        "SUPPORT_PHONE": phone,
        "SUPPORT_PHONE_TEL": "".join(c for c in phone if c.isdigit() or c == "+"),
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
    }


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which header link is the current page, and the quarantine and unread notification
    counts on the agents' header (counted only when a page shows them)."""
    match = request.resolver_match
    nav = ""
    if match is not None:
        nav = NAV_OF_NAMESPACE.get(match.namespace, "")
        if match.namespace == "releases":
            nav = NAV_OF_RELEASES_PAGE.get(match.url_name or "", nav)

    def quarantine_count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_contractor:
            return 0
        return InboundMessage.objects.filter(status=InboundMessage.Status.QUARANTINED).count()

    def unread_notices() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_contractor:
            return 0
        return unread_count(user)

    return {"nav": nav, "quarantine_count": quarantine_count, "unread_notices": unread_notices}
