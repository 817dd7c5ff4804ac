"""Read gettext .po files without a third-party library: enough for the completeness checks."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "secondline"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    obsolete: bool = False


def russian_catalogues() -> list[Path]:
    return sorted(ROOT.glob("**/locale/ru/LC_MESSAGES/django.po"))


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] = ("msgid", 0)
    started = False

    def finish() -> None:
        nonlocal entry, started
        if started:
            entries.append(entry)
        entry, started = Entry(), False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):  # an obsolete entry: read it, marked so
            entry.obsolete, line = True, line[2:].strip()
            if line.startswith("|"):
                continue
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            entry.fuzzy = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            keyword, rest = "", line
        text = ast.literal_eval(rest) if rest else ""
        if keyword == "msgctxt":
            started, entry.msgctxt, target = True, text, ("msgctxt", 0)
        elif keyword == "msgid":
            started, entry.msgid, target = True, text, ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.msgid_plural, target = text, ("msgid_plural", 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry.msgstr[index] = text
            target = ("msgstr", index)
        elif keyword == "":
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += text
            elif name == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            else:
                setattr(entry, name, getattr(entry, name) + text)
    finish()
    return entries
