from django.db import migrations, models


class Migration(migrations.Migration):
    """The figures serve a system reason too, not only an automatic rule's (tickets.reasons)."""

    dependencies = [
        ("tickets", "0013_event_rule"),
    ]

    operations = [
        migrations.RenameField(
            model_name="ticketevent", old_name="rule_params", new_name="reason_params"
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="the reason's figures"),
        ),
    ]
