from django.db import migrations, models
from django.db.models import F, Q

RUNNING_STATUSES = ["new", "accepted", "in_progress"]
SWEPT_STATES = ["on_track", "at_risk"]


def check_running_tickets_once(apps, schema_editor):
    """Every ticket the sweep used to read each minute is read once more, at the first sweep
    after the upgrade, which then sets its real next check moment."""
    Ticket = apps.get_model("tickets", "Ticket")
    Ticket.objects.filter(status__in=RUNNING_STATUSES, sla_state__in=SWEPT_STATES).update(
        sla_next_check_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_append_only_record")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="sla_next_check_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=Q(sla_next_check_at__isnull=False),
                fields=["sla_next_check_at"],
                name="ticket_sla_next_check",
            ),
        ),
        migrations.RunPython(check_running_tickets_once, migrations.RunPython.noop),
    ]
