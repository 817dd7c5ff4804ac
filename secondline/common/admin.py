"""What every back-office list with a date drill-down needs."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest


class BoundedDateChangeList(ChangeList):
    """Django computes the end of a drill-down's day, month or year by adding to its start,
    which overflows on 31 December 9999, and a start on 1 January of year 1 overflows in the
    query once the zone's offset moves it to UTC (an OverflowError, a 500). Such a drill-down
    is a wrong lookup: the list says so."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request: HttpRequest) -> None:
        # A start in year 1 that the zone's offset moves before year 1 overflows in the query.
        try:
            super().get_results(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class BoundedDates:
    """Mix into a ModelAdmin with ``date_hierarchy`` (tests/common/test_admin_dates.py checks
    that every one does)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BoundedDateChangeList
