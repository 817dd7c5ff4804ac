#!/usr/bin/env python3
"""Set up and run SecondLine on a fresh machine: Python 3.11+ and git are all it needs.

python3 dev.py start   create .venv, install, migrate, load demo data, serve on :8000
python3 dev.py test    create .venv, install, run the whole test suite (extra args go to pytest)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".secondline-installed"


def sh(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(result.returncode)


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - explain the need on an old Python
        raise SystemExit(
            f"SecondLine needs Python 3.11 or newer; this is {sys.version.split()[0]}."
        )
    if not (BIN / "python").exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing the locked dependencies ...", flush=True)
    sh(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK)
    sh(
        BIN / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "-e",
        ".",
    )
    STAMP.write_text(wanted)


def start() -> None:
    secondline = BIN / "secondline"
    sh(secondline, "migrate", "--no-input", "-v", "0")
    sh(secondline, "demo")
    sh(secondline, "run")


def test(extra: list[str]) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    sh(BIN / "python", "-m", "pytest", *extra, env=env)


def main() -> None:
    command, *extra = sys.argv[1:] or ["start"]
    if command not in {"start", "test"}:
        raise SystemExit(__doc__)
    ensure_environment()
    if command == "start":
        start()
    else:
        test(extra)


if __name__ == "__main__":
    main()
