"""`mail import` of a Maildir reads its folders too: Maildir++ (`.Support`, `.Archive.2024`)
and the file-system layout (`Support/`). Nothing under the path given is left out unsaid."""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from secondline.mail import sources
from secondline.mail.models import InboundMessage
from tests.mail.test_intake import plain


def subjects() -> list[str]:
    return sorted(InboundMessage.objects.values_list("subject", flat=True))


def test_it_imports_the_maildir_plus_plus_folders_of_a_maildir(member, tmp_path, capsys) -> None:
    root = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    root.add(plain(member.email, subject="in the inbox"))
    root.add_folder("Support").add(plain(member.email, subject="in Support"))
    archive = root.add_folder("Archive.2024")  # Maildir++ nests by dots, side by side
    archive.add(plain(member.email, subject="in Archive.2024"))
    archive.add(plain(member.email, subject="also in Archive.2024"))
    paths = [tmp_path / "Maildir"]
    assert sources.count(paths) == 4

    call_command("mail", "import", str(tmp_path / "Maildir"), "--no-progress")
    assert "4 received: 4 new tickets" in capsys.readouterr().out
    assert subjects() == sorted(
        ["in the inbox", "in Support", "in Archive.2024", "also in Archive.2024"]
    )
    labels = set(InboundMessage.objects.values_list("source", flat=True))
    assert any("/Maildir/.Support/" in label for label in labels)


def test_it_imports_folders_in_folders_and_the_file_system_layout(member, tmp_path) -> None:
    """Python's own ``add_folder`` on a folder nests it (``.Support/.Urgent``); Dovecot's
    LAYOUT=fs writes ``Support/cur``; a folder some tool made without ``tmp/`` is still read."""
    root = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    root.add_folder("Support").add_folder("Urgent").add(plain(member.email, subject="nested"))
    mailbox.Maildir(str(tmp_path / "Maildir" / "Sales"), create=True).add(
        plain(member.email, subject="fs layout")
    )
    mailbox.Maildir(str(tmp_path / "Maildir" / ".Old"), create=True).add(
        plain(member.email, subject="no tmp")
    )
    os.rmdir(tmp_path / "Maildir" / ".Old" / "tmp")
    (tmp_path / "Maildir" / "courierimapkeywords").mkdir()  # not a mail folder

    assert sources.maildir_folders(tmp_path / "Maildir") == [
        tmp_path / "Maildir" / name
        for name in ("", ".Old", ".Support", ".Support/.Urgent", "Sales")
    ]
    call_command("mail", "import", str(tmp_path / "Maildir"), "--no-progress")
    assert subjects() == ["fs layout", "nested", "no tmp"]


def test_a_maildir_found_inside_an_imported_folder_brings_its_folders(member, tmp_path) -> None:
    (tmp_path / "export").mkdir()
    root = mailbox.Maildir(str(tmp_path / "export" / "anna"), create=True)
    root.add(plain(member.email, subject="anna inbox"))
    root.add_folder("Support").add(plain(member.email, subject="anna support"))
    (tmp_path / "export" / "one.eml").write_bytes(plain(member.email, subject="a file"))

    call_command("mail", "import", str(tmp_path / "export"), "--no-progress")
    assert subjects() == ["a file", "anna inbox", "anna support"]


def test_a_link_back_to_the_maildir_is_read_once(member, tmp_path) -> None:
    root = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    root.add(plain(member.email, subject="once"))
    (tmp_path / "Maildir" / ".Loop").symlink_to(tmp_path / "Maildir")
    assert sources.maildir_folders(tmp_path / "Maildir") == [tmp_path / "Maildir"]


def test_an_unreadable_folder_is_named_and_the_others_imported(
    member, tmp_path, capsys, monkeypatch
) -> None:
    root = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    root.add(plain(member.email, subject="readable"))
    root.add_folder("Locked").add(plain(member.email, subject="locked"))
    listed = mailbox.Maildir.iterkeys

    def iterkeys(box: mailbox.Maildir) -> Iterator[str]:
        if box._path.endswith(".Locked"):  # as chmod 0 would, for a test run as root too
            raise PermissionError(13, "Permission denied")
        return listed(box)

    monkeypatch.setattr(mailbox.Maildir, "iterkeys", iterkeys)
    with pytest.raises(CommandError, match=r"1 could not be read.*\n.*/\.Locked: Permission"):
        call_command("mail", "import", str(tmp_path / "Maildir"), "--no-progress")
    assert "1 received: 1 new tickets" in capsys.readouterr().out
    assert subjects() == ["readable"]


def test_trash_spam_drafts_and_sent_mail_are_passed_over_and_named(
    member, tmp_path, capsys
) -> None:
    """What the mailbox's owner threw away or wrote themselves holds no requests: importing it
    would file deleted mail as tickets and acknowledge it to customers. Named, it is read."""
    root = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    root.add(plain(member.email, subject="in the inbox"))
    for folder in ("Trash", "Junk", "Drafts", "Sent", "Archive.Trash", "Корзина"):
        root.add_folder(folder).add(plain(member.email, subject=f"in {folder}"))
    assert sources.count([tmp_path / "Maildir"]) == 1

    call_command("mail", "import", str(tmp_path / "Maildir"), "--no-progress")
    said = capsys.readouterr().out
    assert subjects() == ["in the inbox"]
    assert "Not imported: trash, spam, drafts and sent mail" in said
    for folder in (".Trash", ".Junk", ".Drafts", ".Sent", ".Archive.Trash", ".Корзина"):
        assert f"Maildir/{folder}" in said

    call_command("mail", "import", str(tmp_path / "Maildir" / ".Trash"), "--no-progress")
    assert "in Trash" in subjects()
