"""SLA work done by the worker: the sweep every minute, the alerts it raises, and the
recomputation of open tickets after a change of a calendar, a plan or a contract's terms."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from secondline.accounts.models import User
from secondline.celery import retry_countdown
from secondline.sla import alerts, sweep
from secondline.tickets.models import TicketEvent

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60


@shared_task(ignore_result=True)
def sweep_sla() -> int:
    """Mark tickets at risk and breached, and alert their people (once per change)."""
    moved = sweep.sweep()
    if moved:
        log.info("SLA sweep moved %s ticket(s)", moved)
    return moved


@shared_task(
    ignore_result=True,
    acks_late=True,
    # A deadlock with a ticket verb, a lost connection: run again (each recount is idempotent).
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    max_retries=5,
)
def recompute_deadlines(scope: str, pk: int, version: str | None = None) -> int:
    """Recount the deadlines and state of every open ticket a changed calendar, plan or
    contract touches (``scope``: "calendar", "plan", "contract"; see
    ``sweep.changed_contracts``); enqueued by ``signals`` once the change commits."""
    done = sweep.recompute_open(sweep.changed_contracts(scope, pk, version))
    if done:
        log.info("SLA deadlines of %s open ticket(s) recomputed after a %s change", done, scope)
    return done


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def send_sla_alert(self, event_id: int, user_id: int) -> str:
    """Email one person about one SLA state change, retried while the SMTP server fails."""
    event = (
        TicketEvent.objects.select_related(
            "ticket__organization", "ticket__contract__calendar", "ticket__contract__sla_plan"
        )
        .filter(pk=event_id)
        .first()
    )
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if event is None or person is None or not person.email:
        return "skipped"
    try:
        alerts.build_alert(event, person).send()
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            log.error("SLA alert %s to %s failed for good: %s", event_id, user_id, exc)
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, 30)) from exc
    return "sent"
