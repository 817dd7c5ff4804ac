from django.db import migrations

REASONS = [
    ("missing-information", "Missing required information", "Не хватает обязательных сведений"),
    (
        "not-a-contact",
        "Not a contact of a customer with an active contract",
        "Заявитель не является контактным лицом заказчика с действующим договором",
    ),
    (
        "out-of-scope-db-server",
        "Out of scope: main DB server fault diagnosis",
        "Вне рамок поддержки: диагностика неисправностей основного сервера БД",
    ),
    (
        "out-of-scope-first-line",
        "Out of scope: first-line operator work",
        "Вне рамок поддержки: работа оператора первой линии",
    ),
    ("duplicate", "Duplicate", "Дубликат"),
]


def create_reasons(apps, schema_editor):
    DeclineReason = apps.get_model("tickets", "DeclineReason")
    for position, (code, title_en, title_ru) in enumerate(REASONS):
        DeclineReason.objects.get_or_create(
            code=code, defaults={"title_en": title_en, "title_ru": title_ru, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create_reasons, migrations.RunPython.noop)]
