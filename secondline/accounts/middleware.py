"""Per-user request handling: the interface language, and pages that must not be cached."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware and AuthenticationMiddleware.

    A signed-in person's profile language wins over the browser's. When the answer is ready
    the thread goes back to the default language: whatever runs next in this thread (the next
    request, a task run in place, the notifications sent as the response closes) starts from
    English, never from this request's language, and picks its own language explicitly."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
            # a token caller's language is switched inside the view (accounts.tokens)
            response.headers.setdefault("Content-Language", translation.get_language())
        finally:
            translation.deactivate()
        return response


class PrivatePagesMiddleware:
    """Every answer to a signed-in user says ``Cache-Control: private, no-store``.

    A page or API answer for a signed-in user shows that user's tickets: no shared proxy may
    keep it, and the browser may not keep it on disk for the next person at the machine. The
    check runs after the view, so the REST framework's token sign-in counts too (it sets
    ``request.user`` on the Django request). Static files (WhiteNoise answers them before this
    middleware) and pages for visitors who have not signed in, such as the login page, keep
    their headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
