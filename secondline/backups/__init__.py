"""Backups that restore: `secondline backup FILE`, `secondline restore FILE` (docs/production.md).

One ``.tar.gz`` holds the database, dumped by its own tools (archive.py says what else);
services.py runs the two verbs, database.py speaks to SQLite and PostgreSQL.
"""
