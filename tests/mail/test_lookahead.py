"""The importer parses ahead in a parse process: the same outcomes, in the same order, and a
parse process that fails or dies only means parsing in the importer again."""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import signal
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path

import pytest
from django.db import transaction

from secondline.mail import lookahead, parse, services, sources
from secondline.mail.models import InboundMessage
from secondline.tickets.models import Ticket
from tests.factories import file_ticket
from tests.mail.conftest import eml
from tests.mail.test_intake import plain

CORPUS = Path("/work/shared/corpora/mail")
Status = InboundMessage.Status


@pytest.fixture
def small_chunks(monkeypatch) -> None:
    """Many small tasks, every one of them sent to the parse process."""
    monkeypatch.setattr(lookahead, "CHUNK", 4)
    monkeypatch.setattr(lookahead, "START_HERE", 0)


def mixed_batch(member) -> list[tuple[bytes, str]]:
    """Every kind of message, replies to tickets opened earlier in the same batch, duplicates,
    broken and random bytes, and a sample of the real-world corpus."""
    ticket = file_ticket(member)
    rng = random.Random(2026)
    raws = [
        eml("attachments.eml", sender=member.email),
        eml("auto-reply.eml", sender=member.email, number=ticket.number),
        eml("bounce.eml", notification_id="<n-1@secondline.example>", recipient=member.email),
        eml("broken.eml", sender=member.email),
        eml("cp1251-mislabelled.eml", sender=member.email),
        eml("html-only-cp1251.eml", sender=member.email),
        eml("koi8r-incident.eml", sender=member.email),
        eml("reply-ru.eml", sender=member.email, number=ticket.number),
        eml("utf8-mislabelled.eml", sender=member.email),
        b"",
        b"\xff\xfe\x00garbage",
        *(rng.randbytes(rng.randint(1, 3000)) for _ in range(10)),
    ]
    for n in range(30):
        raws.append(plain(member.email, subject=f"Problem {n}", Message_ID=f"<open-{n}@x.test>"))
        # a reply to the ticket the message just before opened, in the same run
        raws.append(plain(member.email, subject=f"Re: {n}", In_Reply_To=f"<open-{n}@x.test>"))
    raws.append(plain("stranger@elsewhere.example"))
    raws.append(raws[-1])  # the same bytes again
    raws.append(plain(member.email, body="another route", Message_ID="<open-0@x.test>"))
    if CORPUS.is_dir():
        raws += [raw for n, (_, raw) in enumerate(sources.messages(CORPUS)) if n % 10 == 0]
    return [(raw, "import:test") for raw in raws]


def settled(outcomes: Iterable[services.Outcome]) -> list[tuple[str, ...]]:
    """What became of each message, without the row ids, which differ between two runs."""
    rows = []
    for outcome in outcomes:
        message = outcome.message
        ticket = message.result_ticket.subject if message.result_ticket_id else ""
        comment = message.result_comment.body if message.result_comment_id else ""
        rows.append(
            (outcome.status, message.sender, re.sub(r"\d+", "N", message.error), ticket, comment)
        )
    return rows


def test_parsing_ahead_gives_the_same_outcomes_as_parsing_in_process(member, small_chunks) -> None:
    batch = mixed_batch(member)
    with transaction.atomic():
        in_process = settled(services.ingest_many(batch, jobs=1))
        transaction.set_rollback(True)
    ahead = settled(services.ingest_many(batch, jobs=2))
    assert ahead == in_process
    statuses = {row[0] for row in ahead}
    assert {Status.TICKET, Status.COMMENT, Status.QUARANTINED, Status.DUPLICATE} <= statuses
    assert [row[0] for row in ahead[21:81:2]] == [Status.TICKET] * 30
    assert [row[0] for row in ahead[22:82:2]] == [Status.COMMENT] * 30


def test_the_parse_process_returns_what_parse_returns(member, small_chunks) -> None:
    batch = mixed_batch(member)
    ahead = list(lookahead.parsed_ahead(batch, jobs=2))
    assert [(raw, source) for raw, source, _ in ahead] == batch
    assert [parsed for _, _, parsed in ahead] == [parse.parse(raw) for raw, _ in batch]


def test_the_routing_uses_the_parse_done_ahead(member, small_chunks, monkeypatch) -> None:
    """Proof that the parse process did the work: this process cannot parse at all here."""

    def broken(raw: bytes) -> parse.ParsedMessage:
        raise RuntimeError("parse broke")

    monkeypatch.setattr(parse, "parse", broken)
    batch = [(plain(member.email, subject=f"Problem {n}"), "import:test") for n in range(6)]
    outcomes = list(services.ingest_many(batch, jobs=2))
    assert [outcome.status for outcome in outcomes] == [Status.TICKET] * 6


def test_a_parse_that_raises_here_is_quarantined_as_before(member, monkeypatch) -> None:
    def broken(raw: bytes) -> parse.ParsedMessage:
        raise RuntimeError("parse broke")

    monkeypatch.setattr(parse, "parse", broken)
    raw = plain(member.email)
    [outcome] = services.ingest_many([(raw, "import:test")], jobs=1)
    assert outcome.status == Status.QUARANTINED
    assert "RuntimeError: parse broke" in outcome.message.error
    assert outcome.message.subject == "Price lists"  # stored with its envelope all the same
    assert bytes(outcome.message.raw) == raw


def test_a_parse_process_that_dies_leaves_the_parse_to_the_importer(
    member, small_chunks, monkeypatch
) -> None:
    batch = [(plain(member.email, subject=f"Problem {n}"), "import:test") for n in range(40)]
    ahead = lookahead.parsed_ahead(batch, jobs=2)
    first = next(ahead)
    workers = multiprocessing.active_children()
    assert workers
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
    rest = list(ahead)
    assert [(raw, source) for raw, source, _ in [first, *rest]] == batch
    assert rest[-1][2] is None  # parsed by the importer from then on

    outcomes = []
    for outcome in services.ingest_many(batch[:20], jobs=2):
        if not outcomes:
            for worker in multiprocessing.active_children():
                os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        outcomes.append(outcome.status)
    assert outcomes == [Status.TICKET] * 20
    assert Ticket.objects.count() == 20


def test_the_parse_process_is_stopped_when_the_import_stops_early(member, small_chunks) -> None:
    batch = [(plain(member.email, subject=f"Problem {n}"), "import:test") for n in range(40)]
    imported = services.ingest_many(batch, jobs=2, batch_size=10)
    try:
        assert next(imported).status == Status.TICKET
        assert multiprocessing.active_children()
    finally:
        imported.close()
    assert multiprocessing.active_children() == []
    # nothing stored beyond the first batch, and none of it left unrouted
    assert InboundMessage.objects.count() == 10
    assert not InboundMessage.objects.filter(status=Status.RECEIVED).exists()


def test_a_message_that_is_not_bytes_is_refused_in_its_turn(member, small_chunks) -> None:
    batch = [(plain(member.email, subject=f"Problem {n}"), "import:test") for n in range(9)]
    batch[5] = ("not bytes", "import:test")  # type: ignore[assignment]
    outcomes = []
    with pytest.raises(TypeError):
        for outcome in services.ingest_many(batch, jobs=2):
            outcomes.append(outcome)
    assert len(outcomes) == 5
    [(raw, _, parsed)] = lookahead.parsed_ahead([(bytearray(b"Subject: x\n\nhi"), "t")], jobs=2)
    assert raw == b"Subject: x\n\nhi" and parsed == parse.parse(raw)


def test_a_broken_result_means_parsing_here() -> None:
    workers = lookahead._Workers(1)
    try:
        good = parse.parse(b"Subject: hello\n\nhi")
        failed: Future[list[parse.ParsedMessage | None]] = Future()
        failed.set_exception(ValueError("did not pickle"))
        short: Future[list[parse.ParsedMessage | None]] = Future()
        short.set_result([good])
        odd: Future[list[parse.ParsedMessage | None]] = Future()
        odd.set_result([good, "junk"])  # type: ignore[list-item]
        assert workers.results(failed, 2) == [None, None]
        assert workers.results(short, 2) == [None, None]
        assert workers.results(odd, 2) == [good, None]
        assert workers.results(None, 1) == [None]
    finally:
        workers.close()


def test_parse_each_answers_none_where_parse_raises(monkeypatch) -> None:
    real = parse.parse

    def picky(raw: bytes) -> parse.ParsedMessage:
        if raw == b"bad":
            raise RuntimeError("no")
        return real(raw)

    monkeypatch.setattr(parse, "parse", picky)
    good = b"Subject: hello\n\nhi"
    assert lookahead.parse_each([good, b"bad", None]) == [real(good), None, None]


@pytest.mark.parametrize(
    ("jobs", "cpus", "workers"),
    [(1, 2, 0), (2, 1, 1), (3, 4, 2), (None, 1, 0), (None, 2, 1), (None, 8, 1)],
)
def test_jobs_counts_this_process(monkeypatch, jobs, cpus, workers) -> None:
    monkeypatch.setattr(lookahead, "cpus", lambda: cpus)
    assert lookahead.workers_for(jobs) == workers


def test_a_few_messages_are_parsed_in_process_by_default(monkeypatch) -> None:
    monkeypatch.setattr(lookahead, "cpus", lambda: 2)
    started = []
    monkeypatch.setattr(lookahead, "_Workers", lambda count: started.append(count))
    few = [(b"Subject: %d\n\nhi" % n, "t") for n in range(lookahead.PARALLEL_FROM)]
    assert [item[:2] for item in lookahead.parsed_ahead(few)] == few
    assert started == []
