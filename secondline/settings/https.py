"""HTTPS, cookies and the security headers, Content-Security-Policy included
(docs/security.md)."""

from __future__ import annotations

import os

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from secondline.environment import envbool, envint
from secondline.settings.core import PRODUCTION, SILENCED_SYSTEM_CHECKS

# HTTPS and HTTP headers (docs/security.md). Production (SECONDLINE_PRODUCTION=1) is served over
# HTTPS and gets the safe values by default; the embedded default serves plain HTTP on
# 127.0.0.1, where a redirect to HTTPS or secure-only cookies would lock everyone out.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
# Preloading is the domain owner's decision (a submission to the browsers' list that is slow to
# undo, and only for a bare domain), so it stays off unless asked for; see SILENCED_SYSTEM_CHECKS.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")


def envproxyheader(name: str) -> tuple[str, str] | None:
    """A reverse proxy's header that says the client used HTTPS, e.g. ``X-Forwarded-Proto``."""
    header = os.environ.get(name, "").strip()
    if not header:
        return None
    if not header.replace("-", "").replace("_", "").isalnum():
        raise ImproperlyConfigured(
            f"{name} must be the name of a header, such as X-Forwarded-Proto; got {header!r}."
        )
    return ("HTTP_" + header.upper().replace("-", "_"), "https")


# Set only behind a proxy that sets (and overwrites) this header: anyone else could send it.
SECURE_PROXY_SSL_HEADER = envproxyheader("SECURE_PROXY_SSL_HEADER")
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)  # a working day, then sign in again

# Content-Security-Policy (django-csp, through common.csp.SitePolicyMiddleware): scripts and
# styles only from our own files, never inline, and no eval (htmx runs with allowEval off and
# without its inline indicator styles, see base.html). The pages the frameworks draw (the
# admin, the browsable API, Swagger UI and ReDoc) write inline styles: allowed under these.
CSP_INLINE_STYLE_PREFIXES = ("/admin/", "/api/")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
