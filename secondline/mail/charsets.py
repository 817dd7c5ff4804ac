"""Bytes to text when the charset label may lie. Pure Python.

Mail from real customers carries wrong or missing charset labels: koi8-r and cp1251 labelled as
Latin-1, UTF-8 labelled as ASCII. ``decode_text`` trusts a label only as far as the bytes agree.
"""

from __future__ import annotations

import codecs

# Labels seen in the wild that Python's codec registry does not know, or knows wrongly.
CHARSET_ALIASES = {
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
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
# Labels that often hide UTF-8 (or Cyrillic single-byte text) sent by a misconfigured client.
WESTERN_CODECS = frozenset({"ascii", "latin_1", "iso8859-1", "cp1252"})
CYRILLIC_CODECS = frozenset({"cp1251", "koi8_r", "koi8-r", "koi8_u"})


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


def _cyrillic_score(text: str) -> int:
    """Real Russian text is mostly lower case; text decoded with the wrong Cyrillic table is not."""
    lower = sum(1 for ch in text if "а" <= ch <= "я" or ch == "ё")
    upper = sum(1 for ch in text if "А" <= ch <= "Я" or ch == "Ё")
    return lower - upper


def _best_cyrillic(data: bytes) -> str:
    candidates = [data.decode("cp1251", "replace"), data.decode("koi8_r", "replace")]
    return max(candidates, key=_cyrillic_score)


def _looks_cyrillic_as_western(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    high = sum(1 for ch in letters if "\u00c0" <= ch <= "\u00ff")
    return bool(letters) and high > 0.5 * len(letters)


def decode_text(data: bytes, label: str | None = None) -> str:
    """Bytes to text, trusting the charset label only as far as the bytes agree with it."""
    if data.isascii():
        return data.decode("ascii")
    codec = codec_for(label)
    if not codec or codec in WESTERN_CODECS or codec == "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if codec and codec != "utf-8":
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            text = ""
        if text:
            if codec in CYRILLIC_CODECS:
                return _best_cyrillic(data)
            if codec in WESTERN_CODECS and _looks_cyrillic_as_western(text):
                cyrillic = _best_cyrillic(data)
                if _cyrillic_score(cyrillic) > 0:
                    return cyrillic
            return text
    return _guess(data)


def _guess(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = data.decode("cp1252", "replace")
    if _looks_cyrillic_as_western(western):
        return _best_cyrillic(data)
    return western
