"""The IMAP commands the poller sends after a message is settled, each touching only that
message's UID (imap-tools' ``flag`` and ``move`` end with a plain EXPUNGE, which would remove
every message anyone flagged \\Deleted in the folder).

- ``move``: ``UID MOVE`` (RFC 6851) when the server advertises MOVE; otherwise ``UID COPY``,
  ``\\Deleted`` on that UID and ``UID EXPUNGE`` of that UID (RFC 4315, UIDPLUS); a server with
  neither keeps the copied message flagged ``\\Deleted`` (``\\Seen`` too) until its own expunge.
- ``flag``: ``UID STORE +FLAGS``, nothing else.
"""

from __future__ import annotations

from imap_tools import BaseMailBox
from imap_tools.utils import encode_folder


class CommandFailed(Exception):
    """The server refused a command; the message stays where it was, for the next poll."""


def capabilities_of(box: BaseMailBox) -> frozenset[str]:
    """What the server offers once logged in (imaplib keeps only the greeting's list, and
    Dovecot, for one, names MOVE and UIDPLUS only after the login)."""
    status, lines = box.client.capability()
    words = b" ".join(line for line in lines if isinstance(line, bytes)).decode("ascii", "replace")
    return frozenset(words.upper().split()) if status == "OK" else frozenset()


def _uid(box: BaseMailBox, command: str, *args: str | bytes) -> None:
    status, data = box.client.uid(command, *args)  # type: ignore[arg-type]  # bytes go through
    if status != "OK":
        raise CommandFailed(f"UID {command}: {status} {data!r}")


def flag(box: BaseMailBox, uid: str, name: str) -> None:
    _uid(box, "STORE", uid, "+FLAGS", f"({name})")


def move(box: BaseMailBox, uid: str, folder: str, capabilities: frozenset[str]) -> None:
    """Move one message to ``folder`` (see the module's docstring for how)."""
    target = encode_folder(folder)  # quoted, in modified UTF-7 (RFC 3501, 5.1.3)
    if "MOVE" in capabilities:
        _uid(box, "MOVE", uid, target)
        return
    _uid(box, "COPY", uid, target)
    flag(box, uid, "\\Seen \\Deleted")
    if "UIDPLUS" in capabilities:
        _uid(box, "EXPUNGE", uid)
