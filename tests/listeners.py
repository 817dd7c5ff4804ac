"""Listening to the ticket core's seam in tests: what ``tickets.signals.announce`` sends.

``with listening() as heard:`` (or the ``heard`` fixture of the root conftest) connects one
receiver to ``ticket_changed`` and one to ``ticket_committed`` and records every change that
arrives, in order, until the block ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from secondline.tickets.signals import Change, ticket_changed, ticket_committed


@dataclass
class Heard:
    """The changes each signal delivered, in the order they arrived."""

    changed: list[Change] = field(default_factory=list)
    committed: list[Change] = field(default_factory=list)

    def changed_kinds(self) -> list[str]:
        return [change.event.kind for change in self.changed]

    def committed_kinds(self) -> list[str]:
        return [change.event.kind for change in self.committed]

    def clear(self) -> None:
        self.changed.clear()
        self.committed.clear()


@contextmanager
def listening() -> Iterator[Heard]:
    heard = Heard()

    def on_changed(sender: Any, change: Change, **kwargs: Any) -> None:
        heard.changed.append(change)

    def on_committed(sender: Any, change: Change, **kwargs: Any) -> None:
        heard.committed.append(change)

    # Strong references: the receivers are local functions that would otherwise be collected.
    ticket_changed.connect(on_changed, weak=False, dispatch_uid="tests.listeners.changed")
    ticket_committed.connect(on_committed, weak=False, dispatch_uid="tests.listeners.committed")
    try:
        yield heard
    finally:
        ticket_changed.disconnect(dispatch_uid="tests.listeners.changed")
        ticket_committed.disconnect(dispatch_uid="tests.listeners.committed")
