"""The WSGI application. ``secondline run`` starts gunicorn with ``--preload``, so this module,
the URLconf and every view are imported once in the master, before the workers fork: no first
customer after a start pays for the imports."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and, through it, every view
