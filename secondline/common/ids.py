"""Row ids that people type: in a query string, a posted form, a URL, a command line."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

MAX_ID = 2**63 - 1  # the largest key a 64-bit primary key holds; a larger one is refused, not a 500
M = TypeVar("M", bound=Model)


def row_id(text: str | None) -> int | None:
    """The id ``text`` names, or None when it can name none: ASCII digits of a number from 1
    to ``MAX_ID``. ``str.isdigit`` alone lets through "²" (which ``int`` refuses) and numbers
    past the database's integers (which the query refuses), both a 500 where they reached it."""
    if not text or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def row_named(rows: QuerySet[M], text: str | None) -> M | None:
    """The row of ``rows`` whose id ``text`` names; None when there is none, or when ``text``
    names no id at all (no query then)."""
    pk = row_id(text)
    return rows.filter(pk=pk).first() if pk is not None else None
