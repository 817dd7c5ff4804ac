"""Saved views: a desk queue's filters and sort kept under a name, one's own or the team's."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.search.models import SavedView

# What a view keeps of the queue's query string; the page number is not a view.
KEPT = ("queue", "status", "type", "priority", "organization", "q", "sort")


def views_for(user: User) -> QuerySet[SavedView]:
    """The agent's own views and those the team shares; none for a customer."""
    if not user.is_authenticated or not user.is_contractor:
        return SavedView.objects.none()
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")


def clean_query(query: str) -> str:
    kept = [(key, value) for key, value in parse_qsl(query) if key in KEPT and value]
    return urlencode(kept)


def save_view(user: User, name: str, query: str, shared: bool = False) -> SavedView:
    access.require_contractor(user)
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the view a name.")]
    elif len(name) > 100:
        errors["name"] = [_("Keep the name under 100 characters.")]
    query = clean_query(query)
    if len(query) > 1000:
        errors["query"] = [_("These filters are too long to save.")]
    if errors:
        raise ValidationError(errors)
    return SavedView.objects.create(owner=user, name=name, query=query, shared=shared)


def delete_view(user: User, view: SavedView) -> None:
    """One's own view; a shared one also by the contractor's managers."""
    if view.owner_id != user.pk and not (view.shared and user.is_manager):
        raise access.AccessDenied(_("Only its owner or a manager can delete this view."))
    view.delete()
