from django.db import migrations

DEFAULT_HOURS = {str(day): [["10:00", "19:00"]] for day in range(5)}

# The default plan, in business hours (Incident Urgent 1 h, High 4 h, Normal 1 day, Low 3 days;
# every other type 2 business days).
DEFAULT_TARGETS = [
    ("incident", "urgent", 1),
    ("incident", "high", 4),
    ("incident", "normal", 9),
    ("incident", "low", 27),
    ("consultation", "", 18),
    ("change_request", "", 18),
    ("update_installation", "", 18),
]


def create_defaults(apps, schema_editor):
    WorkingCalendar = apps.get_model("sla", "WorkingCalendar")
    SLAPlan = apps.get_model("sla", "SLAPlan")
    ReactionTarget = apps.get_model("sla", "ReactionTarget")
    WorkingCalendar.objects.get_or_create(
        name="Russia, Moscow 10:00-19:00",
        defaults={"time_zone": "Europe/Moscow", "country": "RU", "weekly_hours": DEFAULT_HOURS},
    )
    plan, created = SLAPlan.objects.get_or_create(name="Standard")
    if created:
        for ticket_type, priority, hours in DEFAULT_TARGETS:
            ReactionTarget.objects.create(
                plan=plan, ticket_type=ticket_type, priority=priority, reaction_minutes=hours * 60
            )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
