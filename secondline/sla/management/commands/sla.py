"""`secondline sla due --at 2026-12-31T18:30+03:00 --type incident --priority high`"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from secondline.sla import clock, commands, wording
from secondline.sla.explain import explain
from secondline.tickets import rules
from secondline.tickets.choices import Priority, TicketType


class Command(BaseCommand):
    help = "SLA questions: `sla due` prints a reaction deadline and how it was counted."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        due = actions.add_parser("due", help="the reaction deadline of a ticket filed at --at")
        due.add_argument("--at", required=True, help="when filed, e.g. 2026-12-31T18:30+03:00")
        due.add_argument("--type", required=True, help=", ".join(TicketType.values))
        due.add_argument("--priority", default="", help=", ".join(Priority.values))
        due.add_argument("--contract", help="a contract's id or number (default plan otherwise)")
        due.add_argument("--language", default="en", choices=["en", "ru"])

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self.due(options)

    def due(self, options: dict[str, Any]) -> None:
        at = commands.aware_moment(options["at"])
        ticket_type, requested = options["type"], options["priority"]
        if ticket_type not in TicketType.values:
            raise CommandError(
                f"unknown ticket type {ticket_type!r}; use one of: {', '.join(TicketType.values)}"
            )
        if requested and requested not in Priority.values:
            raise CommandError(
                f"unknown priority {requested!r}; use one of: {', '.join(Priority.values)}"
            )
        row, calendar, plan = commands.calendar_and_plan(options["contract"])
        priority, overridden = rules.effective_priority(
            ticket_type, requested, plan.default_priority_for(ticket_type)
        )
        target = plan.target_for(ticket_type, priority)
        kind = f"{TicketType(ticket_type).label}, {Priority(priority).label}"
        if overridden:
            self.stdout.write(
                f"Only incidents carry the customer's priority: a {ticket_type} gets {priority}."
            )
        if target is None:
            raise CommandError(f"the plan {plan.name!r} sets no reaction target for {kind}")
        budget = dt.timedelta(minutes=target.reaction_minutes)
        spans: list[clock.Span] = [(at, None)]
        due = clock.deadline(calendar, budget, spans, at)
        self.stdout.write(
            f"{kind}: reaction within {wording.duration_label(budget)} of business time "
            f"(plan {plan.name}, calendar {row.name})"
        )
        self.stdout.write(f"Due: {due.isoformat()} ({wording.moment_label(due, zone=True)})")
        self.stdout.write(wording.sentence(explain(calendar, spans, due)))
        if target.resolution_minutes is not None:
            resolution = calendar.add(at, dt.timedelta(minutes=target.resolution_minutes))
            self.stdout.write(f"Resolution due: {resolution.isoformat()}")
