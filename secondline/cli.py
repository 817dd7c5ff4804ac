"""The `secondline` console command.

`secondline run` serves the product with its worker and scheduler; every other word is a
Django management command (`secondline demo`, `secondline createsuperuser`,
`secondline mail poll`, `secondline sla due ...`).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

USAGE = """usage: secondline COMMAND [ARGS]

  run [--bind HOST:PORT] [--workers N] [--no-worker]
                      serve the product with its background worker and scheduler
  demo                load the demo data (idempotent) and print the demo logins
  seed --tickets N [--organizations M --agents K]   realistic volume in bulk, for benchmarks
  migrate             create or upgrade the database
  createsuperuser     create an administrator
  backup FILE / restore FILE [--force]   the database, attachments and secret key
  erase-contact EMAIL --reason WHY   erase a customer contact's personal data (152-FZ)
  export-organization NAME FILE      an organisation's tickets and contacts as JSON
  mail poll|receive|import ...   the email channel
  sla due ... / calendar show YYYY-MM   SLA and calendar questions
  search reindex      rebuild every ticket's search document
  help                every management command
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0
    if args[0] == "run":
        return run(args[1:])
    if args[:2] == ["help", "run"]:  # not a management command, so Django's help has no page
        return run(["--help"])
    if args[:2] == ["mail", "receive"]:
        return _receive_for_the_mta(args)
    if odd := next((arg for arg in args if _not_text(arg) and not os.path.lexists(arg)), None):
        shown = os.fsencode(odd).decode("utf-8", "backslashreplace")
        print(f"secondline: the argument {shown} is not UTF-8 text", file=sys.stderr)
        return 2
    if error := _configuration_error():
        print(f"secondline {args[0]}: {error}", file=sys.stderr)
        return 1
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    # Commands are Python modules (erase_contact); people type words (erase-contact).
    args[0] = HYPHENATED.get(args[0], args[0])
    try:
        execute_from_command_line(["secondline", *args])
    except DatabaseError as exc:  # unreachable, or not set up: a message, not a traceback
        print(f"secondline {args[0]}: the database refused: {str(exc).strip()}", file=sys.stderr)
        if args[0] != "migrate" and _not_migrated():
            print(
                "Run `secondline migrate` first: the database is not set up for this version.",
                file=sys.stderr,
            )
        return 1
    return 0


def _configuration_error() -> str | None:
    """What is wrong with the settings read from the environment (a mistyped number, a URL
    without its scheme), as the one line the settings say it in; None when they load. A
    traceback would bury the variable's name under lines about Django's own code."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reading one setting loads them all)
    except ImproperlyConfigured as exc:
        return str(exc)
    return None


def _not_migrated() -> bool:
    """Does the database lack this version's tables (a new install, an upgrade)?"""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError:
        return False  # not even that can be asked: the error says why


def _not_text(arg: str) -> bool:
    """True for an argument with bytes that are not UTF-8 (Python keeps them as surrogates,
    which no query or column takes); a path that exists may have such a name."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


HYPHENATED = {"erase-contact": "erase_contact", "export-organization": "export_organization"}


EX_TEMPFAIL = 75


def _receive_for_the_mta(args: list[str]) -> int:
    """An MTA pipe must hear "try again later" (75), never a crash, when we cannot start:
    the message then stays in the MTA's queue instead of bouncing or being lost."""
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["secondline", *args])
    except SystemExit as exit_:
        # A mistyped option in the MTA's configuration (argparse's 2) must not bounce the
        # customer's message either: only success is final.
        return 0 if exit_.code in (0, None) else EX_TEMPFAIL
    except Exception as exc:
        print(f"secondline mail receive: cannot take the message now: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    return 0


def _run_options(args: list[str]) -> argparse.Namespace:
    """``run``'s options; ``--help`` prints them and an unknown or malformed one stops with a
    message (exit 2) before anything starts."""
    parser = argparse.ArgumentParser(
        prog="secondline run",
        description="Serve the product with its background worker and scheduler; Ctrl+C or "
        "SIGTERM stops them together.",
    )
    parser.add_argument(
        "--bind",
        metavar="HOST:PORT",
        default=os.environ.get("SECONDLINE_BIND", "127.0.0.1:8000"),
        help="where the web server listens (default: $SECONDLINE_BIND or 127.0.0.1:8000)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=os.environ.get("WEB_CONCURRENCY", "2"),
        help="web server processes (default: $WEB_CONCURRENCY or 2)",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="the web server only: the worker and the scheduler run elsewhere",
    )
    return parser.parse_args(args)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise argparse.ArgumentTypeError(f"a number of processes, 1 or more: {text!r}")
    return int(text)


def run(args: list[str]) -> int:
    """Start the web server, the worker and the scheduler, and stop them together."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    from secondline.scheduler import scheduler_running

    options = _run_options(args)
    if error := _configuration_error():
        print(f"secondline run: {error}", file=sys.stderr)
        return 1
    django.setup()
    bind, workers, with_worker = options.bind, str(options.workers), not options.no_worker
    os.environ.setdefault("SITE_URL", f"http://{bind}")  # the links the worker's emails carry
    # With REDIS_URL every node runs a beat and the lock in Redis lets one schedule at a time.
    if with_worker and not settings.REDIS_URL and (refusal := scheduler_running(settings.VAR_DIR)):
        print(f"secondline run: {refusal}", file=sys.stderr)
        return 1
    for folder in (settings.VAR_DIR, settings.STATIC_ROOT, settings.MEDIA_ROOT):
        Path(folder).mkdir(parents=True, exist_ok=True)
    for queue_folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(queue_folder, str):
            Path(queue_folder).mkdir(parents=True, exist_ok=True)
    # Warnings of the system checks (a year's missing calendar decree) reach the operator here.
    call_command("migrate", interactive=False, verbosity=0, skip_checks=False)
    commands = parts(settings, bind, workers, with_worker)
    banner = (
        f"\nSecondLine is running on http://{bind}/  (API docs: /api/docs/, back office: /admin/)"
        f"\nOutgoing mail: {_mail_destination(settings)}.  Ctrl+C stops everything.\n"
    )
    return Supervisor(commands, banner).run()


def parts(settings: Any, bind: str, workers: str, with_worker: bool) -> dict[str, list[str]]:
    """The command of each part ``run`` starts. The worker and the scheduler log at
    ``LOG_LEVEL`` (WARNING unless set), as the web process does: failures and retries, not a
    line for every periodic sweep (the notification relay runs every few seconds), and print
    their start-up banners only at INFO or DEBUG."""
    python = sys.executable
    commands = {
        "web server": [
            *(python, "-m", "gunicorn", "secondline.wsgi:application"),
            *("--bind", bind, "--workers", workers, "--access-logfile", "-"),
            *("--graceful-timeout", "5", "--preload"),
            # for threaded workers (GUNICORN_CMD_ARGS): longer than nginx's upstream keepalive,
            # so the peer closes an idle connection, never gunicorn mid-request (production.md)
            *("--keep-alive", "75"),
            # gunicorn's runtime control socket sits in the user's home, one path for every
            # gunicorn of that user: two instances would take it from each other. Unused here.
            "--no-control-socket",
        ],
    }
    if with_worker:
        celery = [python, "-m", "celery", "-A", "secondline"]
        if settings.LOG_LEVEL not in ("DEBUG", "INFO"):
            celery.append("--quiet")  # no start-up banners from the worker and the scheduler
        level = ("--loglevel", settings.LOG_LEVEL)
        commands["worker"] = [*celery, "worker", *level, "--concurrency", "2"]
        commands["scheduler"] = [
            *(*celery, "beat", *level),
            *("--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME),
        ]
    return commands


def _mail_destination(settings: object) -> str:
    backend = str(getattr(settings, "EMAIL_BACKEND", ""))
    if backend.endswith("filebased.EmailBackend"):
        return f"written as files to {getattr(settings, 'EMAIL_FILE_PATH', '')}"
    host, port = getattr(settings, "EMAIL_HOST", ""), getattr(settings, "EMAIL_PORT", "")
    return f"sent through {host}:{port}"


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_this_process() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when this process dies, even by SIGKILL.

    The kernel does it, so nothing has to poll and gunicorn and celery need no wrapper; on
    SIGTERM they stop their own workers. Elsewhere (macOS) there is no such call and a child
    outlives a SIGKILLed ``secondline run``: use a service manager there (docs/production.md).
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child after fork only calls it
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # we died between fork and prctl: nobody would tell the child
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


class Supervisor:
    """Run a few commands together and stop them together.

    Each child leads its own session (``start_new_session``), so its process group holds its
    own workers (gunicorn's, celery's pool) and ``killpg`` reaches them all, while a Ctrl+C in
    the terminal reaches only us and we decide the order. When any child exits without being
    asked, the others are stopped and ``run`` returns 1 naming it; SIGTERM or SIGINT stops
    everyone and returns 0. Stopping is SIGTERM to each child, then after ``grace`` seconds
    SIGKILL to every process left in its group.
    """

    poll_seconds = 0.2
    banner_after = 3.0  # let the worker print its banner first, so the URL is the last thing shown

    def __init__(self, commands: dict[str, list[str]], banner: str = "", grace: float = 10):
        self.commands = commands
        self.banner = banner
        self.grace = grace
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.signals: list[int] = []

    def run(self) -> int:
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            return self._run()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.signals.append(signum)

    def _run(self) -> int:
        preexec = _die_with_this_process()
        try:
            for name, command in self.commands.items():
                if self.signals:
                    break
                self.children[name] = subprocess.Popen(
                    command, start_new_session=True, preexec_fn=preexec
                )
                print(
                    f"secondline run: started the {name} (pid {self.children[name].pid})",
                    flush=True,
                )
            banner_at = time.monotonic() + self.banner_after
            dead = None
            while not self.signals and dead is None:
                time.sleep(self.poll_seconds)
                dead = next((name for name in self.children if self._exited(name)), None)
                if self.banner and time.monotonic() >= banner_at:
                    print(self.banner, flush=True)
                    self.banner = ""
        finally:
            self._stop_all()
        if dead is None:
            print(f"secondline run: stopped on {signal.Signals(self.signals[0]).name}.")
            return 0
        code = self.children[dead].returncode
        how = f"exit code {code}" if code >= 0 else f"signal {signal.Signals(-code).name}"
        print(
            f"secondline run: stopped because the {dead} died ({how}); "
            f"stopped the others: {', '.join(n for n in self.children if n != dead) or 'none'}.",
            file=sys.stderr,
            flush=True,
        )
        return 1

    def _exited(self, name: str) -> bool:
        """Has the child exited? Leaves it unreaped (a zombie), so that its pid, which is its
        process group's id, cannot be reused before ``_stop_all`` has swept the group."""
        pid = self.children[name].pid
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def _stop_all(self) -> None:
        for name, process in self.children.items():
            # A live child stops its own workers; those of a dead one are orphans we stop.
            with contextlib.suppress(ProcessLookupError):
                if self._exited(name):
                    os.killpg(process.pid, signal.SIGTERM)
                else:
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        asked = len(self.signals)
        while time.monotonic() < deadline and len(self.signals) == asked:  # 2nd Ctrl+C: kill
            if all(self._exited(name) for name in self.children):
                break
            time.sleep(self.poll_seconds)
        for process in self.children.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
