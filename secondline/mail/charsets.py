"""Bytes to text: the declared charset first, detection only without one. Pure Python.

Contract (issue 15, "every charset, exactly"): a charset label Python knows is honoured as it
is (koi8-r, windows-1251, ISO-2022-JP, UTF-7, ...); detection runs only when the label is
missing, unknown, or the bytes do not decode with it. ISO-8859-1 decodes any byte, so bytes in
0x80-0x9F (C1 control codes, never in ISO-8859-1 text) count as not decoding with it.
"""

from __future__ import annotations

import codecs
import math
import re

# Labels seen in the wild that Python's codec registry does not know, or knows wrongly.
CHARSET_ALIASES = {
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-mac-cyrillic": "mac-cyrillic",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp-850": "cp850",
    "ansi_x3.4-1968": "ascii",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "x-user-defined": "",
    "default": "",
    "charset": "",
}
C1_CONTROLS = re.compile(rb"[\x80-\x9f]")
# How often each letter occurs in Russian text, per mille (letters, any case): tells koi8-r
# from windows-1251 when no label says which (reading one as the other swaps common letters
# for rare ones and, in CAPITALS too, the case is no clue). Rounded from the usual table
# (ru.wikipedia.org, «Частотность»).
RUSSIAN_FREQUENCY = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (110, 85, 80, 74, 67, 63, 55, 47, 45, 44, 35, 32, 30, 28, 26, 20, 19, 17, 17, 17, 16,
         14, 12, 10, 9, 7, 6, 5, 4, 3, 3, 1, 1),
        strict=True,
    )
)  # fmt: skip
CYRILLIC_TABLES = ("cp1251", "koi8_r")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label: "" if it says nothing, None if unknown."""
    if not label:
        return ""
    name = label.strip().strip("\"'").lower()
    name = CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_as(data: bytes, codec: str) -> str | None:
    """``data`` in ``codec``, or None when the bytes are not text in it."""
    if codec == "iso8859-1" and C1_CONTROLS.search(data):
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(data: bytes, label: str | None = None, hint: str | None = None) -> str:
    """Bytes to text in the declared charset ``label``; detected only when the label is
    missing, unknown, or does not decode. ``hint`` (the charset the rest of the message
    declares) is tried after UTF-8 for bytes that came without a label of their own."""
    codec = codec_for(label)
    if codec:
        text = decode_as(data, codec)
        if text is not None:
            return text
    if data.isascii():
        if b"\x1b" in data:  # ISO-2022 escape sequences without a label saying so
            return decode_as(data, "iso2022_jp_2") or data.decode("ascii")
        return data.decode("ascii")
    return detect(data, hint)


def detect(data: bytes, hint: str | None = None) -> str:
    """Text from unlabelled bytes: UTF-8, the hint, Russian in windows-1251 or koi8-r (told
    apart by letter frequencies), else windows-1252."""
    text = _mostly_utf8(data)
    if text is not None:
        return text
    hinted = codec_for(hint)
    if hinted and hinted not in {"utf-8", "ascii"}:
        text = decode_as(data, hinted)
        if text is not None:
            return text
    western = data.decode("cp1252", "replace")
    if _looks_cyrillic_as_western(western):
        return max((data.decode(table, "replace") for table in CYRILLIC_TABLES), key=_russian_score)
    return western


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 when it is UTF-8 but for a few broken bytes (a name cut in the middle
    of a character): other charsets almost never form valid multi-byte sequences."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    broken = text.count("\ufffd")
    wide = sum(1 for ch in text if ch > "\x7f" and ch != "\ufffd")
    return text if wide >= 4 * broken else None


def _russian_score(text: str) -> float:
    """How much ``text`` reads like Russian: the mean log frequency of its Cyrillic letters."""
    letters = [ch for ch in text.lower() if "а" <= ch <= "я" or ch == "ё"]
    if not letters:
        return -math.inf
    return sum(math.log(RUSSIAN_FREQUENCY.get(ch, 1)) for ch in letters) / len(letters)


def _looks_cyrillic_as_western(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    high = sum(1 for ch in letters if "\u00c0" <= ch <= "\u00ff")
    return bool(letters) and high > 0.5 * len(letters)
