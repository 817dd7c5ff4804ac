"""Words, their stems and highlighted snippets: pure Python, no Django.

One tokenizer and one Snowball stemmer for both languages, so the embedded database (SQLite
FTS5 indexes the stems written here) and the snippets agree with PostgreSQL's own ``russian``
and ``english`` configurations, which use the same Snowball algorithms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Letters and digits; "_", "@", "." and "-" split, so a file name or an address is its words.
WORD_RE = re.compile(r"[^\W_]+")
CYRILLIC_RE = re.compile(r"[а-яё]")
SNIPPET_WORDS = 30


@lru_cache(maxsize=1)
def _stemmers() -> tuple[snowballstemmer.Stemmer, snowballstemmer.Stemmer]:
    return snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def stem(word: str) -> str:
    """A word's Snowball stem: Russian for a Cyrillic word, English otherwise (as PostgreSQL's
    ``russian`` configuration does); case and «ё» do not count. A number is its own stem (as
    PostgreSQL keeps it), and is not kept in the cache of the words' stems."""
    return word if word.isdigit() else _word_stem(word)


@lru_cache(maxsize=20000)
def _word_stem(word: str) -> str:
    word = word.lower().replace("ё", "е")
    russian, english = _stemmers()
    return str((russian if CYRILLIC_RE.search(word) else english).stemWord(word))


def stems(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


def indexed(text: str) -> str:
    """What the embedded full-text index stores for ``text``: its stems, in order."""
    return " ".join(stems(text))


def plain(text: str) -> str:
    """The query's words without punctuation, for PostgreSQL's plain query parser."""
    return " ".join(words(text))


def fts5_query(text: str) -> str:
    """An FTS5 query that finds every stem of ``text`` (each quoted: no FTS5 syntax from the
    user reaches the engine); empty when ``text`` has no words."""
    unique = dict.fromkeys(stems(text))
    return " ".join(f'"{term}"' for term in unique)


@dataclass(frozen=True)
class Piece:
    text: str
    match: bool


def snippet(text: str, query: str, length: int = SNIPPET_WORDS) -> list[Piece]:
    """A window of ``text`` around the first word that matches ``query``, as pieces to show
    with the matching words marked; empty when no word matches."""
    wanted = set(stems(query))
    found = [m for m in WORD_RE.finditer(text) if stem(m.group()) in wanted]
    if not wanted or not found:
        return []
    all_words = list(WORD_RE.finditer(text))
    first = next(i for i, m in enumerate(all_words) if m.start() == found[0].start())
    begin = max(0, first - length // 3)
    end = min(len(all_words), begin + length)
    start_at = all_words[begin].start()
    stop_at = all_words[end - 1].end()
    pieces: list[Piece] = [Piece("…", False)] if begin else []
    cursor = start_at
    for match in all_words[begin:end]:
        if stem(match.group()) in wanted:
            if match.start() > cursor:
                pieces.append(Piece(text[cursor : match.start()], False))
            pieces.append(Piece(match.group(), True))
            cursor = match.end()
    pieces.append(Piece(text[cursor:stop_at], False))
    if end < len(all_words):
        pieces.append(Piece("…", False))
    return [piece for piece in pieces if piece.text]
