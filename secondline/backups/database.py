"""The database, dumped and loaded by its own tools.

SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent copy while the
web process and the worker keep running. PostgreSQL: ``pg_dump --format=custom``, and
``pg_restore`` writing SQL into ``psql`` in one transaction that first drops every table of
the schema (see load); the connection settings reach them through the environment (PGHOST,
PGUSER, PGPASSWORD, ...), never the command line, where any user of the machine could read
them (``ps``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable
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
    _pg_load(dump_file, settings)


#: Run before the dump's SQL, in its transaction: drops every table and view of the schema
#: public (with their sequences; --clean drops the dump's other ones). ``pg_restore --clean``
#: drops only the dump's own objects, and cannot drop those a newer release's tables point
#: at (an older archive restored into a migrated database, or back over a failed upgrade);
#: what is dropped here is what the restore replaces anyway. Not DROP SCHEMA public: before
#: PostgreSQL 15 its owner is usually not our user.
PG_DROP_TABLES = """
DO $secondline$
DECLARE relation record;
BEGIN
  FOR relation IN
    SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE', CASE relation.kind
      WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
      ELSE 'TABLE' END, relation.name);
  END LOOP;
END
$secondline$;
"""


PG_RESTORE_OPTIONS = ("--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error")


def _pg_load(dump_file: Path, settings: dict[str, Any]) -> None:
    """Replace the database's tables with the dump's, all or nothing.

    ``pg_restore`` writes the dump as SQL into ``psql``, after BEGIN and PG_DROP_TABLES;
    COMMIT is sent only once pg_restore has written all of it, so a failure on either side
    (psql stops at the first error) ends the session with the transaction rolled back.
    ``--clean --if-exists`` still drops the dump's other objects (functions, types);
    ``--no-owner`` and ``--no-privileges``: the new server need not have the old one's roles.
    """
    psql, pg_restore = _program("psql"), _program("pg_restore")
    environment = pg_environment(settings)
    # psql's messages go to a file, not a pipe: a pipe nobody reads while pg_restore writes
    # would fill and stop both
    with (
        tempfile.TemporaryFile() as messages,
        subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--output", os.devnull],
            stdin=subprocess.PIPE,
            stderr=messages,
            env=environment,
        ) as loader,
    ):
        assert loader.stdin is not None
        prefix = f"SET client_min_messages = warning;\nBEGIN;\n{PG_DROP_TABLES}\n"
        loader.stdin.write(prefix.encode())
        loader.stdin.flush()
        dumped = subprocess.run(
            [pg_restore, *PG_RESTORE_OPTIONS, "--file", "-", str(dump_file)],
            stdout=loader.stdin,
            stderr=subprocess.PIPE,
            env=environment,
            check=False,
        )
        try:
            if dumped.returncode == 0:
                loader.stdin.write(b"COMMIT;\n")
            loader.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: its message says which
            pass
        loader.wait()
        messages.seek(0)
        errors = messages.read().decode(errors="replace")
    if loader.returncode != 0:
        raise BackupError(f"psql failed (exit code {loader.returncode}): {_reason(errors)}")
    if dumped.returncode != 0:
        reason = _reason(dumped.stderr.decode(errors="replace"))
        raise BackupError(f"pg_restore failed (exit code {dumped.returncode}): {reason}")


def archived_migrations(alias: str, dump_file: Path) -> set[tuple[str, str]]:
    """The migrations (app, name) the dump's django_migrations table records as applied."""
    if connections[alias].vendor == "sqlite":
        dump = sqlite3.connect(dump_file)
        try:
            tables = dump.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if "django_migrations" not in {name for (name,) in tables}:
                return set()
            return set(dump.execute("SELECT app, name FROM django_migrations"))
        except sqlite3.DatabaseError as exc:
            raise BackupError(
                f"The archive's database dump is not a SQLite database ({exc})."
            ) from None
        finally:
            dump.close()
    contents = _run(
        "pg_restore",
        *("--data-only", "--table", "django_migrations", "--file", "-", str(dump_file)),
        settings=connections[alias].settings_dict,
    )
    return {(app, name) for app, name in _copied_rows(contents, ("app", "name"))}


def _copied_rows(script: str, columns: Iterable[str]) -> Iterable[tuple[str, ...]]:
    """The ``columns`` of the rows in a SQL script's ``COPY ... FROM stdin`` block (the text
    format: tab-separated, ending with ``\\.``; names of migrations need no unescaping)."""
    rows = iter(script.splitlines())
    for line in rows:
        if match := PG_COPY.match(line):
            names = [name.strip().strip('"') for name in match["columns"].split(",")]
            wanted = [names.index(column) for column in columns]
            for row in rows:
                if row == "\\.":
                    return
                values = row.split("\t")
                yield tuple(values[index] for index in wanted)


PG_COPY = re.compile(r"COPY \S+ \((?P<columns>[^)]*)\) FROM stdin;")


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


def _program(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            f"{program} is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) of the server's version or newer."
        )
    return path


def _reason(stderr: str) -> str:
    """The line of a client tool's stderr that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")


def _run(program: str, *args: str, settings: dict[str, Any]) -> str:
    """Run a PostgreSQL client tool; returns what it wrote on stdout."""
    result = subprocess.run(
        [_program(program), *args], env=pg_environment(settings), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BackupError(
            f"{program} failed (exit code {result.returncode}): {_reason(result.stderr)}"
        )
    return result.stdout
