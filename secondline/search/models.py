"""Each ticket's search document: the text people search, kept current by ``receivers.py``.

PostgreSQL searches the two vectors stored in ``TicketVector`` (``russian`` and ``english``
configurations, GIN indexes made in the migrations); the embedded SQLite database searches
``TicketIndex``, an FTS5 table of the same text's Snowball stems. The texts themselves are
kept for the snippets.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Value
from django.utils.translation import gettext_lazy as _

from secondline.tickets.models import Ticket

FTS_TABLE = "search_ticket_fts"


class TicketDocument(models.Model):
    """What a search finds a ticket by. ``staff_text`` holds what only the contractor's staff
    see (internal notes and files); the rest is what the ticket's customer sees too."""

    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    subject = models.TextField(_("subject"))
    people = models.TextField(_("number, requester and organisation"))
    public_text = models.TextField(_("public text"))
    staff_text = models.TextField(_("internal text"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"{self.ticket_id}"


class TicketVector(models.Model):
    """PostgreSQL's searchable form of a document (no rows on SQLite): everything, and what the
    customer may see. A narrow table of its own, so that the GIN index's matches are read from
    few pages (the texts of the documents would spread them over one page each)."""

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="search_vector"
    )
    vector = SearchVectorField(null=True)
    public_vector = SearchVectorField(null=True)
    # The ticket's id again, written by the database, with no index of its own: a search's
    # slices of ids filter the GIN index's matches by it (queries._newest_matches). By the
    # primary key, PostgreSQL's planner would walk the ids and read every row's vector from
    # TOAST, 25-50 times slower (docs/benchmarks.md, Search).
    filed = models.GeneratedField(
        expression=F("ticket_id"),  # type: ignore[arg-type]  # F resolves to an Expression
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    class Meta:
        # Made on PostgreSQL only (migration 0003); declared here so that a bulk rebuild can
        # drop and remake them (documents.rebuild).
        indexes = [
            GinIndex(fields=["vector"], name="search_vector_gin"),
            GinIndex(fields=["public_vector"], name="search_public_vector_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}"


class FtsText(models.TextField):
    """The FTS5 table's own hidden column, the left side of ``MATCH`` (``lookups.Match``)."""


class FtsTable(models.GeneratedField):
    """A hidden column of the FTS5 table (its own name, or ``rank``): read, never written."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("expression", Value(""))
        kwargs.setdefault("output_field", FtsText())
        kwargs.setdefault("db_persist", True)  # never created: the table is FTS5's
        super().__init__(**kwargs)  # type: ignore[arg-type]


class TicketIndex(models.Model):
    """The FTS5 virtual table on SQLite (created in the migration; absent on PostgreSQL).

    Columns hold stems (``text.indexed``); ``rank`` is bm25 with the subject weighing most.
    """

    rowid = models.IntegerField(primary_key=True)  # the ticket's id
    subject = models.TextField()
    people = models.TextField()
    public = models.TextField()
    internal = models.TextField()
    fts = FtsTable(db_column=FTS_TABLE)
    rank = FtsTable(db_column="rank", output_field=models.FloatField())

    class Meta:
        managed = False
        db_table = FTS_TABLE

    def __str__(self) -> str:
        return f"{self.rowid}"


class SavedView(models.Model):
    """A desk queue's filters and sort under a name: the agent's own, or shared with the team."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters and sort"), max_length=1000)
    shared = models.BooleanField(_("shared with the team"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name
