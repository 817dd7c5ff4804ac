"""Demo data of releases: a catalogue, installations on older versions, next week's roster.

Call ``load_release_demo()`` after the main demo (secondline/demo/data.py) created the people and
contracts; it is idempotent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from secondline.accounts.models import Contract, User
from secondline.releases import catalogue, plans, windows
from secondline.releases.models import DutyShift, Installation, ProductVersion, VersionKind

PRODUCT = "SecondLine ERP"

# (version, released on, kind, notes in English, notes in Russian)
VERSIONS = [
    (
        "4.1.0",
        dt.date(2025, 4, 14),
        VersionKind.NEW_VERSION,
        "New warehouse module; shipments posted in batches.",
        "Новый модуль склада; отгрузки проводятся пакетами.",
    ),
    (
        "4.2.0",
        dt.date(2025, 10, 6),
        VersionKind.UPDATE,
        "Invoice export to 1C in the 2025 format; faster stock reports.",
        "Выгрузка счетов в 1С в формате 2025 года; ускорены отчёты по остаткам.",
    ),
    (
        "4.2.1",
        dt.date(2025, 11, 20),
        VersionKind.HOTFIX,
        "Fixes the export timeout on large invoices.",
        "Исправлен тайм-аут выгрузки больших счетов.",
    ),
    (
        "5.0.0",
        dt.date(2026, 9, 1),
        VersionKind.NEW_VERSION,
        "Loyalty programme, new cash-desk protocol, PostgreSQL 16 support.",
        "Программа лояльности, новый протокол касс, поддержка PostgreSQL 16.",
    ),
]

# (contract number, installation, version)
INSTALLATIONS = [
    ("VL-2026-01", "Production", "4.1.0"),
    ("VL-2026-01", "Test", "4.2.1"),
    ("NR-2025-07", "Production", "4.2.0"),
]


def _versions() -> dict[str, ProductVersion]:
    return {
        version: ProductVersion.objects.create(
            product=PRODUCT,
            version=version,
            released_on=released,
            kind=kind,
            notes_en=notes_en,
            notes_ru=notes_ru,
        )
        for version, released, kind, notes_en, notes_ru in VERSIONS
    }


def _installations(versions: dict[str, ProductVersion]) -> dict[tuple[str, str], Installation]:
    result = {}
    for number, name, version in INSTALLATIONS:
        installation = Installation.objects.create(
            contract=Contract.objects.get(number=number), name=name, product=PRODUCT
        )
        catalogue.record_version(installation, versions[version], None, note="Demo data.")
        installation.refresh_from_db()
        result[(number, name)] = installation
    return result


def _roster(people: dict[str, User]) -> None:
    """Nights and weekends of the coming week: one engineer first, the other as back-up."""
    today = timezone.localdate()
    first, second = people["agent"], people["engineer"]
    for offset in range(8):
        day = today + dt.timedelta(days=offset)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(19, 0)))
        end = start + dt.timedelta(hours=15)
        lead, backup = (first, second) if offset % 2 == 0 else (second, first)
        for position, person in ((1, lead), (2, backup)):
            DutyShift.objects.create(
                engineer=person,
                starts_at=start,
                ends_at=end,
                phone=person.phone or f"+7 900 000-00-0{position}",
                position=position,
            )


@transaction.atomic
def load_release_demo() -> bool:
    """Create the releases demo data unless it is there already; True when it was created."""
    if ProductVersion.objects.filter(product=PRODUCT).exists():
        return False
    people = {
        u.username: u for u in User.objects.filter(username__in=["agent", "engineer", "manager"])
    }
    if (
        len(people) < 3
        or Contract.objects.filter(number__in=["VL-2026-01", "NR-2025-07"]).count() != 2
    ):
        return False
    versions = _versions()
    installations = _installations(versions)
    _roster(people)
    # Neva Retail already has 5.0.0 proposed, with a window waiting for its answer.
    plan = plans.propose_update(
        installations[("NR-2025-07", "Production")], versions["5.0.0"], people["manager"]
    )
    day = timezone.localdate() + dt.timedelta(days=3)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(19, 30)))
    windows.propose_window(
        plan,
        people["manager"],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        engineer=people["engineer"],
        estimate_hours=Decimal("2.5"),
        note="Evening, after the shops close.",
    )
    return True
