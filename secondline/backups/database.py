"""The database, dumped and loaded by its own tools.

SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent copy while the
web process and the worker keep running. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists --no-owner`` in one transaction; the connection settings
reach them through the environment (PGHOST, PGUSER, PGPASSWORD, ...), never the command line,
where any user of the machine could read them (``ps``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connections

from secondline.backups.archive import BackupError

#: The dump's name in the archive, per database vendor.
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
#: A database holding any of these is in use: restoring over it needs --force. Migrations
#: alone fill other tables (calendars, SLA plans, permissions), never these.
IN_USE_WHEN_ANY = ("accounts.User", "accounts.Organization", "tickets.Ticket")


def dump_name(vendor: str) -> str:
    try:
        return DUMP_NAMES[vendor]
    except KeyError:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.") from None


def row_counts(alias: str) -> dict[str, int]:
    """Rows per table, for every model's table (many-to-many ones too) that exists."""
    existing = set(connections[alias].introspection.table_names())
    return {
        model._meta.db_table: model._base_manager.using(alias).count()
        for model in sorted(apps.get_models(include_auto_created=True), key=_table)
        if not model._meta.proxy and model._meta.db_table in existing
    }


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def is_in_use(alias: str) -> bool:
    """Does the database hold any person, organisation or ticket? (see IN_USE_WHEN_ANY)"""
    existing = set(connections[alias].introspection.table_names())
    models = [apps.get_model(label) for label in IN_USE_WHEN_ANY]
    return any(
        m._base_manager.using(alias).exists() for m in models if m._meta.db_table in existing
    )


def dump(alias: str, target: Path) -> dict[str, int]:
    """Write the database to ``target``; returns the rows per table it holds (see below)."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        if connection.in_atomic_block:
            raise BackupError("Back up outside a transaction.")
        # One read transaction for the counts and the copy, so they agree, while the web
        # process and the worker keep writing (WAL). Not transaction.atomic: Django opens that
        # with BEGIN IMMEDIATE (settings/core.py), and the backup API never finishes a copy from a
        # connection that holds the write lock.
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("BEGIN")
        try:
            counts = row_counts(alias)
            copy = sqlite3.connect(target)
            try:
                raw.backup(copy)
            finally:
                copy.close()
        finally:
            raw.execute("COMMIT")
        return counts
    # pg_dump takes its own snapshot, a moment after the counts: on a running system the dump
    # may hold a few rows more than the manifest says. The checksums are what restore checks.
    counts = row_counts(alias)
    _run("pg_dump", "--format=custom", "--file", str(target), settings=connection.settings_dict)
    return counts


def load(alias: str, dump_file: Path) -> None:
    """Replace the database's contents with the dump's. All or nothing on both vendors."""
    connection = connections[alias]
    settings = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        if str(settings["NAME"]) == ":memory:" or "mode=memory" in str(settings["NAME"]):
            raise BackupError("Cannot restore into an in-memory SQLite database.")
        Path(settings["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(dump_file)
        target = sqlite3.connect(settings["NAME"], timeout=20)
        try:
            source.backup(target)  # copies every page in one step, under an exclusive lock
        finally:
            target.close()
            source.close()
        return
    _run(
        "pg_restore",
        *("--clean", "--if-exists", "--no-owner", "--exit-on-error", "--single-transaction"),
        *("--dbname", settings["NAME"], str(dump_file)),
        settings=settings,
    )


#: DATABASE_URL's parts as libpq's environment variables (the names libpq documents).
PG_ENVIRONMENT = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def pg_environment(settings: dict[str, Any]) -> dict[str, str]:
    """The environment that points pg_dump and pg_restore at the database in ``settings``.

    Like the application's own connection (libpq), whatever DATABASE_URL leaves out may
    still come from PG* variables already in the environment or from ~/.pgpass."""
    environment = dict(os.environ)
    for key, variable in PG_ENVIRONMENT.items():
        if settings.get(key):
            environment[variable] = str(settings[key])
    for key, variable in PG_OPTIONS.items():
        if settings.get("OPTIONS", {}).get(key):
            environment[variable] = str(settings["OPTIONS"][key])
    environment["PGDATABASE"] = str(settings["NAME"])
    return environment


def _run(program: str, *args: str, settings: dict[str, Any]) -> None:
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            f"{program} is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) of the server's version or newer."
        )
    result = subprocess.run(
        [path, *args], env=pg_environment(settings), capture_output=True, text=True
    )
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        reason = next((line for line in lines if "error" in line), lines[0] if lines else "")
        raise BackupError(f"{program} failed (exit code {result.returncode}): {reason}")
