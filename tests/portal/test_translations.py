"""Every Russian catalogue is complete, not fuzzy, and compiled from its current .po file."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

from tests.portal.catalogues import ROOT, read_po, russian_catalogues

CATALOGUES = russian_catalogues()
FOUNDATION = {"accounts", "tickets", "sla", "api", "portal", "locale"}


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_it_has_a_russian_catalogue_for_every_foundation_app() -> None:
    apps = {path.relative_to(ROOT).parts[0] for path in CATALOGUES}
    assert apps >= FOUNDATION


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_it_translates_every_message(path: Path) -> None:
    problems = []
    for entry in read_po(path):
        if entry.obsolete or entry.msgid == "":
            if entry.msgid == "" and entry.fuzzy:
                problems.append("the header is marked fuzzy")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if not entry.msgstr or not all(entry.msgstr.values()):
            problems.append(f"untranslated: {entry.msgid!r}")
        if entry.msgid_plural and len(entry.msgstr) != 3:
            problems.append(f"Russian needs three plural forms: {entry.msgid!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_it_ships_the_compiled_catalogue_of_the_current_po(path: Path) -> None:
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"run compilemessages: {compiled} is missing"
    with compiled.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in read_po(path):
        if entry.obsolete or not entry.msgid or entry.fuzzy:
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural:
            got = catalogue.ngettext(entry.msgid, entry.msgid_plural, 1)
            if entry.msgctxt is not None:
                got = catalogue.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
            wanted = entry.msgstr.get(0, "")
        else:
            got = (
                catalogue.gettext(key)
                if entry.msgctxt is None
                else catalogue.pgettext(entry.msgctxt, entry.msgid)
            )
            wanted = entry.msgstr.get(0, "")
        if got != wanted:
            stale.append(entry.msgid)
    assert not stale, f"{compiled} is older than its .po; run compilemessages: {stale[:5]}"
