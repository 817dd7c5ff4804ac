"""Make every piece of data Cyrillic, so that any Latin word left on a Russian page is interface
text: the names, subjects, descriptions and notes the demo wrote in English are spelt in
Cyrillic letters (``Volga Logistics`` becomes ``Вольга Логистикс``)."""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

LETTERS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "абкдефгхийклмнопкрстуввхизАБКДЕФГХИЙКЛМНОПКРСТУВВХИЗ",
        strict=True,
    )
)
#: Fields whose value a program reads: addresses, keys, codes, zones, file names.
MACHINE_FIELD = re.compile(
    r"(^|_)(email|emails|address_list|domain|domains|url|key|token|digest|hash|secret|code|"
    r"codes|slug|language|currency|zone|timezone|time_zone|path|file|message_id|header|headers|"
    r"password|mailbox|host|username|inn|kpp|ogrn|bik|account|raw|sha256|checksum|uid|"
    r"content_type|mime|references|in_reply_to|recipients|sender|from_address)$"
)


def cyrillic(text: str) -> str:
    return "".join(LETTERS.get(char, char) for char in text)


def _text_fields(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.EmailField | models.URLField | models.FileField)
        and not field.choices
        and not field.primary_key
        and not MACHINE_FIELD.search(field.name)
    ]


def make_data_cyrillic() -> None:
    """Rewrite every free-text field of every SecondLine model in Cyrillic letters."""
    for model in apps.get_models():
        if not model.__module__.startswith("secondline.") or model._meta.proxy:
            continue
        if not model._meta.managed:  # the search index on SQLite: no table on PostgreSQL
            continue
        names = _text_fields(model)
        if not names:
            continue
        manager = model._base_manager
        for row in manager.values("pk", *names):
            changed = {
                name: cyrillic(value)
                for name in names
                if isinstance(value := row[name], str) and cyrillic(value) != value
            }
            if changed:
                manager.filter(pk=row["pk"]).update(**changed)
