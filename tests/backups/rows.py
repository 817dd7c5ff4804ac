"""Every table's rows, for comparing a restored database with the original.

``python -m tests.backups.rows`` prints them as JSON for the database DATABASE_URL names.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection


def table_rows() -> dict[str, Any]:
    """Each model's table (many-to-many ones too), its rows as ``values()`` ordered by pk,
    in JSON's terms so that two processes' answers compare."""
    existing = set(connection.introspection.table_names())  # SQLite's FTS5 table: SQLite only
    rows = {
        model._meta.db_table: list(model._base_manager.order_by("pk").values(*_stored(model)))
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.db_table in existing
    }
    return json.loads(json.dumps(rows, cls=DjangoJSONEncoder))


def _stored(model: Any) -> list[str]:
    """The columns that hold data: not those the database computes on reading (the FTS5
    table's own column and its rank, search.models.TicketIndex)."""
    return [field.attname for field in model._meta.concrete_fields if not field.generated]


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(table_rows()))
