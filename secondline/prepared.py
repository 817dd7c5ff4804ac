"""Querysets compiled to SQL once per process, then run again with new values.

Django builds and compiles a queryset's SQL every time it runs. On the paths that run for
every request or every email (the token check, the contract a ticket is filed under, the
contact an email comes from) that costs several times more than the query itself: 1–2 ms
against 0.1 ms on the machines in docs/benchmarks.md. A ``PreparedQuery`` builds its queryset
once per database with sample values, keeps the SQL, and afterwards only puts the real values
in their places and turns the rows into model instances exactly as Django's ``ModelIterable``
does (``select_related`` objects and annotations included).

The one rule for the ``build`` function: everything that varies between calls must be one
of its parameters. A value it computes itself (``timezone.localdate()``, a setting) is frozen
into the SQL at the first call.

Parameters are ``int``, ``str``, ``datetime.date`` or ``datetime.datetime``. A lookup that
rewrites its value before it reaches the database (``iexact`` or ``contains`` on SQLite escape
``%`` and ``_``) cannot be prepared, and compiling it raises ``PreparationError`` rather than
running a query that means something else: compare with ``Lower()`` instead.

django-prepared-queries did this for Django 1.x; it has not been released since 2019 and does
not run on Django 5.2, hence this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar
from weakref import WeakSet

from django.db import connections, models
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

T = TypeVar("T")

ParamType = type[int] | type[str] | type[dt.date] | type[dt.datetime]


class PreparationError(Exception):
    """The queryset cannot be prepared safely; use it as an ordinary queryset."""


def _samples(params: dict[str, ParamType]) -> dict[str, Any]:
    """Values no real query uses, different for every parameter, that survive the ORM as is."""
    values: dict[str, Any] = {}
    for number, (name, kind) in enumerate(params.items(), start=1):
        if kind is dt.datetime:
            values[name] = dt.datetime(1111, 1, 1, 1, 1, number, tzinfo=dt.UTC)
        elif kind is dt.date:
            values[name] = dt.date(1111, 1, number)
        elif kind is int:
            values[name] = -7_300_000_000 - number
        elif kind is str:
            # %, _ and \ make any escaping lookup show itself: the sample would not be found.
            values[name] = f"\x1fprepared%_\\{number}\x1f"
        else:
            raise PreparationError(f"parameter {name!r}: unsupported type {kind!r}")
    return values


@dataclass(frozen=True)
class _Compiled:
    sql: str
    shape: type  # the queryset's iterable class: model instances, tuples or single values
    constants: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position in the parameter list, parameter name)
    adapters: dict[str, Callable[[Any], Any]]
    model: type[models.Model] | None
    init_list: tuple[str, ...]
    fields_start: int
    fields_end: int
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]
    converters: tuple[tuple[int, tuple[list[Any], Any]], ...]


class PreparedQuery(Generic[T]):
    """A queryset whose SQL is compiled once per database and process.

    It yields what the queryset would: model instances (with ``select_related`` objects and
    annotations), or the tuples or values of ``values_list()``.

    ``build`` takes the parameters by name and returns the queryset; ``params`` names each
    parameter's type::

        CONTACT = PreparedQuery(
            lambda email: User.objects.filter(email=email).select_related("organization")[:1],
            email=str,
        )
        user = CONTACT.first(email="a@example.com")
    """

    every: ClassVar[WeakSet[PreparedQuery[Any]]] = WeakSet()  # for warmup

    def __init__(self, build: Callable[..., models.QuerySet[Any, T]], **params: ParamType) -> None:
        self.build = build
        self.params = params
        self._compiled: dict[str, _Compiled] = {}
        PreparedQuery.every.add(self)

    def prepare(self, using: str = "default") -> None:
        """Compile now rather than on the first call."""
        self._compiled_for(using)

    def all(self, using: str = "default", **values: Any) -> list[T]:
        return list(self._run(using, values))

    def first(self, using: str = "default", **values: Any) -> T | None:
        return next(self._run(using, values), None)

    def _run(self, using: str, values: dict[str, Any]) -> Iterator[T]:
        if values.keys() != self.params.keys():
            raise TypeError(f"expected parameters {sorted(self.params)}, got {sorted(values)}")
        compiled = self._compiled_for(using)
        params = list(compiled.constants)
        for position, name in compiled.slots:
            value = values[name]
            params[position] = None if value is None else compiled.adapters[name](value)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_converted(row, compiled.converters, connection) for row in rows]
        if compiled.shape is ValuesListIterable:
            yield from map(tuple, rows)  # type: ignore[misc]
            return
        if compiled.shape is FlatValuesListIterable:
            yield from (row[0] for row in rows)
            return
        assert compiled.model is not None
        for row in rows:
            obj = compiled.model.from_db(
                using, compiled.init_list, row[compiled.fields_start : compiled.fields_end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            for attr, position in compiled.annotations:
                setattr(obj, attr, row[position])
            yield obj  # type: ignore[misc]

    def _compiled_for(self, using: str) -> _Compiled:
        return self._compiled.get(using) or self._compile(using)

    def _compile(self, using: str) -> _Compiled:
        samples = _samples(self.params)
        queryset = self.build(**samples)
        shape = queryset._iterable_class
        if shape not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise PreparationError("only model instances and values_list() can be prepared")
        if queryset._known_related_objects or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise PreparationError("prefetch_related and related managers cannot be prepared")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        ops = connections[using].ops
        adapters = {name: _adapter(kind, ops) for name, kind in self.params.items()}
        slots = _find_slots(params, {n: adapters[n](v) for n, v in samples.items()})
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.has_extra_select:
            raise PreparationError("extra() columns cannot be prepared")
        fields = [column[0] for column in select[0 : compiler.col_count]]
        start = end = 0
        model: type[models.Model] | None = None
        init_list: tuple[str, ...] = ()
        populators: tuple[Any, ...] = ()
        if shape is ModelIterable:
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            model = klass_info["model"]
            init_list = tuple(column[0].target.attname for column in select[start:end])
            # django-stubs describe Django 6's signature (with fetch_mode); this is 5.2's.
            populators = tuple(get_related_populators(klass_info, select, using))  # type: ignore[call-arg]
        compiled = _Compiled(
            sql=sql,
            shape=shape,
            constants=tuple(params),
            slots=slots,
            adapters=adapters,
            model=model,
            init_list=init_list,
            fields_start=start,
            fields_end=end,
            populators=populators,
            annotations=tuple(compiler.annotation_col_map.items()),
            converters=tuple(compiler.get_converters(fields).items()),
        )
        self._compiled[using] = compiled
        return compiled


def _converted(row: Any, converters: Any, connection: Any) -> list[Any]:
    """A row's values as Python values: what ``SQLCompiler.apply_converters`` does."""
    row = list(row)
    for position, (functions, expression) in converters:
        value = row[position]
        for convert in functions:
            value = convert(value, expression, connection)
        row[position] = value
    return row


def _adapter(kind: ParamType, ops: Any) -> Callable[[Any], Any]:
    """How the ORM hands a value of this type to the database driver."""
    if kind is dt.datetime:
        return ops.adapt_datetimefield_value  # type: ignore[no-any-return]
    if kind is dt.date:
        return ops.adapt_datefield_value  # type: ignore[no-any-return]
    return lambda value: value


def _find_slots(params: Any, samples: dict[str, Any]) -> tuple[tuple[int, str], ...]:
    slots: list[tuple[int, str]] = []
    for name, sample in samples.items():
        positions = [i for i, value in enumerate(params) if _same(value, sample)]
        if not positions:
            raise PreparationError(
                f"parameter {name!r} does not reach the database as given (a lookup rewrites "
                "it); this queryset cannot be prepared"
            )
        slots.extend((position, name) for position in positions)
    return tuple(sorted(slots))


def _same(value: Any, sample: Any) -> bool:
    return type(value) is type(sample) and value == sample
