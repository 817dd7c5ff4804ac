"""The long schemathesis run (outside CI): every operation of the live schema, with a customer's
and a manager's token, until each role has made at least ``--requests`` requests; any 5xx is a
failure. CI runs the bounded version, ``tests/api/test_schemathesis.py``.

It loads the demo data into a fresh database: a temporary SQLite file by default, or the
PostgreSQL database in ``DATABASE_URL`` (a new, empty one: the run leaves its rows there). The
schema is read from the running application (``/api/schema/``); requests go through its WSGI
handler, in this process.

    .venv/bin/python bench/schemathesis_run.py --requests 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sl_bench .venv/bin/python \\
        bench/schemathesis_run.py --requests 10000

Ends with one line per role: ``role=customer requests=10012 server_errors=0 ...`` and a line
per kind of 5xx (operation and status, with one request to reproduce it) if there was one.
A run of 10,000 requests a role takes about 15-25 minutes a role on 2 busy cores.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare_environment() -> str:
    var_dir = tempfile.mkdtemp(prefix="secondline-schemathesis-")
    os.environ.setdefault("SECONDLINE_VAR_DIR", var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    # Thousands of wrong passwords from one address must not lock the bench out of the schema.
    os.environ.setdefault("LOGIN_ADDRESS_FAILURE_LIMIT", "100000000")
    os.environ.setdefault("LOGIN_FAILURE_LIMIT", "100000000")
    return os.environ.get("DATABASE_URL", "sqlite (temporary)")


def load_data() -> dict[str, Any]:
    from django.core.management import call_command

    from secondline.accounts.models import User

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)
    customer = User.objects.filter(role=User.Role.CUSTOMER_RESPONSIBLE, is_active=True).first()
    manager = User.objects.filter(role=User.Role.MANAGER, is_active=True).first()
    assert customer and manager, "the demo data has no customer or no manager"
    return {"customer": customer, "manager": manager}


class Credentials:
    """The role's token, issued again whenever a request was a 401: the fuzzer revokes its own
    token now and then (``DELETE /api/auth/tokens/{id}/`` with a small id), and every later
    request would test nothing but the authentication."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.reissued = 0
        self.headers: dict[str, str] = {}
        self.renew()

    def renew(self) -> None:
        from secondline.accounts.tokens import issue_token

        self.headers = {"Authorization": f"Token {issue_token(self.user)[1]}"}


def run_role(schema: Any, user: Any, target: int) -> tuple[int, list[tuple[str, str]], int]:
    """Requests made and the 5xx seen, going round the operations until ``target``."""
    from schemathesis import GenerationMode

    operations = [result.ok() for result in schema.get_all_operations()]
    credentials = Credentials(user)
    made = 0
    errors: list[tuple[str, str]] = []
    round_ = 0
    while made < target:
        # Some operations have few distinct inputs: later rounds only top up what is missing.
        per_round = max(3, (target - made) * 11 // (10 * 2 * len(operations)) + 1)
        for operation in operations:
            for mode in GenerationMode:
                calls = _fuzz(operation, mode, credentials, per_round, errors)
                made += calls
        round_ += 1
        print(f"  round {round_}: {made} requests, {len(errors)} server errors", flush=True)
    return made, errors, credentials.reissued


def _fuzz(
    operation: Any, mode: Any, credentials: Credentials, examples: int, errors: list[Any]
) -> int:
    """Up to ``examples`` requests to one operation; how many were made."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable

    calls: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        response = case.call(headers=credentials.headers)
        calls.append(response.status_code)
        if response.status_code == 401:
            credentials.renew()
            credentials.reissued += 1
        if response.status_code >= 500:
            errors.append(_describe(case, response))

    # Unsatisfiable: e.g. no invalid input exists for an operation without parameters.
    with contextlib.suppress(Unsatisfiable):
        fuzz()
    return len(calls)


def _describe(case: Any, response: Any) -> tuple[str, str]:
    """The operation and status (to count), and this request (one example to reproduce)."""
    body = repr(getattr(case, "body", None))[:300]
    example = f"{case.method} {case.formatted_path} query={case.query!r} body={body}"
    return f"{case.operation.label} {response.status_code}", example


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="at least this many a role")
    parser.add_argument("--roles", default="customer,manager")
    args = parser.parse_args()
    database = prepare_environment()

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # 404s and 400s are expected
    import schemathesis

    from secondline.wsgi import application

    people = load_data()
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failed = False
    for role in args.roles.split(","):
        started = time.monotonic()
        print(f"{role} on {database}", flush=True)
        made, errors, reissued = run_role(schema, people[role], args.requests)
        seconds = time.monotonic() - started
        print(
            f"role={role} requests={made} server_errors={len(errors)} "
            f"tokens_reissued={reissued} seconds={seconds:.0f}",
            flush=True,
        )
        examples = dict(reversed(errors))  # the first example of each
        for kind, count in Counter(kind for kind, _ in errors).most_common():
            print(f"  {count} x {kind}  e.g. {examples[kind]}")
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
