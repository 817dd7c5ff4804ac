"""How long the act of work completed (PDF) of a 500-line statement takes to render.

    .venv/bin/python bench/act_bench.py [--lines 500] [--database secondline_bench_act]

Builds a month of work logs as ``statement_bench.py`` does, generates and approves the
statement, then renders the act once per language. Ends with one line:
``act lines=… pages=… seconds_ru=… cpu_ru=… seconds_en=… cpu_en=…``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.statement_bench import _create_database, _month_of_work  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--database", default="secondline_bench_act")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    _create_database(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from pypdf import PdfReader

    from secondline.billing import acts, statements
    from secondline.billing.models import Statement

    call_command("migrate", verbosity=0)
    # a ticket per log: a line per ticket, day and activity, so as many lines as logs
    contract, manager = _month_of_work(args.lines, tickets_count=args.lines)
    statement = statements.generate_statement(contract, dt.date(2024, 11, 1), manager)
    Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.APPROVED)
    statement.refresh_from_db()
    acts.act_pdf(statement, "en")  # warm up: fonts, templates
    timings = {}
    for language in ("ru", "en"):
        began, cpu = time.perf_counter(), time.process_time()
        pdf = acts.act_pdf(statement, language)
        timings[language] = (time.perf_counter() - began, time.process_time() - cpu)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    # CPU seconds too: on a shared, loaded machine the wall clock mostly measures the others
    print(
        f"act lines={statement.lines.count()} pages={pages} "
        f"seconds_ru={timings['ru'][0]:.2f} cpu_ru={timings['ru'][1]:.2f} "
        f"seconds_en={timings['en'][0]:.2f} cpu_en={timings['en'][1]:.2f}"
    )


if __name__ == "__main__":
    main()
