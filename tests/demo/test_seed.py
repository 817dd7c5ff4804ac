"""`secondline seed`: realistic volume in bulk, with the mix a benchmark needs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max, Min
from django.utils import timezone

from secondline.accounts.models import Contract, User
from secondline.billing.models import WorkLog
from secondline.sla import sweep
from secondline.tickets.choices import OPEN_STATUSES, Status
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent


@pytest.mark.django_db
def test_it_seeds_a_realistic_mix() -> None:
    out = StringIO()
    call_command("seed", tickets=400, organizations=5, agents=4, stdout=out)
    assert "Seeded 400 tickets" in out.getvalue()
    tickets = Ticket.objects.all()
    assert tickets.count() == 400
    assert Contract.objects.filter(number__startswith="SEED-").count() == 5
    assert User.objects.filter(username__startswith="seed.agent").count() == 4
    statuses = set(tickets.values_list("status", flat=True))
    assert statuses == set(Status), "every status, finished and open"
    assert tickets.filter(status__in=OPEN_STATUSES).count() < tickets.count() / 4
    assert len(set(tickets.values_list("type", flat=True))) == 4
    assert len(set(tickets.values_list("priority", flat=True))) == 4
    assert Comment.objects.count() > 2 * tickets.count()
    assert Comment.objects.filter(is_public=False).exists(), "internal notes too"
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED).count() == 400
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.STATUS_CHANGED).exists()
    assert Attachment.objects.exists() and WorkLog.objects.exists()
    span = tickets.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"] - span["first"] > dt.timedelta(days=2 * 365), "a few years of dates"
    comment_dates = Comment.objects.aggregate(first=Min("created_at"))
    assert comment_dates["first"] < timezone.now() - dt.timedelta(days=365), "dates kept"


@pytest.mark.django_db
def test_seeded_open_tickets_have_running_clocks_the_sweep_finds() -> None:
    call_command("seed", tickets=300, organizations=2, agents=2, stdout=StringIO())
    new = Ticket.objects.filter(status=Status.NEW)
    assert new.exists()
    assert not new.filter(reaction_due_at__isnull=True).exists()
    assert not new.filter(sla_next_check_at__isnull=True).exists()
    assert not Ticket.objects.filter(
        status__in=[Status.CLOSED, Status.WAITING_FOR_CUSTOMER], sla_next_check_at__isnull=False
    ).exists()
    sweep.sweep()
    assert Ticket.objects.filter(sla_state="breached", status=Status.NEW).exists()


@pytest.mark.django_db
def test_it_adds_to_the_same_people_when_run_again() -> None:
    call_command("seed", tickets=10, organizations=2, agents=2, stdout=StringIO())
    call_command("seed", tickets=10, organizations=2, agents=2, stdout=StringIO())
    assert Ticket.objects.count() == 20
    assert User.objects.filter(username__startswith="seed.").count() == 2 + 1 + 2 * 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tickets", "-5"], "from 0 to 10,000,000"),
        (["--tickets", "many"], "not a whole number"),
        (["--tickets", "5", "--organizations", "0"], "from 1 to 100,000"),
        (["--tickets", "5", "--years", "99999999999"], "from 1 to 20; got 99,999,999,999"),
        (["--tickets", "5", "--open-percent", "101"], "from 0 to 100"),
    ],
)
@pytest.mark.django_db
def test_bad_numbers_are_refused_and_nothing_is_written(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("seed", *args, stdout=StringIO())
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [("many", "'many' is not a whole number"), ("-5", "must be from 0 to 10,000,000; got -5")],
)
def test_a_bad_number_on_the_command_line_is_a_message_not_a_traceback(
    value: str, message: str, tmp_path: Path
) -> None:
    env = {**os.environ, "SECONDLINE_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "secondline.cli", "seed", "--tickets", value]
    shown = subprocess.run(command, env=env, capture_output=True, text=True)
    assert shown.returncode == 2
    assert f"secondline seed: error: argument --tickets: {message}" in shown.stderr
    assert "Traceback" not in shown.stderr


@pytest.mark.django_db
def test_history_only_adds_no_open_ticket() -> None:
    call_command("seed", tickets=200, organizations=2, agents=2, open_percent=0, stdout=StringIO())
    assert Ticket.objects.count() == 200
    assert not Ticket.objects.filter(status__in=OPEN_STATUSES).exists()


@pytest.mark.django_db
def test_jobs_inside_a_transaction_write_in_this_process() -> None:
    """Side-by-side processes need their own connections: inside a transaction (this test's),
    or for less than a batch each, the seed writes everything itself: same count, findable."""
    from secondline.search.models import TicketDocument

    call_command("seed", tickets=30, organizations=2, agents=2, jobs=2, stdout=StringIO())
    assert Ticket.objects.count() == 30
    assert TicketDocument.objects.count() == 30
