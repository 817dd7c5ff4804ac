"""Email: the outgoing server, the support addresses, the intake's limits and proofs, and
the encryption of mailbox secrets (docs/email.md)."""

from __future__ import annotations

import os

from secondline.environment import envbool, envint, envlist
from secondline.settings.core import VAR_DIR

# Mailbox passwords and OAuth2 tokens are stored encrypted (docs/security.md, "Mailbox
# secrets"): with Fernet keys given here (comma-separated, the first encrypts, all decrypt),
# or else with a key derived from SECRET_KEY (and SECRET_KEY_FALLBACKS to decrypt).
MAIL_ENCRYPTION_KEYS = envlist("MAIL_ENCRYPTION_KEYS", "")

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
