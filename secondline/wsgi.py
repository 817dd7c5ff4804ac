import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")
application = get_wsgi_application()

from secondline.warmup import warm_up  # noqa: E402 - needs the set-up application

warm_up()
