from typing import Any

from django.conf import settings
from django.http import HttpRequest


def support_contacts(request: HttpRequest) -> dict[str, Any]:
    phone = settings.SUPPORT_PHONE
    return {
        "SUPPORT_PHONE": phone,
        "SUPPORT_PHONE_TEL": "".join(c for c in phone if c.isdigit() or c == "+"),
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
    }
