"""The `secondline` console command.

`secondline run` serves the product with its worker and scheduler; every other word is a
Django management command (`secondline demo`, `secondline createsuperuser`,
`secondline mail poll`, `secondline sla due ...`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

USAGE = """usage: secondline COMMAND [ARGS]

  run [--bind HOST:PORT] [--workers N] [--no-worker]
                      serve the product with its background worker and scheduler
  demo                load the demo data (idempotent) and print the demo logins
  migrate             create or upgrade the database
  createsuperuser     create an administrator
  mail poll|receive|import ...   the email channel
  sla due ... / calendar show YYYY-MM   SLA and calendar questions
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
    if args[:2] == ["mail", "receive"]:
        return _receive_for_the_mta(args)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["secondline", *args])
    return 0


EX_TEMPFAIL = 75


def _receive_for_the_mta(args: list[str]) -> int:
    """An MTA pipe must hear "try again later" (75), never a crash, when we cannot start:
    the message then stays in the MTA's queue instead of bouncing or being lost."""
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["secondline", *args])
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EX_TEMPFAIL
    except Exception as exc:
        print(f"secondline mail receive: cannot take the message now: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    return 0


def _option(args: list[str], name: str, default: str) -> str:
    if name in args:
        index = args.index(name)
        if index + 1 < len(args):
            return args[index + 1]
    return default


def run(args: list[str]) -> int:
    """Start the web server, the worker and the scheduler, and stop them together."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    bind = _option(args, "--bind", os.environ.get("SECONDLINE_BIND", "127.0.0.1:8000"))
    workers = _option(args, "--workers", os.environ.get("WEB_CONCURRENCY", "2"))
    for folder in (settings.VAR_DIR, settings.STATIC_ROOT, settings.MEDIA_ROOT):
        Path(folder).mkdir(parents=True, exist_ok=True)
    for queue_folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(queue_folder, str):
            Path(queue_folder).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    python = sys.executable
    processes = [
        subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "secondline.wsgi:application",
                "--bind",
                bind,
                "--workers",
                workers,
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
                "--preload",
            ]
        )
    ]
    if "--no-worker" not in args:
        processes.append(
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "secondline",
                    "worker",
                    "--beat",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "--schedule",
                    settings.CELERY_BEAT_SCHEDULE_FILENAME,
                ]
            )
        )
    time.sleep(3)  # let the worker print its banner first, so the URL is the last thing shown
    print(
        f"\nSecondLine is running on http://{bind}/  (API docs: /api/docs/, back office: /admin/)"
        f"\nOutgoing mail: {_mail_destination(settings)}.  Ctrl+C stops everything.\n",
        flush=True,
    )
    return _supervise(processes)


def _mail_destination(settings: object) -> str:
    backend = str(getattr(settings, "EMAIL_BACKEND", ""))
    if backend.endswith("filebased.EmailBackend"):
        return f"written as files to {getattr(settings, 'EMAIL_FILE_PATH', '')}"
    host, port = getattr(settings, "EMAIL_HOST", ""), getattr(settings, "EMAIL_PORT", "")
    return f"sent through {host}:{port}"


def _supervise(processes: list[subprocess.Popen[bytes]]) -> int:
    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    return max((process.returncode or 0) for process in processes)


if __name__ == "__main__":
    raise SystemExit(main())
