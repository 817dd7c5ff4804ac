from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    name = "secondline.releases"
    verbose_name = _("Releases and on-duty")

    def ready(self) -> None:
        from secondline.celery import register_periodic
        from secondline.releases import receivers  # noqa: F401 - connects the duty alerts

        register_periodic(
            "releases-escalate-urgent", "secondline.releases.tasks.escalate_unacknowledged", 60
        )
        register_periodic(
            "releases-window-reminders", "secondline.releases.tasks.send_window_reminders", 300
        )
