"""The nightly clean-up of personal data past its retention period."""

from __future__ import annotations

from celery import shared_task

from secondline.privacy import retention


@shared_task(ignore_result=True)
def apply_retention() -> dict[str, int]:
    return retention.apply_retention()
