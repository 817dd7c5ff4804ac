"""Parse messages ahead in worker processes while this process stores and routes earlier ones.

The workers run ``parse.parse`` and nothing else: they import this module and ``parse`` (pure
Python), never Django's database layer. They are started with "spawn", not "fork", so they
inherit no open database connection, lock or thread of this process. (Like every spawned
process, a worker imports the script that started this process under another name: a script
that imports mail must keep its work under ``if __name__ == "__main__":``.)

``parsed_ahead`` yields the messages in their input order, each with its parsed form, or None
where this process should parse it itself: the message was not bytes, its parse raised in the
worker, a worker died or could not be started. Look-ahead is bounded (``CHUNK`` messages per
task, ``IN_FLIGHT`` tasks per worker), so a 100,000-message mbox is never held in memory.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice

from secondline.mail import parse

log = logging.getLogger(__name__)

CHUNK = 32  # messages per task: one round trip to a worker for many messages
IN_FLIGHT = 3  # tasks queued per worker, so it never waits for the next one
PARENT_CHECK_SECONDS = 0.5
START_HERE = 2  # chunks parsed in this process while the workers start
PARALLEL_FROM = 100  # fewer messages are parsed in this process by default


def parse_each(raws: list[bytes | None]) -> list[parse.ParsedMessage | None]:
    """``parse.parse`` of each message; None for a None (not bytes) or where the parse raised."""
    results: list[parse.ParsedMessage | None] = []
    for raw in raws:
        try:
            results.append(None if raw is None else parse.parse(raw))
        except Exception:  # parse never raises; should it ever, the caller parses it again
            results.append(None)
    return results


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: leave when the importer is gone (killed with SIGKILL, say).

    An orphaned worker would otherwise wait for tasks forever: it holds both ends of its task
    queue, so it never sees end-of-file. Ctrl-C is the importer's to handle: it stops the
    workers as it stops.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(jobs: int | None) -> int:
    """Parse workers for ``jobs`` processes in all (this one included); None: one worker when
    there is a second CPU. More rarely helps: the database work is the slower half."""
    if jobs is None:
        return 1 if cpus() > 1 else 0
    return max(jobs - 1, 0)


class _Workers:
    """A process pool that, once it fails, answers None for everything (parse it yourself)."""

    def __init__(self, count: int) -> None:
        self.pool: ProcessPoolExecutor | None = None
        try:
            self.pool = ProcessPoolExecutor(
                count,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
        except Exception:  # no process support here (no working sem_open, say)
            log.warning("no parse workers; parsing in the importer", exc_info=True)

    def submit(self, raws: list[bytes | None]) -> Future[list[parse.ParsedMessage | None]] | None:
        if self.pool is None:
            return None
        try:
            return self.pool.submit(parse_each, raws)
        except Exception:  # the pool broke, or could not start a process
            log.warning("parse workers failed; parsing in the importer", exc_info=True)
            self._give_up()
            return None

    def results(
        self, future: Future[list[parse.ParsedMessage | None]] | None, count: int
    ) -> list[parse.ParsedMessage | None]:
        if future is None:
            return [None] * count
        try:
            results = future.result()
        except BrokenProcessPool:  # a worker died: every task still queued fails too
            log.warning("a parse worker died; parsing in the importer", exc_info=True)
            self._give_up()
            return [None] * count
        except Exception:  # this task only (a result that did not pickle, say)
            log.warning("parse worker failed; parsing in the importer", exc_info=True)
            return [None] * count
        if not isinstance(results, list) or len(results) != count:
            return [None] * count
        return [item if isinstance(item, parse.ParsedMessage) else None for item in results]

    def _give_up(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


Chunk = list[tuple[bytes, str]]


def parsed_ahead(
    messages: Iterable[tuple[bytes, str]], jobs: int | None = None
) -> Generator[tuple[bytes, str, parse.ParsedMessage | None], None, None]:
    """Each (raw, source) in input order with ``parse.parse(raw)`` from a worker process, or
    None where the caller must parse it.

    ``jobs`` is how many processes work, this one included: 1 parses nothing ahead. None (the
    default) uses a worker when there is a second CPU and more than ``PARALLEL_FROM`` messages.
    """
    items = iter(messages)
    workers = workers_for(jobs)
    if jobs is None and workers:
        first = list(islice(items, PARALLEL_FROM + 1))
        if len(first) <= PARALLEL_FROM:
            workers = 0
        items = chain(first, items)
    if not workers:
        for raw, source in items:
            yield raw, source, None
        return
    pool = _Workers(workers)
    window: deque[tuple[Chunk, Future[list[parse.ParsedMessage | None]] | None]] = deque()
    chunks = 0
    try:
        while True:
            while len(window) < workers * IN_FLIGHT + START_HERE:
                chunk = [(_as_bytes(raw), source) for raw, source in islice(items, CHUNK)]
                if not chunk:
                    break
                chunks += 1
                # The first chunks are parsed here while the workers start (a quarter second).
                future = (
                    None
                    if chunks <= START_HERE
                    else pool.submit([_only_bytes(r) for r, _ in chunk])
                )
                window.append((chunk, future))
            if not window:
                return
            chunk, future = window.popleft()
            for (raw, source), parsed in zip(chunk, pool.results(future, len(chunk)), strict=True):
                yield raw, source, parsed
    finally:
        pool.close()


def _as_bytes(raw: bytes) -> bytes:
    # As ingest_message converts it; anything else is left for it to refuse (TypeError).
    return bytes(raw) if isinstance(raw, bytearray | memoryview) else raw


def _only_bytes(raw: object) -> bytes | None:
    return raw if isinstance(raw, bytes) else None
