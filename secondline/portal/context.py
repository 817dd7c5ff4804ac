from typing import Any

from django.conf import settings
from django.http import HttpRequest


def support_contacts(request: HttpRequest) -> dict[str, Any]:
    return {"SUPPORT_PHONE": settings.SUPPORT_PHONE, "SUPPORT_EMAIL": settings.SUPPORT_EMAIL}
