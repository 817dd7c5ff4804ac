from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from secondline.demo.seed import SEED_PASSWORD, seed


def _count(minimum: int, maximum: int) -> Any:
    """An argparse type: a refusal names the option and exits 2 on the command line (a
    CommandError here would escape argparse as a traceback), a CommandError from call_command."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be from {minimum} to {maximum:,}; got {value:,}"
            )
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Fill the database with realistic volume for benchmarks and evaluation: tickets over "
        "a few years with conversations, history, attachment rows and work logs (bulk writes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=_count(0, 10_000_000), required=True)
        parser.add_argument("--organizations", type=_count(1, 100_000), default=20)
        parser.add_argument("--agents", type=_count(1, 10_000), default=10)
        parser.add_argument("--years", type=_count(1, 20), default=3, help="spread of filing dates")
        parser.add_argument("--random-seed", type=int, default=1)
        parser.add_argument(
            "--open-percent",
            type=_count(0, 100),
            default=8,
            help="share of the tickets still open (0: history only, e.g. to grow a database)",
        )
        parser.add_argument(
            "--jobs",
            type=_count(1, 64),
            default=1,
            help="processes writing side by side (e.g. the number of cores)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            report = seed(
                options["tickets"],
                options["organizations"],
                options["agents"],
                years=options["years"],
                random_seed=options["random_seed"],
                progress=options["verbosity"] > 1,
                open_share=min(options["open_percent"], 100) / 100,
                jobs=options["jobs"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Seeded {report.tickets} tickets, {report.comments} comments, {report.events} "
            f"events, {report.attachments} attachment rows, {report.worklogs} work logs for "
            f"{report.organizations} organisations and {report.agents} agents in {seconds:.1f} s."
        )
        self.stdout.write(f"Sign in as seed.agent0 or seed.c0.0 (password {SEED_PASSWORD}).")
