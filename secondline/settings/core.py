"""The settings every process needs first: where its files are, its key, its hosts, the
apps and middleware, the templates, the database and the languages."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from secondline.environment import envbool, envint, envlist, load_or_create_secret_key

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[1]  # the secondline package
VAR_DIR = Path(os.environ.get("SECONDLINE_VAR_DIR", BASE_DIR.parent / "var")).resolve()


DEBUG = envbool("DEBUG", False)
PRODUCTION = envbool("SECONDLINE_PRODUCTION", False)
# No key is ever published in the source: without SECRET_KEY, the first start generates one
# into the data folder. Production may run its processes on several machines, so there it
# must come from the environment, the same everywhere.
if os.environ.get("SECRET_KEY", "").strip():
    SECRET_KEY = os.environ["SECRET_KEY"].strip()
elif PRODUCTION:
    raise ImproperlyConfigured(
        "SECONDLINE_PRODUCTION is set but SECRET_KEY is not. "
        "Set SECRET_KEY to a long random value, the same for every process."
    )
else:
    SECRET_KEY = load_or_create_secret_key(VAR_DIR / "secret_key")
# Earlier keys, comma-separated, still accepted while SECRET_KEY is changed (Django's own
# signatures and sessions, and the mailbox secrets' derived keys).
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist(
    "CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
)
# the links in emails: the public URL in production, else where `secondline run` serves
_SERVED_AT = os.environ.get("SECONDLINE_BIND") or "127.0.0.1:8000"
SITE_URL = (os.environ.get("SITE_URL") or f"http://{_SERVED_AT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    # before django.contrib.auth: its createsuperuser checks the password (accounts/management)
    "secondline.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "secondline.sla",
    "secondline.tickets",
    "secondline.search",
    "secondline.replies",
    "secondline.mail",
    "secondline.billing",
    "secondline.releases",
    # after mail: its listeners see the emails mail has already queued for a change
    "secondline.subscriptions",
    "secondline.portal",
    "secondline.api",
    "secondline.demo",
    "secondline.backups",
    "django_prometheus",
    "secondline.monitoring",
    "secondline.privacy",
]

MIDDLEWARE = [
    # first and (nearly) last: request latency and counts for /metrics (secondline.monitoring)
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # /healthz, /readyz and /metrics, answered before anything reads the Host header: a probe
    # or a scrape addresses the node (10.0.0.5:8000), not a name in ALLOWED_HOSTS
    "secondline.monitoring.middleware.ProbeMiddleware",
    "secondline.mail.middleware.NotifyAfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "secondline.common.csp.SitePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "secondline.accounts.second_factor.SecondFactorMiddleware",
    "secondline.accounts.middleware.PrivatePagesMiddleware",
    "secondline.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # last, as django-axes asks: it turns a lockout into the answer (accounts/lockout.py)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "secondline.urls"
WSGI_APPLICATION = "secondline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "secondline.portal.context.support_contacts",
                "secondline.portal.context.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'secondline.sqlite3'}")
_DB_CONN_MAX_AGE = envint("DB_CONN_MAX_AGE", 60)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=_DB_CONN_MAX_AGE)}
except ValueError as exc:  # its unknown scheme or unquoted part, never the URL (a password)
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a database URL, e.g. postgres://secondline@db:5432/secondline "
        f"or sqlite:////srv/secondline/secondline.sqlite3; {str(exc).split('. ')[0].rstrip('.')}."
    ) from None
if DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis")):
    # A server that accepts the connection and never answers must not hold a web thread (or
    # a /readyz check) for ever; a ?connect_timeout= in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker read while the other writes. Temporary tables
    # and statement journals (the importer's savepoint per message) in memory rather than temp
    # files, pages read through a memory map, and a 32 MB page cache per connection: a few per
    # cent off a filing, about a tenth off an email import (docs/benchmarks.md, "SQLite's own
    # settings").
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
            "PRAGMA mmap_size=134217728; PRAGMA cache_size=-32000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# The checks this configuration answers for; other settings modules add theirs to this list.
SILENCED_SYSTEM_CHECKS: list[str] = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The dashboard's covering index (tickets.Ticket, "ticket_created_sla") includes its columns
    # on PostgreSQL only; SQLite builds it on its key, and needs no warning every command.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["secondline.formats"]  # 24-hour English dates (formats/en/formats.py)
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
