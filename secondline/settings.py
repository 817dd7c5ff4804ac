"""SecondLine settings: one module, read from environment variables with safe defaults.

The embedded default (no variables set) runs on a SQLite file and a Celery worker that
uses the filesystem as its broker, so one command runs the whole product. Production sets
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis or RabbitMQ).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from secondline.environment import envbool, envint, envlist, load_or_create_secret_key

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
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
# Mailbox passwords and OAuth2 tokens are stored encrypted (docs/security.md, "Mailbox
# secrets"): with Fernet keys given here (comma-separated, the first encrypts, all decrypt),
# or else with a key derived from SECRET_KEY (and SECRET_KEY_FALLBACKS to decrypt).
MAIL_ENCRYPTION_KEYS = envlist("MAIL_ENCRYPTION_KEYS", "")
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
    "secondline.mail.middleware.NotifyAfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
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
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
}
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
# Sign-in lockout (django-axes, docs/security.md#accounts): every sign-in (portal, back office,
# API token) asks axes first. One account from one address is locked after
# LOGIN_FAILURE_LIMIT failures, one address for every account after LOGIN_ADDRESS_FAILURE_LIMIT,
# both for LOGIN_COOLOFF_MINUTES after the last failure.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
# The order matters: accounts.lockout.LoginLockoutHandler reads the combination first.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_HANDLER = "secondline.accounts.lockout.LoginLockoutHandler"
AXES_LOCKOUT_CALLABLE = "secondline.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "secondline.accounts.lockout.client_address"
# Behind a reverse proxy every request comes from the proxy's address: name the header in which
# the proxy puts the client's (and overwrites any the client sent), e.g. X-Real-IP.
LOGIN_CLIENT_ADDRESS_HEADER = os.environ.get("LOGIN_CLIENT_ADDRESS_HEADER", "").strip()
# No start-up banner from axes in every process's log (failures are still logged, masked).
AXES_VERBOSE = False
# Password reset (accounts/forms.py): at most this many emails per address per hour.
PASSWORD_RESET_EMAILS_PER_HOUR = envint("PASSWORD_RESET_EMAILS_PER_HOUR", 3)
# API tokens (accounts/tokens.py): a token stops working this many days after it was issued.
API_TOKEN_TTL_DAYS = envint("API_TOKEN_TTL_DAYS", 30)
# The second factor (accounts/second_factor.py): the contractor's staff must set up an
# authenticator app and give its code after the password; on by default in production only,
# so a trial run and the demo sign in with a password alone.
STAFF_REQUIRE_2FA = envbool("STAFF_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "SecondLine")

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

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Files in S3-compatible object storage (docs/production.md#more-than-one-machine) ---------
# With STORAGE_BUCKET set, attachments go to that bucket through django-storages instead of
# MEDIA_ROOT, so every web node and worker sees the same files. STORAGE_URL is the endpoint of
# a server other than AWS (MinIO, Ceph, a cloud's S3); downloads still stream through the
# portal's and the API's views, which check access first: nothing is public in the bucket.
STORAGE_BUCKET = os.environ.get("STORAGE_BUCKET", "").strip()
if STORAGE_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_BUCKET,
            "endpoint_url": os.environ.get("STORAGE_URL", "").strip() or None,
            "access_key": os.environ.get("STORAGE_ACCESS_KEY", "").strip() or None,
            "secret_key": os.environ.get("STORAGE_SECRET_KEY", "").strip() or None,
            "region_name": os.environ.get("STORAGE_REGION", "").strip() or None,
            "location": os.environ.get("STORAGE_PREFIX", "").strip(),
            "default_acl": None,
            "file_overwrite": False,
        },
    }
# --- end of object storage -------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = envint("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
# Hosts urgent-alert webhooks may reach although they are not public (an SMS gateway on the
# local network, an egress proxy): comma-separated names or addresses, exact match.
ALERT_WEBHOOK_ALLOWED_HOSTS = envlist("ALERT_WEBHOOK_ALLOWED_HOSTS", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email
# With no SMTP server configured (the embedded default), outgoing mail is written as .eml
# files under var/sent-mail/ so a trial run loses nothing and needs no mail server.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "sent-mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "support@secondline.example")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"SecondLine Support <{SUPPORT_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_PHONE = os.environ.get("SUPPORT_PHONE", "+7 495 000-00-00")
MAIL_DOMAIN = os.environ.get("MAIL_DOMAIN", SUPPORT_EMAIL.rpartition("@")[2])
# Email intake (docs/email.md): how often mailboxes are polled, the per-sender loop guard.
MAIL_POLL_SECONDS = envint("MAIL_POLL_SECONDS", 60)
MAIL_SENDER_RATE_LIMIT = envint("MAIL_SENDER_RATE_LIMIT", 20)
MAIL_SENDER_RATE_WINDOW = envint("MAIL_SENDER_RATE_WINDOW", 600)
MAIL_DEFAULT_TICKET_TYPE = os.environ.get("MAIL_DEFAULT_TICKET_TYPE", "consultation")
# Inbound mail limits (docs/email.md, docs/security.md): a bigger message is quarantined with
# only its beginning kept; parts past the count stay in the stored raw message.
MAIL_MAX_MESSAGE_BYTES = envint("MAIL_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
MAIL_OVERSIZE_KEEP_BYTES = envint("MAIL_OVERSIZE_KEEP_BYTES", 256 * 1024)
MAIL_MAX_PARTS = envint("MAIL_MAX_PARTS", 200)
# The HTML of one message is sanitized only up to this size and for this long; over either it
# is kept as an attachment and the text part is filed (docs/email.md, "Limits").
MAIL_HTML_MAX_BYTES = envint("MAIL_HTML_MAX_BYTES", 1024 * 1024)
MAIL_HTML_SECONDS = envint("MAIL_HTML_SECONDS", 10)
# A mailbox poller renews its lease while it works; one that died loses it after this long.
MAIL_POLL_LEASE_SECONDS = envint("MAIL_POLL_LEASE_SECONDS", 60)
# The authserv-ids of our own mail servers, whose Authentication-Results headers (DMARC, DKIM)
# prove a sender's domain (docs/email.md); every other such header is ignored.
MAIL_TRUSTED_AUTHSERV_IDS = envlist("MAIL_TRUSTED_AUTHSERV_IDS", "")
# How long a link that confirms an Urgent incident filed by email works (seconds).
MAIL_URGENT_CONFIRM_MAX_AGE = envint("MAIL_URGENT_CONFIRM_MAX_AGE", 24 * 3600)
# Retention (privacy/retention.py, nightly): raw emails' bytes and closed tickets' files are
# dropped this many days on; 0 keeps them for ever.
RAW_EMAIL_RETENTION_DAYS = envint("RAW_EMAIL_RETENTION_DAYS", 0)
ATTACHMENT_RETENTION_DAYS = envint("ATTACHMENT_RETENTION_DAYS", 0)
# An Urgent alert nobody acknowledges within this many minutes goes to the next on duty.
URGENT_ACK_MINUTES = envint("URGENT_ACK_MINUTES", 15)
# Notifications and automation (docs/notifications.md). Changes to one ticket within the batch
# window reach a person as one email; the others are in business time of the contract's
# calendar, and 0 turns the rule off.
NOTIFY_BATCH_SECONDS = envint("NOTIFY_BATCH_SECONDS", 60)
NOTIFY_BATCH_MAX_SECONDS = envint("NOTIFY_BATCH_MAX_SECONDS", 600)
# How often beat hands the worker the notifications whose batching window has closed.
NOTIFY_RELAY_SECONDS = envint("NOTIFY_RELAY_SECONDS", 10)
NOTIFY_UNASSIGNED_MINUTES = envint("NOTIFY_UNASSIGNED_MINUTES", 30)
# How new tickets are assigned, tried in order: "account" (the customer's account engineer),
# "duty" (round-robin among the engineers on duty). Empty: nobody is assigned automatically.
AUTO_ASSIGN = envlist("AUTO_ASSIGN", "")
AUTO_REMIND_WAITING_DAYS = envint("AUTO_REMIND_WAITING_DAYS", 3)
AUTO_CLOSE_WAITING_DAYS = envint("AUTO_CLOSE_WAITING_DAYS", 4)
AUTO_CLOSE_RESOLVED_DAYS = envint("AUTO_CLOSE_RESOLVED_DAYS", 5)

# Celery: the embedded default keeps its queue in files under var/, so no server is needed.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "queue"
    for _folder in ("out", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "out"),
        "data_folder_out": str(_queue_dir / "out"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_queue_dir / "control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One beat per data folder: it holds VAR_DIR/scheduler.lock for its life (secondline/scheduler.py).
CELERY_BEAT_SCHEDULER = "secondline.scheduler:SingleScheduler"

# --- Cache, sessions and the scheduler lock in Redis (docs/production.md) -------------------
# One process or one machine: the per-process memory cache and sessions in the database. With
# REDIS_URL set, every node shares the cache (cached contracts, rate limits) and the sessions
# live in it, so a person signed in on one node is signed in on all; the scheduler takes its
# lock there too (secondline/scheduler.py), so exactly one celery beat runs among all nodes.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "secondline").strip()
SCHEDULER_LOCK_KEY = f"{CACHE_KEY_PREFIX}:scheduler"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The Redis lock expires this many seconds after the scheduler last renewed it (every tick),
# so a node that dies hands the schedule to a waiting one within about this time.
SCHEDULER_LOCK_SECONDS = envint("SCHEDULER_LOCK_SECONDS", 60)
# beat wakes at least this often, to renew its lock well before it expires
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, SCHEDULER_LOCK_SECONDS // 4)
# --- end of Redis ----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "secondline.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # the JSON parser that answers a too deeply nested body with a 400 (api/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "secondline.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "secondline.api.pagination.UpdatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "secondline.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SecondLine API",
    "DESCRIPTION": "Tickets, contracts and the support rules of a second-line service desk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # `check --deploy` is about a deployment's safety (tests/accounts/test_settings.py expects
    # it silent); the schema's naming hints are the API's own business, not a deployment's.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # One name per choice set where a field name ("status", "kind", "channel", "type") means
    # different things on different objects, or one set appears under two field names; without
    # them drf-spectacular names such sets with a hash (StatusBc0Enum) and warns.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "secondline.tickets.choices.Status",
        "NewStatusEnum": "secondline.tickets.choices.SETTABLE_STATUSES",
        "TicketPriorityEnum": "secondline.tickets.choices.Priority",
        "TicketTypeEnum": "secondline.tickets.choices.TicketType",
        "TicketChannelEnum": "secondline.tickets.choices.Channel",
        "StatementStatusEnum": "secondline.billing.statement_models.Statement.Status",
        "OutOfHoursDecisionEnum": "secondline.billing.models.OutOfHoursRequest.Decision",
        "OrganizationKindEnum": "secondline.accounts.models.Organization.Kind",
        "VersionKindEnum": "secondline.releases.models.VersionKind",
        "UpdatePlanStateEnum": "secondline.releases.models.UpdatePlan.State",
    },
}

# --- Logging and monitoring (docs/production.md#monitoring) ---------------------------------
# LOG_FORMAT=json writes one JSON object per line (python-json-logger) for a log collector.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json; got {LOG_FORMAT!r}.")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING").strip().upper()  # also the worker's and beat's
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # the names Celery knows too
if LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}; got {LOG_LEVEL!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
# /metrics answers only these client addresses (the reverse proxy refuses it from outside).
METRICS_ALLOWED_ADDRESSES = envlist("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1")
# The probes answer over plain HTTP too: a load balancer checks the node, not the browser.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# --- end of logging and monitoring -----------------------------------------------------------

# HTTPS and HTTP headers (docs/security.md). Production (SECONDLINE_PRODUCTION=1) is served over
# HTTPS and gets the safe values by default; the embedded default serves plain HTTP on
# 127.0.0.1, where a redirect to HTTPS or secure-only cookies would lock everyone out.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
# Preloading is the domain owner's decision (a submission to the browsers' list that is slow to
# undo, and only for a bare domain), so it stays off unless asked for; see SILENCED_SYSTEM_CHECKS.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]


def envproxyheader(name: str) -> tuple[str, str] | None:
    """A reverse proxy's header that says the client used HTTPS, e.g. ``X-Forwarded-Proto``."""
    header = os.environ.get(name, "").strip()
    if not header:
        return None
    if not header.replace("-", "").replace("_", "").isalnum():
        raise ImproperlyConfigured(
            f"{name} must be the name of a header, such as X-Forwarded-Proto; got {header!r}."
        )
    return ("HTTP_" + header.upper().replace("-", "_"), "https")


# Set only behind a proxy that sets (and overwrites) this header: anyone else could send it.
SECURE_PROXY_SSL_HEADER = envproxyheader("SECURE_PROXY_SSL_HEADER")
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)  # a working day, then sign in again

# Content-Security-Policy (django-csp): scripts only from our own files, never inline, and no
# eval (htmx runs with allowEval off, see base.html). Inline styles are allowed: the REST
# framework's browsable API, Swagger UI and ReDoc write style attributes and <style> elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
