"""Fixtures of the email channel: real .eml files, a real IMAP server (dovecot), an SMTP sink."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import need_service

MESSAGES = Path(__file__).parent / "messages"
DOVECOT = "/usr/sbin/dovecot"


def eml(name: str, **values: str) -> bytes:
    """A message from tests/mail/messages with its {placeholders} filled in."""
    raw = (MESSAGES / name).read_bytes()
    for key, value in values.items():
        raw = raw.replace(f"{{{key}}}".encode(), value.encode())
    return raw


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@dataclass
class Dovecot:
    port: int
    user: str
    password: str
    maildir: Path

    def deliver(self, raw: bytes, folder: str = "") -> None:
        """Drop a message into the Maildir the way an MTA's local delivery would."""
        base = self.maildir / f".{folder}" if folder else self.maildir
        for sub in ("cur", "new", "tmp"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.{os.getpid()}.test"
        path = base / "new" / name
        path.write_bytes(raw)
        _chown(path)


def _owner() -> tuple[int, int]:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("dovecot")
        return entry.pw_uid, entry.pw_gid
    return os.getuid(), os.getgid()


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        uid, gid = _owner()
        os.chown(path, uid, gid)


CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{base}/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A real IMAP server on a free loopback port, with one user and an empty Maildir."""
    with running_dovecot() as server:
        yield server


@contextmanager
def running_dovecot(extra_config: str = "") -> Iterator[Dovecot]:
    """The ``dovecot`` fixture's server, with ``extra_config`` appended to its configuration
    (``imap_capability = IMAP4rev1`` for a server that offers less, say)."""
    if not Path(DOVECOT).exists():
        need_service("dovecot", f"{DOVECOT} is not installed (apt-get install dovecot-imapd)")
    # Not pytest's tmp_path: its parents are private to us, and dovecot's processes run as
    # the dovecot user when the tests run as root.
    base = Path(tempfile.mkdtemp(prefix="secondline-dovecot-"))
    base.chmod(0o755)
    uid, gid = _owner()
    user = pwd.getpwuid(uid).pw_name
    group_name = user
    try:
        import grp

        group_name = grp.getgrgid(gid).gr_name
    except (ImportError, KeyError):
        pass
    for sub in ("run", "state", "Maildir/cur", "Maildir/new", "Maildir/tmp"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    (base / "passwd").write_text(
        f"support:{{PLAIN}}secret:{uid}:{gid}::{base}::\n", encoding="utf-8"
    )
    (base / "dovecot.conf").write_text(
        CONFIG.format(base=base, port=port, uid=uid, gid=gid, user=user, group=group_name)
        + extra_config,
        encoding="utf-8",
    )
    if os.geteuid() == 0:
        for root, dirs, _files in os.walk(base / "Maildir"):
            for name in dirs:
                os.chown(Path(root) / name, uid, gid)
        os.chown(base / "Maildir", uid, gid)
        os.chown(base, uid, gid)
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(base / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        if not wait_for_port(port):
            process.kill()
            output = process.communicate(timeout=5)[0].decode(errors="replace")
            log = (
                (base / "dovecot.log").read_text(errors="replace")
                if (base / "dovecot.log").exists()
                else ""
            )
            need_service("dovecot", f"did not start: {output} {log}"[-2000:])
        yield Dovecot(port=port, user="support", password="secret", maildir=base / "Maildir")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class SmtpSink:
    port: int
    messages: list[bytes]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope.original_content or envelope.content)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpSink(port=port, messages=received)
    finally:
        controller.stop()
