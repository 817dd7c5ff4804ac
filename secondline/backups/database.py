"""The database, dumped and loaded by its own tools.

SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent copy while the
web process and the worker keep running. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists --no-owner`` in one transaction; the connection settings
reach them through the environment (PGHOST, PGUSER, PGPASSWORD, ...), never the command line,
where any user of the machine could read them (``ps``).
"""

from __future__ import annotations

import os
import re
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


def dump_mismatches(alias: str, dump_file: Path, tables: dict[str, int]) -> list[str]:
    """How the dump differs from the manifest's ``tables`` (rows per table), before loading it.

    SQLite: every listed table is there with the rows the manifest counted (the counts and the
    copy come from one snapshot, see dump). PostgreSQL: every listed table has its data in the
    dump; its rows cannot be counted without restoring it, and pg_dump's snapshot comes a
    moment after the counts anyway.
    """
    if connections[alias].vendor == "sqlite":
        found: dict[str, int | None] = _sqlite_rows(dump_file, tables)
    else:
        found = dict.fromkeys(_pg_tables(dump_file, connections[alias].settings_dict))
    mismatches = []
    for table, rows in sorted(tables.items()):
        if table not in found:
            mismatches.append(f"{table} is missing")
        elif found[table] is not None and found[table] != rows:
            mismatches.append(f"{table} has {found[table]} rows, the manifest counted {rows}")
    return mismatches


def _sqlite_rows(dump_file: Path, tables: dict[str, int]) -> dict[str, int | None]:
    """Rows per table in the SQLite file ``dump_file``, for those of ``tables`` it holds."""
    dump = sqlite3.connect(dump_file)
    try:
        listed = dump.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        present = {name for (name,) in listed}
        return {
            table: dump.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0]
            for table in tables
            if table in present
        }
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"The archive's database dump is not a SQLite database ({exc})."
        ) from None
    finally:
        dump.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: The line of ``pg_restore --list`` that names a table's data, e.g.
#: ``3347; 0 29201 TABLE DATA public accounts_user secondline`` (schema, table, owner).
PG_TABLE_DATA = re.compile(r"\d+; \d+ \d+ TABLE DATA \S+ (?P<table>.+) \S+")


def _pg_tables(dump_file: Path, settings: dict[str, Any]) -> set[str]:
    """The tables whose data ``dump_file`` holds, from pg_restore's table of contents."""
    contents = _run("pg_restore", "--list", str(dump_file), settings=settings)
    lines = (PG_TABLE_DATA.fullmatch(line) for line in contents.splitlines())
    return {line["table"] for line in lines if line}


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


def _run(program: str, *args: str, settings: dict[str, Any]) -> str:
    """Run a PostgreSQL client tool; returns what it wrote on stdout."""
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
    return result.stdout
