"""Sentences the system writes on a ticket's history, worded in each reader's language.

A reason the system gives ("Planned: 8.4 on the main server.") is stored as its English text
(marked with ``gettext_noop``) and the figures it names, and worded when somebody reads it: the
Russian agent who planned the update and the English customer who reads the history each see it
in their own language. A person's words (a comment on a decision, a correction's reason) stay as
they were written: they travel as the reason's ``note``, shown on a line of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext

NOTE = "note"  # the figure that holds a person's words, added under the worded sentence


@dataclass(frozen=True)
class Reason:
    """``text``: the English sentence, a ``gettext_noop`` msgid with ``%(name)s`` figures."""

    text: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        return worded(self.text, self.params)


def worded(text: str, params: Mapping[str, object]) -> str:
    """``text`` with its figures, in the active language, and a person's note under it."""
    if not text:
        return ""
    figures = {name: value for name, value in params.items() if name != NOTE}
    sentence = gettext(text) % figures if figures else gettext(text)
    note = str(params.get(NOTE) or "")
    return f"{sentence}\n{note}" if note else sentence
