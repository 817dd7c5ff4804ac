from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "secondline.mail"
    verbose_name = _("Email")

    def ready(self) -> None:
        from secondline.celery import register_periodic
        from secondline.common.email import find_threads_with
        from secondline.mail import receivers  # noqa: F401 - connects the notifications
        from secondline.mail.outbound import ticket_thread

        find_threads_with(ticket_thread)  # other apps' emails join the recipient's thread

        register_periodic(
            "mail-poll", "secondline.mail.tasks.poll_mailboxes", settings.MAIL_POLL_SECONDS
        )
        register_periodic("mail-pending", "secondline.mail.tasks.process_pending", 300)
        register_periodic(
            "mail-notifications",
            "secondline.mail.tasks.sweep_notifications",
            settings.NOTIFY_RELAY_SECONDS,
        )
        register_periodic("mail-oauth2", "secondline.mail.tasks.refresh_oauth2_tokens", 300)
