"""Ticket work done by the worker."""

from __future__ import annotations

from celery import shared_task

from secondline.tickets import files


@shared_task(acks_late=True, ignore_result=True)
def sweep_orphan_files() -> int:
    """Periodic: delete attachment files whose row never committed (``files.sweep_orphans``)."""
    return files.sweep_orphans()
