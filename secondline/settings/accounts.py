"""Signing in: the lockout after failures, password resets, API tokens and the staff's
second factor (docs/security.md#accounts)."""

from __future__ import annotations

import datetime as dt
import os

from secondline.environment import envbool, envint
from secondline.settings.core import PRODUCTION

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
# accounts/admin.py registers axes' lists itself, with the bounded date drill-down.
AXES_ENABLE_ADMIN = False
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
