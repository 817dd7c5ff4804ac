"""SecondLine settings, read from environment variables with safe defaults.

The embedded default (no variables set) runs on a SQLite file and a Celery worker that
uses the filesystem as its broker, so one command runs the whole product. Production sets
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis or RabbitMQ).

One module per concern (each imports from ``core`` what it reads there):

- ``core``: the data folder, the secret key, hosts, apps, middleware, templates, the
  database and the languages;
- ``accounts``: signing in, API tokens, the second factor;
- ``files``: static files, attachments, object storage, retention;
- ``mail``: outgoing email and the email intake;
- ``notifications``: notifications, automation, urgent alerts;
- ``services``: the worker's broker, the cache, sessions and the scheduler's lock;
- ``api``: the REST API and its schema;
- ``monitoring``: logging and /metrics;
- ``https``: HTTPS, cookies and the security headers.
"""

from secondline.settings.accounts import *  # noqa: F403
from secondline.settings.api import *  # noqa: F403
from secondline.settings.core import *  # noqa: F403
from secondline.settings.files import *  # noqa: F403
from secondline.settings.https import *  # noqa: F403
from secondline.settings.mail import *  # noqa: F403
from secondline.settings.monitoring import *  # noqa: F403
from secondline.settings.notifications import *  # noqa: F403
from secondline.settings.services import *  # noqa: F403
