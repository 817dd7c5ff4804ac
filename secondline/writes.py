"""Plain-SQL writes for the rows made on every request or email: the filed ticket and its audit
event, the stored message, its notifications.

Building an ORM insert or update costs about ten times the statement itself on the machines
in docs/benchmarks.md (0.3–0.5 ms against 0.03 ms), and these run for every message. They do
what ``Model.save()`` / ``bulk_create`` do for these models, which no signal listens to:
fields' ``pre_save`` (``auto_now_add``) and database preparation, one row per statement.

The preparation is worked out once per model and database: a text, number, key or aware
date-time value goes to the backend's adapter directly (what the field's own
``get_db_prep_save`` ends with for such a value); any other value takes the field's path.
``tests/test_writes.py`` compares the rows with the ORM's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import AutoFieldMixin

Prepare = Callable[[Any], Any]


@dataclass(frozen=True)
class _Column:
    field: models.Field[Any, Any]
    attname: str
    computed: bool  # pre_save computes the value (auto_now, auto_now_add)
    prepare: Prepare


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    columns: tuple[_Column, ...]
    returning: bool


_PLANS: dict[tuple[type[models.Model], str], _InsertPlan] = {}

_TEXT = (models.CharField, models.TextField)
_WHOLE = (models.IntegerField, models.AutoField)  # BigAutoField and the small ones are these


def insert(objs: Sequence[models.Model]) -> None:
    """``bulk_create(objs)`` for models with an automatic primary key; sets each ``pk``."""
    if not objs:
        return
    plan = _insert_plan(type(objs[0]))
    with connection.cursor() as cursor:
        for obj in objs:
            values = [
                column.prepare(
                    column.field.pre_save(obj, True)
                    if column.computed
                    else getattr(obj, column.attname)
                )
                for column in plan.columns
            ]
            cursor.execute(plan.sql, values)
            obj.pk = cursor.fetchone()[0] if plan.returning else cursor.lastrowid
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


def _insert_plan(model: type[models.Model]) -> _InsertPlan:
    key = (model, connection.alias)
    plan = _PLANS.get(key)
    if plan is None:
        meta = model._meta
        qn = connection.ops.quote_name
        fields = [field for field in meta.concrete_fields if not field.primary_key]
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        returning = connection.features.can_return_columns_from_insert
        if returning:
            sql += f" RETURNING {qn(str(meta.pk.column))}"  # type: ignore[union-attr]
        columns = tuple(
            _Column(field, field.attname, _computed(field), preparer(field, connection))
            for field in fields
        )
        plan = _PLANS[key] = _InsertPlan(sql, columns, returning)
    return plan


def _computed(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def preparer(field: models.Field[Any, Any], db: BaseDatabaseWrapper) -> Prepare:
    """The field's ``get_db_prep_save`` on this database, with a short way for the values the
    rows above hold: ``str`` in a text column, ``int`` in a whole-number column or a key (an
    automatic primary key's value is only validated, as ``AutoField`` does), an aware
    ``datetime`` in a date-time column, and ``None`` (NULL) in any of them."""

    def generic(value: Any) -> Any:
        return field.get_db_prep_save(value, db)

    short_way = _short_way(field, db, generic)
    if short_way is None:
        return generic
    kind, adapt = short_way

    def prepare(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not kind:
            return generic(value)
        return value if adapt is None else adapt(value)

    return prepare


def _short_way(
    field: models.Field[Any, Any], db: BaseDatabaseWrapper, generic: Prepare
) -> tuple[type, Prepare | None] | None:
    """The value type a column's short way takes, and what the backend does to it (None: the
    value goes as it is); None for a column that keeps the field's own path."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kind = type(target)
    if kind in _exact_subclasses(_TEXT):
        return str, None
    if kind in _exact_subclasses(_WHOLE):
        if isinstance(target, AutoFieldMixin):
            return int, db.ops.validate_autopk_value
        adapt_int, internal_type = db.ops.adapt_integerfield_value, target.get_internal_type()
        return int, lambda value: adapt_int(value, internal_type)
    if kind is models.DateTimeField:
        adapt_moment = db.ops.adapt_datetimefield_value

        def moment(value: dt.datetime) -> Any:  # a naive time takes the field's path (warning)
            return adapt_moment(value) if value.utcoffset() is not None else generic(value)

        return dt.datetime, moment
    return None


@cache
def _exact_subclasses(bases: tuple[type, ...]) -> frozenset[type]:
    """Django's own field classes of these kinds (a project's subclass may prepare values
    its own way, so it keeps the generic path)."""
    found: set[type] = set()
    waiting = list(bases)
    while waiting:
        kind = waiting.pop()
        if kind.__module__.startswith("django.db.models.fields"):
            found.add(kind)
            waiting.extend(kind.__subclasses__())
    return frozenset(found)
