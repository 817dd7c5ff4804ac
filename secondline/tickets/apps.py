from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "secondline.tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from secondline.celery import register_periodic
        from secondline.tickets import files  # noqa: F401 - connects its receivers

        register_periodic(
            "tickets-orphan-files", "secondline.tickets.tasks.sweep_orphan_files", 3600
        )
