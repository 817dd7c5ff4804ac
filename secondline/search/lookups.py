"""``match``: an FTS5 full-text condition, written the Django way (a registered Lookup)."""

from __future__ import annotations

from typing import Any

from django.db.models import Lookup

from secondline.search.models import FtsText


@FtsText.register_lookup
class Match(Lookup):
    """``TicketIndex.objects.filter(fts__match=fts5_query)`` → ``search_ticket_fts MATCH %s``."""

    lookup_name = "match"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", (*lhs_params, *rhs_params)
