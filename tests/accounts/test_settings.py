"""Settings come from the environment with safe defaults; production refuses the dev secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'])"
)


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="secondline.settings")
    return subprocess.run(
        [sys.executable, "-c", CHECK], env=clean, cwd=ROOT, capture_output=True, text=True
    )


def test_production_refuses_to_start_with_the_development_secret(tmp_path: Path) -> None:
    result = _start(SECONDLINE_PRODUCTION="1", SECONDLINE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_its_own_secret_and_database(tmp_path: Path) -> None:
    result = _start(
        SECONDLINE_PRODUCTION="1",
        SECRET_KEY="a-long-random-production-secret-0123456789",
        DATABASE_URL="postgres://secondline@db.example:5432/secondline",
        SECONDLINE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_the_embedded_default_is_a_sqlite_file(tmp_path: Path) -> None:
    result = _start(SECONDLINE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"
