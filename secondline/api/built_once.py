"""Serializers whose fields are worked out once per class, and answers written without DRF's
per-field detours where a field only shows a column.

DRF introspects the model and deep-copies every field for every serializer instance, then
reaches each value through the field's ``get_attribute``; for one ticket that was most of the
API's answer (docs/benchmarks.md). Here the fields are built once per class and language,
each instance gets cheap copies, and ``to_representation`` writes a model column's value with
the prototype field's own ``to_representation``, a foreign key as its id, and leaves every
other field (nested serializers, method fields, properties, dotted sources) to DRF. The answer
is the same dict DRF writes; ``tests/api/test_built_once.py`` compares the two.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField


@dataclass(frozen=True)
class _Step:
    """How one field of the answer is written: ``column`` (the prototype field's
    ``to_representation`` of the attribute), ``key`` (a foreign key's id) or ``drf``."""

    name: str
    how: str
    attname: str
    field: serializers.Field


@dataclass(frozen=True)
class _Built:
    fields: dict[str, serializers.Field]
    steps: tuple[_Step, ...]


_BUILT: dict[tuple[type, str | None], _Built] = {}

# Field classes whose to_representation reads nothing but its argument and its own settings
# (no parent, no context): safe to call on the never-bound prototype.
_COLUMN_FIELDS = frozenset(
    {
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.EmailField,
        serializers.FloatField,
        serializers.IntegerField,
        serializers.SlugField,
        serializers.URLField,
        serializers.UUIDField,
    }
)


class BuiltOnceModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose fields are worked out from the model once per class (and
    language, as labels are translated while they are built)."""

    def _built(self) -> _Built:
        key = (type(self), translation.get_language())
        built = _BUILT.get(key)
        if built is None:
            fields = super().get_fields()
            built = _BUILT[key] = _Built(fields, _steps(self.Meta.model, fields))
        return built

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _fresh(field) for name, field in self._built().fields.items()}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if isinstance(instance, Mapping):
            return super().to_representation(instance)  # type: ignore[no-any-return]
        answer: dict[str, Any] = {}
        bound: dict[str, serializers.Field] | None = None
        for step in self._built().steps:
            if step.how == "column":
                value = getattr(instance, step.attname)
                answer[step.name] = None if value is None else step.field.to_representation(value)
            elif step.how == "key":
                answer[step.name] = getattr(instance, step.attname)
            else:
                bound = bound if bound is not None else self._bound_by_drf()
                _write_by_drf(answer, step.name, bound[step.name], instance)
        return answer

    def _bound_by_drf(self) -> dict[str, serializers.Field]:
        """Copies of the fields DRF writes, bound to this serializer once (a list's child
        writes every row with the same ones)."""
        bound = self.__dict__.get("_drf_fields")
        if bound is None:
            bound = {}
            for step in self._built().steps:
                if step.how == "drf":
                    field = bound[step.name] = _fresh(step.field)
                    field.bind(field_name=step.name, parent=self)
            self.__dict__["_drf_fields"] = bound
        return bound


def _write_by_drf(
    answer: dict[str, Any], name: str, field: serializers.Field, instance: Any
) -> None:
    """What ``Serializer.to_representation`` does for one field."""
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    value = None if check_for_none is None else field.to_representation(attribute)
    answer[name] = value


def _steps(model: type[models.Model], fields: dict[str, serializers.Field]) -> tuple[_Step, ...]:
    return tuple(
        _step(model, name, field) for name, field in fields.items() if not field.write_only
    )


def _step(model: type[models.Model], name: str, field: serializers.Field) -> _Step:
    column = _model_field(model, name)
    if field.source in (None, name) and column is not None:
        if type(field) in _COLUMN_FIELDS and not column.is_relation:
            return _Step(name, "column", column.attname, field)
        if type(field) is PrimaryKeyRelatedField and field.pk_field is None and column.many_to_one:
            return _Step(name, "key", column.attname, field)
    return _Step(name, "drf", "", field)


def _model_field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a property, a method or a declared field
        return None
    return field if isinstance(field, models.Field) and field.concrete else None


def every_serializer_class() -> Iterator[type[BuiltOnceModelSerializer]]:
    """Every BuiltOnceModelSerializer subclass defined so far, at any depth."""
    waiting: list[type[BuiltOnceModelSerializer]] = [BuiltOnceModelSerializer]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            yield subclass
            waiting.append(subclass)


def build_all() -> None:
    """Build every BuiltOnceModelSerializer's fields for the active language (a head start for
    a new worker: ``secondline.warmup``)."""
    for serializer_class in every_serializer_class():
        serializer_class()._built()


class RequestSerializer(serializers.Serializer):
    """A serializer of a request's input whose declared fields are copied cheaply (see _fresh)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}


# What a serializer keeps once it has been used; a prototype that has any is deep-copied.
_USED_SERIALIZER_STATE = frozenset({"fields", "_drf_fields", "_data", "_errors", "_validated_data"})


def _fresh(field: serializers.Field) -> serializers.Field:
    """A copy of a never-bound prototype field that binding cannot change.

    ``bind`` only sets attributes on the copy (name, parent, label, source), so a shallow
    copy is enough, ten times cheaper than DRF's deep copy, which builds the field again from
    its arguments. A field that holds another (a list's or a relation's ``child``) gets its
    own copy of that child too, with itself as the child's parent, as its ``__init__`` did.
    """
    if isinstance(field, serializers.BaseSerializer) and (
        _USED_SERIALIZER_STATE & field.__dict__.keys()
    ):
        return copy.deepcopy(field)
    twin: serializers.Field = object.__new__(type(field))  # copy.copy, minus pickle's detour
    twin.__dict__.update(field.__dict__)
    for holder in ("child", "child_relation"):
        child = field.__dict__.get(holder)
        if isinstance(child, serializers.Field):
            own = twin.__dict__[holder] = _fresh(child)
            own.parent = twin  # type: ignore[assignment] # a field, as DRF's __init__ sets it
    return twin
