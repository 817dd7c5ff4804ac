"""Build and store the search documents: one ticket after each change, or many in bulk.

Texts are assembled in Python from a few column reads per batch (no model instances); the
vectors are computed by PostgreSQL from the stored texts, one ``UPDATE`` per batch.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import connection, transaction
from django.db.models import F, Func, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from secondline.search import text
from secondline.search.models import TicketDocument, TicketIndex, TicketVector
from secondline.tickets.models import TICKET_NUMBER_PREFIX, Attachment, Comment, Ticket

# A long text is searched by its beginning: a tsvector holds at most 1 MB.
DESCRIPTION_CHARS = 20_000
COMMENT_CHARS = 5_000
TEXT_CHARS = 200_000
CONFIGS = ("russian", "english")
TEXT_FIELDS = ("subject", "people", "public_text", "staff_text")
BATCH = 2000
DEFER_INDEXES_AT = 20_000  # documents rebuilt at once
TICKET_COLUMNS = (
    "pk",
    "subject",
    "description",
    "requester__first_name",
    "requester__last_name",
    "requester__username",
    "requester__email",
    "organization__name",
)


def _file_name(name: str) -> str:
    return f"{name} ({text.plain(name)})"


@dataclass
class _Parts:
    """What one document is made of, gathered from the rows of a batch."""

    public: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)

    def add(self, piece: str, is_public: bool) -> None:
        (self.public if is_public else self.staff).append(piece)


def _people(pk: int, first: str, last: str, username: str, email: str, org: str) -> str:
    full_name = f"{first} {last}".strip()
    email = email or ""
    parts = (f"{TICKET_NUMBER_PREFIX}-{pk}", str(pk), full_name, username, email)
    return " ".join(part for part in (*parts, text.plain(email), org) if part)


def documents_of(ids: Sequence[int]) -> list[TicketDocument]:
    """The documents of these tickets, from three reads (tickets, comments, files)."""
    parts = _conversations(ids)
    rows = Ticket.objects.filter(pk__in=ids).values_list(*TICKET_COLUMNS)
    return [
        _document(pk, subject, description, person, parts[pk])
        for pk, subject, description, *person in rows
    ]


def _conversations(ids: Sequence[int]) -> dict[int, _Parts]:
    """Each ticket's comments and files in the order they came, a comment before its own files,
    so that a new comment and its files go at the end (``append_comment``)."""
    comments = Comment.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "created_at", "id", "body", "is_public"
    )
    files = Attachment.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "created_at", "id", "filename", "is_public"
    )
    pieces = [(t, at, 0, pk, body[:COMMENT_CHARS], public) for t, at, pk, body, public in comments]
    pieces += [(t, at, 1, pk, _file_name(name), public) for t, at, pk, name, public in files]
    parts: dict[int, _Parts] = defaultdict(_Parts)
    for ticket_id, _at, _is_file, _pk, piece, public in sorted(pieces):
        parts[ticket_id].add(piece, public)
    return parts


def _document(
    pk: int, subject: str, description: str, person: Sequence[str], own: _Parts
) -> TicketDocument:
    return TicketDocument(
        ticket_id=pk,
        subject=subject,
        people=_people(pk, *person),
        public_text="\n".join([description[:DESCRIPTION_CHARS], *own.public])[:TEXT_CHARS],
        staff_text="\n".join(own.staff)[:TEXT_CHARS],
    )


def _vector(columns: Iterable[tuple[str, str]]) -> SearchVector:
    parts = [
        SearchVector(column, config=config, weight=weight)
        for column, weight in columns
        for config in CONFIGS
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part  # type: ignore[assignment]
    return vector


PUBLIC_COLUMNS = (("subject", "A"), ("people", "B"), ("public_text", "C"))


def _public_vector() -> SearchVector:
    return _vector(PUBLIC_COLUMNS)


def _staff_vector() -> SearchVector:
    return _vector([("staff_text", "D")])


def _full_vector() -> SearchVector:
    return _vector([*PUBLIC_COLUMNS, ("staff_text", "D")])


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
    TicketDocument.objects.bulk_create(documents, batch_size=BATCH)
    if connection.vendor == "postgresql":
        _store_vectors(ids, new)
    elif connection.vendor == "sqlite":
        if not new:
            TicketIndex.objects.filter(rowid__in=ids).delete()
        TicketIndex.objects.bulk_create((_index_row(d) for d in documents), batch_size=BATCH)


def _store_vectors(ids: list[int], new: bool) -> None:
    """The vectors of these documents, computed by PostgreSQL from the stored texts."""
    if not new:
        TicketVector.objects.filter(pk__in=ids).delete()
    if len(ids) == 1:  # a ticket just filed: computed as the row is written, one statement
        pk = ids[0]
        one = TicketDocument.objects.filter(pk=pk)
        TicketVector.objects.bulk_create(
            [
                TicketVector(
                    ticket_id=pk,
                    vector=Subquery(one.annotate(v=_full_vector()).values("v")[:1]),
                    public_vector=Subquery(one.annotate(v=_public_vector()).values("v")[:1]),
                )
            ]
        )
        return
    TicketVector.objects.bulk_create((TicketVector(ticket_id=pk) for pk in ids), BATCH)
    # Two statements, so that each public text is parsed once: the public vector and the
    # internal one, then the full vector as the two together.
    vectors = TicketVector.objects.filter(pk__in=ids)
    document = TicketDocument.objects.filter(pk=OuterRef("pk"))
    vectors.update(
        public_vector=Subquery(document.annotate(v=_public_vector()).values("v")[:1]),
        vector=Subquery(document.annotate(v=_staff_vector()).values("v")[:1]),
    )
    vectors.update(vector=_joined(F("public_vector"), F("vector")))


def _joined(*vectors: Any) -> Func:
    return Func(
        *vectors, arg_joiner=" || ", template="(%(expressions)s)", output_field=SearchVectorField()
    )


def _compute_vectors(vectors: QuerySet[TicketVector]) -> int:
    """Fill these vectors from their documents' stored texts in one ``UPDATE`` (the full vector
    is the public one and the internal text's)."""
    document = TicketDocument.objects.filter(pk=OuterRef("pk"))
    public = document.annotate(v=_public_vector()).values("v")[:1]
    staff = document.annotate(v=_staff_vector()).values("v")[:1]
    return vectors.update(public_vector=Subquery(public), vector=_joined(public, staff))


def index_new(ticket: Ticket, attachments: Sequence[Attachment] = ()) -> None:
    """The document of a ticket just filed, from the row and the files it was filed with, all
    in memory (its requester and customer came with it): no read, no conversation yet."""
    own = _Parts()
    for attachment in attachments:
        own.add(_file_name(attachment.filename), attachment.is_public)
    requester, customer = ticket.requester, ticket.organization
    person = (
        requester.first_name,
        requester.last_name,
        requester.username,
        requester.email,
        customer.name,
    )
    document = _document(ticket.pk, ticket.subject, ticket.description, person, own)
    held = _held.get()
    if held is None:
        _store([document], new=True)
    else:
        held[ticket.pk] = document  # a ticket filed again under the id: its filing counts


_held: ContextVar[dict[int, TicketDocument] | None] = ContextVar("held_documents", default=None)


@contextlib.contextmanager
def new_documents_together() -> Iterator[None]:
    """Within this block (inside one transaction that files many tickets: the email importer's
    batch), the documents of the tickets filed are written together at its end, still inside
    the transaction: two statements for all rather than two for each. A ticket whose filing
    was rolled back (a savepoint) gets none: only the tickets there at the end do, each with
    the document of its last filing (a rolled-back id may be given again). One that changes
    meanwhile gets its document first (``refresh``, ``append_comment``), and again at the end
    should that change have been rolled back."""
    if _held.get() is not None:  # nested: the outer block writes
        yield
        return
    held: dict[int, TicketDocument] = {}
    token = _held.set(held)
    try:
        yield
        _write_held(list(held))
    finally:
        _held.reset(token)


def _write_held(ticket_ids: Sequence[int]) -> None:
    """Write now the held documents of these tickets that exist and have none yet (one written
    before may have been rolled back with its savepoint)."""
    held = _held.get() or {}
    wanted = [pk for pk in ticket_ids if pk in held]
    if not wanted:
        return
    missing = Ticket.objects.filter(pk__in=wanted, search_document__isnull=True)
    documents = [held[pk] for pk in missing.values_list("pk", flat=True)]
    if documents:
        _store(documents, new=True)


def refresh(ticket_ids: Iterable[int]) -> None:
    """Rebuild the documents of these tickets from their current rows."""
    ticket_ids = list(ticket_ids)
    _write_held(ticket_ids)
    documents = documents_of(ticket_ids)
    if len(documents) == 1 and _update_one(documents[0]):
        return
    _store(documents)


def append_comment(comment: Comment, attachments: Sequence[Attachment] = ()) -> None:
    """Add a new comment and its files at the end of its ticket's document, the rest unchanged:
    what ``refresh`` would build (the conversation in the order it came), without reading the
    conversation again. Rebuilt whole when the document or its index row is missing."""
    own = _Parts()
    own.add(comment.body[:COMMENT_CHARS], comment.is_public)
    for attachment in attachments:
        own.add(_file_name(attachment.filename), attachment.is_public)
    _write_held([comment.ticket_id])
    if not _appended(comment.ticket_id, own):
        refresh([comment.ticket_id])


FTS_COLUMNS = {"public_text": "public", "staff_text": "internal"}


def _appended(pk: int, own: _Parts) -> bool:
    stored = TicketDocument.objects.filter(pk=pk).values_list("public_text", "staff_text").first()
    if stored is None:
        return False
    public, staff = stored
    texts: dict[str, tuple[str, str]] = {}  # column: (old text, new text)
    if own.public:  # the public text starts with the description, even an empty one
        texts["public_text"] = (public, _joined_text([public, *own.public]))
    if own.staff:  # an empty internal text has no piece yet
        texts["staff_text"] = (staff, _joined_text([staff, *own.staff] if staff else own.staff))
    new_texts = {name: new for name, (_old, new) in texts.items()}
    TicketDocument.objects.filter(pk=pk).update(**new_texts, updated_at=timezone.now())
    if connection.vendor == "postgresql":
        return bool(_compute_vectors(TicketVector.objects.filter(pk=pk)))
    if connection.vendor == "sqlite":
        return all(
            _append_stems(pk, FTS_COLUMNS[name], old, new) for name, (old, new) in texts.items()
        )
    return True


def _joined_text(pieces: list[str]) -> str:
    return "\n".join(pieces)[:TEXT_CHARS]


def _append_stems(pk: int, column: str, old: str, new: str) -> bool:
    """Add to the FTS5 row's ``column`` the stems of what ``new`` adds to ``old``: a text cut at
    ``TEXT_CHARS`` gets nothing more, and pieces are joined by a line break, so the stems of the
    whole are the old text's followed by the new piece's. False when the row is missing."""
    added = text.indexed(new[len(old) :])
    if not added:
        return True
    joined = Concat(F(column), Value(" " + added))
    return bool(TicketIndex.objects.filter(rowid=pk).update(**{column: joined}))


def _update_one(document: TicketDocument) -> bool:
    """Rewrite one existing document in place (two statements, not four); False when it or
    what the database searches is missing."""
    pk = document.ticket_id
    texts = {name: getattr(document, name) for name in TEXT_FIELDS}
    if not TicketDocument.objects.filter(pk=pk).update(**texts, updated_at=timezone.now()):
        return False
    if connection.vendor == "postgresql":
        return bool(_compute_vectors(TicketVector.objects.filter(pk=pk)))
    if connection.vendor == "sqlite":
        row = _index_row(document)
        return bool(
            TicketIndex.objects.filter(rowid=pk).update(
                subject=row.subject, people=row.people, public=row.public, internal=row.internal
            )
        )
    return True


def rebuild(tickets: QuerySet[Ticket], batch: int = BATCH) -> int:
    """Rebuild every document of ``tickets`` in batches of consecutive tickets, one
    transaction each; returns how many."""
    ids = list(tickets.order_by("pk").values_list("pk", flat=True))
    with _indexes_deferred(len(ids)):
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                refresh(ids[start : start + batch])
    return len(ids)


@contextlib.contextmanager
def _indexes_deferred(count: int) -> Iterator[None]:
    """For many documents on PostgreSQL, drop the GIN indexes and build them once at the end:
    several times faster than updating them row by row. Searches read the table meanwhile;
    a build cut short leaves them to the next ``rebuild`` (``secondline search reindex``).
    Not inside a transaction (a change of an organisation's name): the index is made only
    once the batches are committed."""
    if connection.vendor != "postgresql" or count < DEFER_INDEXES_AT or connection.in_atomic_block:
        yield
        return
    indexes = TicketVector._meta.indexes
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.remove_index(TicketVector, index)  # DROP INDEX IF EXISTS
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            for index in indexes:
                editor.add_index(TicketVector, index)
