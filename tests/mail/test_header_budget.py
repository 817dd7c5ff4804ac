"""Header values are read within a budget (issue 15: "parsing and sanitising have a size and
time budget"): a crafted header costs time in proportion to what is kept, never quadratic time
before the bytes are stored."""

from __future__ import annotations

import email.header
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from secondline.mail import headers, intake
from secondline.mail.headers import MAX_HEADER_CHARS, MAX_THREAD_IDS
from secondline.mail.models import InboundMessage, Notification
from secondline.mail.parse import ParsedMessage, parse
from tests.factories import file_ticket
from tests.mail.test_intake import plain

Status = InboundMessage.Status
WORD = "=?utf-8?q?a?="  # an encoded "a"
# The words of a long run that are decoded: those in its first MAX_HEADER_CHARS characters.
KEPT = MAX_HEADER_CHARS // len(WORD + " ")
# Far more than anything here takes now, far less than it took before the budget.
LOOSE_SECONDS = 10


def encoded(count: int) -> str:
    return " ".join([WORD] * count)


def message(**fields: str) -> bytes:
    """A plain message, ``fields`` replacing or adding to its header fields."""
    values = {
        "From": "Ann <ann@customer.example>",
        "To": "support@secondline.example",
        "Subject": "Logs",
        "Message-ID": "<m1@customer.example>",
    }
    values.update({name.replace("_", "-"): value for name, value in fields.items()})
    lines = [f"{name}: {value}" for name, value in values.items()]
    return "\r\n".join([*lines, "", "The logs.", ""]).encode()


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every value given to the standard library's decode_header, whose time
    is quadratic in the number of encoded words."""
    lengths: list[int] = []

    def spy(value: str) -> Any:
        lengths.append(len(value))
        return email.header.decode_header(value)

    monkeypatch.setattr(headers, "decode_header", spy)
    return lengths


def test_it_decodes_only_the_beginning_of_a_long_value_cut_between_words(decoded) -> None:
    assert headers.decode_header_value(encoded(80_000)) == "a" * KEPT
    assert decoded == [len(encoded(KEPT))]
    # one word with no space to cut at is cut at the limit and left undecoded
    endless = "=?utf-8?q?" + "a" * 100_000 + "?="
    assert headers.decode_header_value(endless) == endless[:MAX_HEADER_CHARS]


def test_a_huge_encoded_subject_is_stored_and_filed_with_a_cut_subject(member, decoded) -> None:
    # 80,000 words, 1.1 MB: the envelope alone took 12.6 s before the bytes were stored
    raw = plain(member.email, subject=encoded(80_000))
    started = time.monotonic()
    outcome = intake.ingest_message(raw)
    assert time.monotonic() - started < LOOSE_SECONDS
    assert outcome.status == Status.TICKET
    assert bytes(outcome.message.raw) == raw
    assert outcome.message.subject == "a" * 250
    assert outcome.message.result_ticket.subject == "a" * 250
    assert decoded and max(decoded) <= MAX_HEADER_CHARS


@pytest.mark.parametrize(
    ("name", "value", "expect"),
    [
        ("Subject", encoded(80_000), lambda p: p.subject == "a" * KEPT),
        ("Precedence", encoded(80_000), lambda p: p.automatic == ""),  # "aaa...", not "bulk"
        (
            "Auto-Submitted",
            encoded(80_000),
            lambda p: p.automatic == "Auto-Submitted: " + "a" * KEPT,
        ),
        ("X-Auto-Response-Suppress", encoded(80_000), lambda p: p.suppress_auto_replies),
        ("In-Reply-To", f"{encoded(80_000)} <r1@x>", lambda p: p.in_reply_to == ["<r1@x>"]),
        ("References", f"<r1@x> {encoded(80_000)}", lambda p: p.references == ["<r1@x>"]),
        ("From", f"{encoded(1_000)} <ann@x.example>", lambda p: p.sender == "ann@x.example"),
        ("From", f"{encoded(80_000)} <ann@x.example>", lambda p: p.sender == ""),
        ("To", f"{encoded(80_000)} <support@x>", lambda p: p.recipients == ["support@x"]),
    ],
)
def test_every_header_is_decoded_within_the_budget(
    name: str, value: str, expect: Callable[[ParsedMessage], bool], decoded: list[int]
) -> None:
    raw = message(**{name: value})
    parsed = parse(raw)
    assert expect(parsed)
    assert max(decoded, default=0) <= MAX_HEADER_CHARS
    assert headers.envelope(raw).message_id == "<m1@customer.example>"


def test_a_huge_encoded_display_name_is_stored_and_quarantined_with_the_reason(
    member, decoded
) -> None:
    # The address stands after the budget: it is not read, and no ticket is filed for nobody.
    raw = message(From=f"{encoded(80_000)} <{member.email}>")
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.QUARANTINED
    assert outcome.message.error == "The message has no sender address."
    assert bytes(outcome.message.raw) == raw
    assert outcome.message.subject == "Logs"
    assert decoded and max(decoded) <= MAX_HEADER_CHARS


def test_a_long_display_name_within_the_budget_still_names_its_sender(member) -> None:
    outcome = intake.ingest_message(message(From=f"{encoded(1_000)} <{member.email}>"))
    assert outcome.status == Status.TICKET
    assert outcome.message.result_ticket.requester == member


def test_a_long_chain_keeps_its_root_and_its_most_recent_message_ids() -> None:
    chain = [f"<r{i}@customer.example>" for i in range(50_000)]  # 1.3 MB
    parsed = parse(message(In_Reply_To=" ".join(chain), References=" ".join(chain)))
    kept = [chain[0], *chain[-(MAX_THREAD_IDS - 1) :]]
    assert parsed.references == kept
    assert parsed.in_reply_to == kept
    short = chain[:MAX_THREAD_IDS]
    assert parse(message(References=" ".join(short))).references == short


@pytest.mark.parametrize("where", ["root", "latest"])
def test_a_reply_with_a_huge_references_chain_still_joins_its_ticket(
    member, sent, where: str
) -> None:
    with sent():
        ticket = file_ticket(member)
    ours = Notification.objects.get(ticket=ticket).message_id
    others = [f"<r{i}@customer.example>" for i in range(100_000)]  # 2.6 MB
    chain = [ours, *others] if where == "root" else [*others, ours]
    reply = plain(member.email, subject="Re: logs", References=" ".join(chain))
    outcome = intake.ingest_message(reply)
    assert outcome.status == Status.COMMENT
    assert outcome.message.result_ticket == ticket


def test_a_header_block_of_many_unfolded_lines_is_repaired_in_linear_time(monkeypatch) -> None:
    lines = 5_000  # each bad line used to look ahead through all the others: 4 s, 20,000 72 s

    class Counting:
        calls = 0

        def match(self, line: bytes) -> re.Match[bytes] | None:
            Counting.calls += 1
            return pattern.match(line)

    pattern = headers.FIELD_RE
    monkeypatch.setattr(headers, "FIELD_RE", Counting())
    raw = b"Subject: x\n" + b"z\n" * lines + b"From: ann@customer.example\n\nThe logs.\n"
    found = headers.envelope(raw)
    assert found.sender == "ann@customer.example"
    assert found.subject == ("x" + " z" * lines)[:250]
    assert Counting.calls <= 3 * lines


@pytest.mark.parametrize(
    ("read", "value", "expect"),
    [
        # an "<" before a long run of "a@": the angle-address pattern backtracked over each "@"
        (headers._angled, "<" + "a@" * 50_000, []),
        # an encoded word's start before a long run of spaces: the split-word pattern
        (headers._joined_words, "=?a?q?" + " " * 300_000, "=?a?q?" + " " * 300_000),
        # a display name of letters without an "@": the claimed-address pattern
        (lambda name: headers.claimed_address(name, "ann@x.example"), "a" * 300_000, ""),
    ],
)
def test_the_header_patterns_take_linear_time_on_their_worst_input(
    read: Callable[[str], object], value: str, expect: object
) -> None:
    started = time.monotonic()
    assert read(value) == expect
    assert time.monotonic() - started < LOOSE_SECONDS  # minutes with the quadratic patterns
