"""Notifications a request commits go to the worker after its response has been sent (with
``NOTIFY_BATCH_SECONDS=0``; with a batching window nothing is published at commit: ``notify``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from secondline.mail import notify


class NotifyAfterResponseMiddleware:
    """Hold the request's notification hand-overs and publish them, as one task, when the
    server closes the response, that is after the client has it. The rows are committed
    already; the broker round trip is no longer part of the answer's time. Should the
    process die in between, the outbox sweep hands them over."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with notify.held_publishes(publish_on_exit=False) as hold:
            try:
                response = self.get_response(request)
            except BaseException:
                hold.flush()
                raise
        # Django calls these from response.close(), after the WSGI server has written the
        # response and before request_finished closes the database connection.
        response._resource_closers.append(hold.flush)  # type: ignore[attr-defined]
        return response
