"""Template filters of the portal."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import filesizeformat

from secondline.portal import presenters

register = template.Library()


@register.filter
def sla_label(state: str) -> str:
    return str(presenters.SLA_LABELS.get(state or "", state))


@register.filter
def sla_explanation(state: str) -> str:
    return str(presenters.SLA_EXPLANATIONS.get(state or "", ""))


@register.filter
def filesize(size: int) -> str:
    return str(filesizeformat(size))


@register.filter
def get_item(mapping: dict[str, int], key: str) -> int:
    return mapping.get(key, 0)


@register.filter
def late_if(state: str, first_reaction_at: object) -> str:
    return presenters.badge_state(state, first_reaction_at)  # type: ignore[arg-type]


# Enum lookups: cheaper than Model.get_FOO_display() in a list of many rows.
register.filter("status_label", presenters.status_label)
register.filter("priority_label", presenters.priority_label)
register.filter("type_label", presenters.type_label)
