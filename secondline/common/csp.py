"""The site's Content-Security-Policy, with one exception for the pages the frameworks draw.

Our own pages carry no inline style nor script, so the policy (``settings.https``) allows
styles from our own files only. The Django admin, the REST framework's browsable API, Swagger UI
and ReDoc write style attributes and ``<style>`` elements of their own: under
``CSP_INLINE_STYLE_PREFIXES`` inline styles are allowed too. Scripts stay our own files
everywhere. ``get_policy_parts`` is django-csp's documented extension point.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class SitePolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, adding ``'unsafe-inline'`` to ``style-src`` on the pages under
    ``settings.CSP_INLINE_STYLE_PREFIXES``."""

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(tuple(settings.CSP_INLINE_STYLE_PREFIXES)):
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), UNSAFE_INLINE]
            parts.update = update
        return parts
