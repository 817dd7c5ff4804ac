"""Store first, then bounded work: the raw bytes are committed before the message is parsed,
and its HTML is sanitized within a size and a time budget; over it, the text part is filed and
the HTML is kept as an attachment."""

from __future__ import annotations

import threading
import time
from email.message import EmailMessage

import pytest

from secondline.mail import batches, budget, intake, limits
from secondline.mail.models import InboundMessage
from secondline.tickets.models import TicketEvent

Status = InboundMessage.Status
pytestmark = pytest.mark.django_db


def html_mail(sender: str, html: str, text: str | None = "See the HTML version.") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@secondline.example"
    message["Subject"] = "Layout"
    message["Message-ID"] = "<layout@customer.example>"
    if text is None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def nested_divs(depth: int) -> str:
    return "<div>" * depth + "Please call me at noon" + "</div>" * depth


def test_deeply_nested_html_of_1_6_mb_is_stored_and_filed_with_its_text(member) -> None:
    raw = html_mail(member.email, nested_divs(150_000))
    assert len(raw) > 1_600_000
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.TICKET
    ticket = outcome.message.result_ticket
    assert ticket.description.startswith("See the HTML version.")
    kept = ticket.attachments.get(filename="message.html")
    assert kept.content_type == "text/html" and kept.size > 1_600_000
    note = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.OTHER)
    assert "message.html" in note.reason


def test_html_only_mail_over_the_budget_is_filed_with_its_text_without_tags(
    member, settings
) -> None:
    settings.MAIL_HTML_MAX_BYTES = 10_000
    raw = html_mail(member.email, nested_divs(2_000) + "<p>and&nbsp;thanks</p>", text=None)
    parsed = limits.parse_raw(raw)
    assert parsed.html_over_budget and parsed.html == ""
    assert parsed.text == "Please call me at noon and thanks"  # words kept apart
    assert [a.filename for a in parsed.attachments] == ["message.html"]


def test_html_that_takes_too_long_to_sanitize_takes_the_same_path(member, settings) -> None:
    settings.MAIL_HTML_SECONDS = 0.05
    stuck = threading.Event()

    def slow(html: str) -> str:
        stuck.wait(10)  # released at the end of the test
        return html

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(budget, "sanitize_html", slow)
            html = "<p>over the size sanitized without a thread</p>" * 200
            assert len(html) > budget.INLINE_MAX_BYTES
            outcome = intake.ingest_message(html_mail(member.email, html))
    finally:
        stuck.set()
    assert outcome.status == Status.TICKET
    assert outcome.message.result_ticket.attachments.filter(filename="message.html").exists()


def test_html_within_the_budget_is_sanitized_as_before(member) -> None:
    parsed = limits.parse_raw(html_mail(member.email, "<p onclick='x()'>Hi</p><script>x</script>"))
    assert not parsed.html_over_budget
    assert parsed.html.strip() == "<p>Hi</p>"
    assert parsed.attachments == []


@pytest.mark.parametrize("path", ["ingest_message", "ingest_many"])
def test_the_bytes_are_stored_before_the_message_is_parsed(member, path) -> None:
    raw = html_mail(member.email, "<p>Hello</p>")

    def parse_dies(raw: bytes) -> None:
        # Stored (and, outside a test's transaction, committed) before this is ever called.
        assert InboundMessage.objects.filter(status=Status.RECEIVED).count() == 1
        raise KeyboardInterrupt  # as good as the process being killed here

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(limits, "parse_raw", parse_dies)
        with pytest.raises(KeyboardInterrupt):
            if path == "ingest_message":
                intake.ingest_message(raw)
            else:
                list(batches.ingest_many([(raw, "import:x")]))
    stored = InboundMessage.objects.get()
    assert bytes(stored.raw) == raw and stored.status == Status.RECEIVED
    assert intake.process_pending() == 1
    stored.refresh_from_db()
    assert stored.status == Status.TICKET


@pytest.mark.parametrize("shape", ["<div>", "<ul><li>", "<b><p>", "<font><div>"])
def test_the_worst_html_sanitized_without_a_thread_is_quick(shape) -> None:
    html = shape * (budget.INLINE_MAX_BYTES // len(shape))
    started = time.monotonic()
    assert budget.sanitized_within(html, budget.HtmlBudget()) is not None
    # Not a timing benchmark: a bound loose enough for a busy machine, half the default
    # 10 s budget, that a sanitizer turning pathological at this size would break.
    assert time.monotonic() - started < 5


def test_small_html_is_sanitized_in_the_intakes_thread(monkeypatch) -> None:
    monkeypatch.setattr(threading, "Thread", None)  # would raise if a thread were started
    assert budget.sanitized_within("<p onclick='x()'>Hi</p>", budget.HtmlBudget()) == "<p>Hi</p>"
