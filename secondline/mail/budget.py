"""The work budget of a message's HTML. Pure Python.

Sanitizing HTML (nh3) slows down steeply with nesting: 20,000 nested ``<div>``s, 220 KB,
take seconds, 1.6 MB of them minutes. So the HTML of one message is sanitized only when it
is at most ``max_bytes`` long, and only for up to ``seconds``; over either, the message is
filed with its text part (or the HTML's text with the tags dropped) and the HTML is kept as an
attachment (``parse``). The settings ``MAIL_HTML_MAX_BYTES`` and ``MAIL_HTML_SECONDS`` set
the budget (``limits.parse_raw``).
"""

from __future__ import annotations

import html as html_entities
import re
import threading
from dataclasses import dataclass

from secondline.mail.body import sanitize_html

TAG = re.compile(r"<[^<>]*>")


# HTML up to this size is sanitized in the intake's own thread: the worst shapes we tried
# (nested lists or <div>s, misnested tags) took 25-50 ms at 8 KB on 2 busy cores, while a
# thread of its own cost 0.4 ms for every HTML message (tests/mail/test_budget.py).
INLINE_MAX_BYTES = 8 * 1024


@dataclass(frozen=True)
class HtmlBudget:
    max_bytes: int = 1024 * 1024
    seconds: float = 10.0


def sanitized_within(html: str, budget: HtmlBudget) -> str | None:
    """``sanitize_html(html)``, or None when ``html`` is over the budget.

    nh3 releases the GIL, so it runs in a thread the intake waits for at most ``seconds``.
    A sanitizer over time cannot be stopped: it runs on in the background, bounded by the size
    budget, and its result is dropped. HTML of at most ``INLINE_MAX_BYTES``, whose worst case is
    a fraction of a second, is sanitized without a thread.
    """
    size = len(html.encode("utf-8", "surrogatepass"))
    if size > budget.max_bytes:
        return None
    if size <= INLINE_MAX_BYTES:
        return sanitize_html(html)
    result: list[str] = []
    worker = threading.Thread(
        target=lambda: result.append(sanitize_html(html)), name="sanitize-html", daemon=True
    )
    worker.start()
    worker.join(budget.seconds)
    return result[0] if result else None


def text_without_tags(html: str) -> str:
    """A rough text of HTML over the budget, in linear time: the tags dropped, the spaces
    collapsed on each line."""
    text = html_entities.unescape(TAG.sub(" ", html))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
