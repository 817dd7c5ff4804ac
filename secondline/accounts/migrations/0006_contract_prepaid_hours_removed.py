"""Prepaid hours live in billing's prepaid packages only (billing 0002 moved the values)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_tokens_from_authtoken"),
        ("billing", "0002_prepaid_hours_from_contracts"),
    ]

    operations = [migrations.RemoveField(model_name="contract", name="prepaid_hours")]
