"""Billing work done by the worker."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage

from secondline.celery import retry_countdown
from secondline.common.email import automatic_headers


@shared_task(bind=True, max_retries=8, default_retry_delay=60, acks_late=True)
def send_email(self, to: str, subject: str, body: str) -> None:
    """Send one billing email; retried with back-off when the SMTP server fails."""
    message = EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers=automatic_headers(),
    )
    try:
        message.send()
    except Exception as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, 60)) from exc
