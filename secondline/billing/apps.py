from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "secondline.billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from secondline.billing import receivers, statement_events

        statement_events.statement_changed.connect(
            receivers.email_the_other_side, dispatch_uid="billing-statement-emails"
        )
