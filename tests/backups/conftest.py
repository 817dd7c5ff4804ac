"""The folders and the second database the backup tests restore into."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from conftest import need_service

KEY = "k" * 64


@pytest.fixture
def folders(tmp_path: Path, settings: Any) -> Path:
    """This process's MEDIA_ROOT and VAR_DIR (with a generated key, the key in force) under
    tmp_path/source."""
    settings.MEDIA_ROOT = tmp_path / "source" / "media"
    settings.VAR_DIR = tmp_path / "source" / "var"
    settings.VAR_DIR.mkdir(parents=True)
    (settings.VAR_DIR / "secret_key").write_text(KEY)
    settings.SECRET_KEY = KEY
    return tmp_path


@pytest.fixture
def second_postgresql_database() -> Any:
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")
    settings = connection.settings_dict
    name = f"{settings['NAME']}_restored"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    user = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    yield f"postgres://{user}@{settings['HOST']}:{settings['PORT'] or 5432}/{name}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
