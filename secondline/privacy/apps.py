from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "secondline.privacy"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        from celery.schedules import crontab

        from secondline.celery import app

        # Nightly, when nobody works: retention drops old raw emails and attachments.
        app.conf.beat_schedule["privacy-retention"] = {
            "task": "secondline.privacy.tasks.apply_retention",
            "schedule": crontab(hour=2, minute=30),
        }
