"""Plain-SQL writes for the rows made on every request or email: the filed ticket and its audit
event, the stored message, its notifications.

Building an ORM insert or update costs about ten times the statement itself on the machines
in docs/benchmarks.md (0.3–0.5 ms against 0.03 ms), and these run for every message. They do
what ``Model.save()`` / ``bulk_create`` do for these models, which no signal listens to:
fields' ``pre_save`` (``auto_now_add``) and database preparation, one row per statement.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def insert(objs: Sequence[models.Model]) -> None:
    """``bulk_create(objs)`` for models with an automatic primary key; sets each ``pk``."""
    if not objs:
        return
    meta = objs[0]._meta
    qn = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {qn(str(meta.pk.column))}"  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        for obj in objs:
            values = [
                field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields
            ]
            cursor.execute(sql, values)
            obj.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
            obj._state.adding = False
            obj._state.db = connection.alias


def update(obj: models.Model, names: Sequence[str]) -> None:
    """``obj.save(update_fields=names)`` (no ``pre_save``: pass computed values in)."""
    meta = obj._meta
    qn = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if field.name in names]
    assignments = ", ".join(f"{qn(str(field.column))} = %s" for field in fields)
    values = [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(str(meta.pk.column))} = %s",  # type: ignore[union-attr]
            [*values, obj.pk],
        )
