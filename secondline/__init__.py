"""SecondLine: a service desk for contract-based second-line software support."""

from secondline.celery import app as celery_app

__all__ = ["celery_app"]
