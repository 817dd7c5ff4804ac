"""Settings come from the environment with safe defaults; no secret is ever published."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from secondline.environment import MIN_SECRET_KEY_LENGTH, load_or_create_secret_key

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['ENGINE'])"
)
# The test run's own variables, which a real start does not have: the browser tests set
# DJANGO_ALLOW_ASYNC_UNSAFE in this process (tests/portal/conftest.py).
NOT_INHERITED = {"SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
KEY = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def _start(code: str = CHECK, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    clean.update(env, DJANGO_SETTINGS_MODULE="secondline.settings")
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, cwd=ROOT, capture_output=True, text=True
    )


def _secret_key_of_a_start(var_dir: Path, **env: str) -> str:
    result = _start(KEY, SECONDLINE_VAR_DIR=str(var_dir), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _start(SECONDLINE_PRODUCTION="1", SECONDLINE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()


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


def test_the_first_start_generates_a_private_secret_key_and_later_starts_reuse_it(
    tmp_path: Path,
) -> None:
    first = _secret_key_of_a_start(tmp_path)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first
    assert len(first) >= MIN_SECRET_KEY_LENGTH
    assert len(set(first)) >= 20  # random, not a repeated character
    assert _secret_key_of_a_start(tmp_path) == first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []


def test_two_fresh_data_folders_get_different_keys(tmp_path: Path) -> None:
    assert _secret_key_of_a_start(tmp_path / "a") != _secret_key_of_a_start(tmp_path / "b")


def test_the_environment_wins_over_the_generated_key(tmp_path: Path) -> None:
    generated = _secret_key_of_a_start(tmp_path)
    from_env = "an-operator-chosen-secret-" + "x" * 40
    assert _secret_key_of_a_start(tmp_path, SECRET_KEY=from_env) == from_env
    assert (tmp_path / "secret_key").read_text().strip() == generated


def test_processes_starting_at_once_share_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret_key(tmp_path / "secret_key"), range(8)))
    assert len(keys) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(ImproperlyConfigured, match="shorter than"):
        load_or_create_secret_key(tmp_path / "secret_key")


# The production environment docs/production.md documents (behind a TLS-terminating proxy).
PRODUCTION_ENVIRONMENT = {
    "SECONDLINE_PRODUCTION": "1",
    "SECRET_KEY": "Zq8vN1xK3rT6yB0wE5uH2jM9pL4cF7gA-sD1kV8nQ3tR6yW0eU5iO2pL9zX4cB7m",
    "ALLOWED_HOSTS": "support.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://support.example.com",
    "SITE_URL": "https://support.example.com",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def _manage(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    clean.update(env, SECONDLINE_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="secondline.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=clean, cwd=ROOT, capture_output=True, text=True
    )


def test_the_documented_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    result = _manage(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENVIRONMENT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_the_safe_ones(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, "
        "s.SESSION_COOKIE_AGE)"
    )
    result = _start(code, SECONDLINE_VAR_DIR=str(tmp_path), **PRODUCTION_ENVIRONMENT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 5)[:5] == ["True", "True", "True", "31536000", "True"]
    assert "('HTTP_X_FORWARDED_PROTO', 'https') 28800" in result.stdout


def test_the_embedded_default_serves_plain_http(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    result = _start(code, SECONDLINE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "0"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECURE_SSL_REDIRECT", "ture", "SECURE_SSL_REDIRECT must be 1 or 0"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "must be the name of a header"),
    ],
)
def test_a_mistyped_setting_is_a_clear_error(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    result = _start(SECONDLINE_VAR_DIR=str(tmp_path), **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


SITE = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"SECONDLINE_BIND": "127.0.0.1:8765"}, "http://127.0.0.1:8765"),
        (
            {"SECONDLINE_BIND": "127.0.0.1:8765", "SITE_URL": "https://support.example.com/"},
            "https://support.example.com",
        ),
    ],
)
def test_links_in_emails_point_where_the_product_is_served(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    clean = {"SECONDLINE_VAR_DIR": str(tmp_path), "SECONDLINE_BIND": "", "SITE_URL": ""}
    result = _start(SITE, **{**clean, **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
