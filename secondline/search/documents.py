"""Build and store the search documents: one ticket after each change, or many in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Prefetch, QuerySet, Subquery
from django.utils import timezone

from secondline.search import text
from secondline.search.models import TicketDocument, TicketIndex, TicketVector
from secondline.tickets.models import Attachment, Comment, Ticket

# A long text is searched by its beginning: a tsvector holds at most 1 MB.
DESCRIPTION_CHARS = 20_000
COMMENT_CHARS = 5_000
TEXT_CHARS = 200_000
CONFIGS = ("russian", "english")
TEXT_FIELDS = ("subject", "people", "public_text", "staff_text")


def _file_name(name: str) -> str:
    return f"{name} ({text.plain(name)})"


def _person(ticket: Ticket) -> str:
    person = ticket.requester
    email = person.email or ""
    return " ".join(
        part
        for part in (
            ticket.number,
            str(ticket.pk),
            person.get_full_name(),
            person.username,
            email,
            text.plain(email),
            ticket.organization.name,
        )
        if part
    )


def build(
    ticket: Ticket, comments: Iterable[Comment], attachments: Iterable[Attachment]
) -> TicketDocument:
    """The document of ``ticket`` (requester and organisation already fetched)."""
    public = [ticket.description[:DESCRIPTION_CHARS]]
    staff: list[str] = []
    for comment in comments:
        (public if comment.is_public else staff).append(comment.body[:COMMENT_CHARS])
    for attachment in attachments:
        (public if attachment.is_public else staff).append(_file_name(attachment.filename))
    return TicketDocument(
        ticket=ticket,
        subject=ticket.subject,
        people=_person(ticket),
        public_text="\n".join(public)[:TEXT_CHARS],
        staff_text="\n".join(staff)[:TEXT_CHARS],
    )


def _public_vector() -> SearchVector:
    parts = [
        SearchVector(column, config=config, weight=weight)
        for column, weight in (("subject", "A"), ("people", "B"), ("public_text", "C"))
        for config in CONFIGS
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part  # type: ignore[assignment]
    return vector


def _full_vector() -> SearchVector:
    vector = _public_vector()
    for config in CONFIGS:
        vector = vector + SearchVector("staff_text", config=config, weight="D")  # type: ignore[assignment]
    return vector


def _index_row(document: TicketDocument) -> TicketIndex:
    return TicketIndex(
        rowid=document.ticket_id,
        subject=text.indexed(document.subject),
        people=text.indexed(document.people),
        public=text.indexed(document.public_text),
        internal=text.indexed(document.staff_text),
    )


def _store(documents: Sequence[TicketDocument], new: bool = False) -> None:
    """Write the documents (replacing the old ones unless all are ``new``) and what the
    database searches: the vectors on PostgreSQL, the FTS5 rows on SQLite."""
    ids = [document.ticket_id for document in documents]
    if not new:
        TicketDocument.objects.filter(pk__in=ids).delete()
    TicketDocument.objects.bulk_create(documents)
    if connection.vendor == "postgresql":
        _store_vectors(ids, new)
    elif connection.vendor == "sqlite":
        if not new:
            TicketIndex.objects.filter(rowid__in=ids).delete()
        TicketIndex.objects.bulk_create(_index_row(document) for document in documents)


def _computed(pk: int, vector: SearchVector) -> Subquery:
    """The vector PostgreSQL computes from the stored texts of document ``pk``."""
    return Subquery(TicketDocument.objects.filter(pk=pk).annotate(v=vector).values("v")[:1])


def _store_vectors(ids: list[int], new: bool) -> None:
    """The vectors of these documents, computed by PostgreSQL from the stored texts."""
    if not new:
        TicketVector.objects.filter(pk__in=ids).delete()

    TicketVector.objects.bulk_create(
        TicketVector(
            ticket_id=pk,
            vector=_computed(pk, _full_vector()),
            public_vector=_computed(pk, _public_vector()),
        )
        for pk in ids
    )


def index_new(ticket: Ticket) -> None:
    """The document of a ticket just filed: no conversation yet, perhaps files."""
    _store([build(ticket, [], ticket.attachments.only("filename", "is_public"))], new=True)


def _with_everything(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related("requester", "organization").prefetch_related(
        Prefetch("comments", Comment.objects.only("ticket_id", "body", "is_public")),
        Prefetch("attachments", Attachment.objects.only("ticket_id", "filename", "is_public")),
    )


def refresh(ticket_ids: Iterable[int]) -> None:
    """Rebuild the documents of these tickets from their current rows."""
    tickets = _with_everything(Ticket.objects.filter(pk__in=list(ticket_ids)))
    documents = [build(t, t.comments.all(), t.attachments.all()) for t in tickets]
    if len(documents) == 1 and _update_one(documents[0]):
        return
    _store(documents)


def _update_one(document: TicketDocument) -> bool:
    """Rewrite one existing document in place (two statements, not four); False when it or
    what the database searches is missing."""
    pk = document.ticket_id
    texts = {name: getattr(document, name) for name in TEXT_FIELDS}
    if not TicketDocument.objects.filter(pk=pk).update(**texts, updated_at=timezone.now()):
        return False
    if connection.vendor == "postgresql":
        vectors = TicketVector.objects.filter(pk=pk)
        return bool(
            vectors.update(
                vector=_computed(pk, _full_vector()), public_vector=_computed(pk, _public_vector())
            )
        )
    if connection.vendor == "sqlite":
        row = _index_row(document)
        return bool(
            TicketIndex.objects.filter(rowid=pk).update(
                subject=row.subject, people=row.people, public=row.public, internal=row.internal
            )
        )
    return True


def rebuild(tickets: QuerySet[Ticket], batch: int = 1000) -> int:
    """Rebuild every document of ``tickets`` in batches; returns how many."""
    ids = list(tickets.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        refresh(ids[start : start + batch])
    return len(ids)
