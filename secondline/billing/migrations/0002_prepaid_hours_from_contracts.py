"""A contract's "Prepaid hours" field becomes a prepaid package, the one model of prepaid hours.

Each contract with prepaid hours gets a package of those hours valid for the contract's term
(a year from its start when it has no end date). Reversing writes the sum of those packages
back to the field (re-added by reversing accounts 0006) and removes them.
"""

import datetime as dt

from django.db import migrations

NOTE = "From the contract's prepaid hours"


def _until(contract):
    if contract.ends_on is not None:
        return contract.ends_on
    start = contract.starts_on
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def to_packages(apps, schema_editor):
    Contract = apps.get_model("accounts", "Contract")
    PrepaidPackage = apps.get_model("billing", "PrepaidPackage")
    contracts = Contract.objects.filter(prepaid_hours__gt=0)
    PrepaidPackage.objects.bulk_create(
        PrepaidPackage(
            contract=contract,
            hours=contract.prepaid_hours,
            purchased_on=contract.starts_on,
            valid_from=contract.starts_on,
            valid_until=_until(contract),
            note=NOTE,
        )
        for contract in contracts
    )


def to_field(apps, schema_editor):
    Contract = apps.get_model("accounts", "Contract")
    PrepaidPackage = apps.get_model("billing", "PrepaidPackage")
    packages = PrepaidPackage.objects.filter(note=NOTE)
    for package in packages:
        Contract.objects.filter(pk=package.contract_id).update(prepaid_hours=package.hours)
    packages.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_tokens_from_authtoken"),
        ("billing", "0001_initial"),
    ]

    operations = [migrations.RunPython(to_packages, to_field)]
