"""``makemessages`` run on a copy of the code finds every catalogue complete and current: no
msgid the code uses is missing or untranslated, none is fuzzy, none is left that no code uses.

The copy keeps the real catalogues untouched; ``msgmerge`` (GNU gettext) does the matching, so
a string changed in the code shows up here as fuzzy or untranslated until its .po is updated
(docs/portal.md, "Translations")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.portal.catalogues import ROOT, read_po

SOURCES = ("*.py", "*.html", "*.txt", "*.po")


def _copy_sources(target: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {
            name
            for name in names
            if not (Path(folder) / name).is_dir() and not any(Path(name).match(p) for p in SOURCES)
        } | {"__pycache__", "static"}

    copy = target / "secondline"
    shutil.copytree(ROOT, copy, ignore=ignore)
    return copy


@pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU gettext is not installed")
def test_makemessages_finds_nothing_to_translate(tmp_path: Path) -> None:
    copy = _copy_sources(tmp_path)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "secondline.settings"}
    environment["PYTHONPATH"] = str(ROOT.parent)
    # django-admin, not ``python -m django``: the copy holds a celery.py that must not shadow
    # the library when the working directory goes on sys.path
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "django-admin"),
            "makemessages",
            "-l",
            "ru",
            "--no-location",
        ],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    problems = []
    for path in sorted(copy.glob("**/locale/ru/LC_MESSAGES/django.po")):
        name = path.relative_to(copy)
        for entry in read_po(path):
            if not entry.msgid:
                continue
            if entry.obsolete:
                problems.append(f"{name}: no code uses {entry.msgid!r}")
            elif entry.fuzzy:
                problems.append(f"{name}: fuzzy {entry.msgid!r}")
            elif not entry.msgstr or not all(entry.msgstr.values()):
                problems.append(f"{name}: missing or untranslated {entry.msgid!r}")
    assert not problems, "\n".join(problems)
