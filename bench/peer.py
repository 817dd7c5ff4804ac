"""django-helpdesk, the closest Python peer, measured in the same run as a SecondLine bench.

The harness lives outside this repository: ``../shared/peer`` beside the repository's folder,
or wherever ``$SECONDLINE_PEER_DIR`` points. It installs django-helpdesk in its own
virtualenv under ``$PEER_WORK`` (default ``${TMPDIR:-/tmp}/django-helpdesk-peer``), which is
created here on first use, and each of its scripts writes its figures to
``$PEER_WORK/results/<name>.json``. A missing harness stops the bench with a message: there is
no typed-in figure to fall back on.

Two benches running at once with the same ``$PEER_WORK`` overwrite each other's results; give
each its own ``PEER_WORK`` (a second virtualenv) if you need that.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTALL_TIMEOUT_S = 900
STAMP = ".secondline-peer-installed"


def harness() -> Path:
    """The harness folder, checked; exits with a message when it is not there."""
    configured = os.environ.get("SECONDLINE_PEER_DIR")
    folder = Path(configured) if configured else ROOT.parent / "shared" / "peer"
    if not (folder / "bench" / "requirements.txt").is_file():
        raise SystemExit(
            f"The django-helpdesk peer harness is not at {folder} (no bench/requirements.txt). "
            "Put it at ../shared/peer beside the repository or set SECONDLINE_PEER_DIR; "
            "this bench measures the peer in the same run and has no stored figure to use instead."
        )
    return folder


def work_dir() -> Path:
    """Where the harness writes (its virtualenv, databases, generated mail, results)."""
    configured = os.environ.get("PEER_WORK")
    if configured:
        return Path(configured)
    return Path(os.environ.get("TMPDIR") or "/tmp") / "django-helpdesk-peer"


def python() -> Path:
    """The peer virtualenv's interpreter, creating the virtualenv on first use.

    The packages are (re)installed when the harness's requirements changed since the last
    install, or when the virtualenv was made by someone else (no stamp of ours).
    """
    requirements = harness() / "bench" / "requirements.txt"
    venv = work_dir() / "venv"
    interpreter = venv / "bin" / "python"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = venv / STAMP
    if interpreter.exists() and stamp.exists() and stamp.read_text() == wanted:
        return interpreter
    if not interpreter.exists():
        print(f"peer: creating the virtualenv {venv} ...", flush=True)
        work_dir().mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    print(f"peer: installing {requirements} ...", flush=True)
    subprocess.run(
        [
            str(interpreter),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(requirements),
        ],
        check=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    stamp.write_text(wanted)
    return interpreter


def run(script: str, args: list[str], result: str, timeout_s: float) -> dict[str, Any]:
    """Run one harness script with the peer's interpreter and return its JSON result.

    The script's output is kept and shown only when it fails. A result file older than this
    run (the script died before writing it) is an error, never a figure.
    """
    path = harness() / "bench" / script
    interpreter = python()
    out = work_dir() / "results" / f"{result}.json"
    command = [str(interpreter), str(path), *args]
    print(f"peer: {' '.join([script, *args])} ...", flush=True)
    started = time.time()
    # A session of its own, so that a timeout also stops the script's children (gunicorn).
    process = subprocess.Popen(
        command,
        cwd=work_dir(),
        env={**os.environ, "PEER_WORK": str(work_dir())},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise SystemExit(f"peer: {script} took over {timeout_s:.0f} s:\n{output[-3000:]}") from None
    except BaseException:  # Ctrl-C reaches only our process group: stop the peer's too
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if process.returncode != 0:
        raise SystemExit(f"peer: {script} failed ({process.returncode}):\n{output[-3000:]}")
    if not out.exists() or out.stat().st_mtime < started:
        raise SystemExit(f"peer: {script} wrote no {out}:\n{output[-3000:]}")
    print(f"peer: {script} done in {time.time() - started:.0f} s", flush=True)
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def create(n: int, warm: int, workers: int, timeout_s: float = 1800) -> dict[str, Any]:
    """Tickets created through the peer's REST API over gunicorn by one sequential client
    (``bench_create.py --modes api_http``): the run's figures (tickets_per_s, latency, ...)."""
    data = run(
        "bench_create.py",
        [
            "--n",
            str(n),
            "--warm",
            str(warm),
            "--modes",
            "api_http",
            "--workers",
            str(workers),
            "--concurrency",
            "1",
        ],
        "create",
        timeout_s,
    )
    (mode,) = [r for r in data["results"] if r["mode"] == "api_http"]
    if mode.get("crashed"):
        raise SystemExit(f"peer: api_http crashed:\n{mode.get('stderr_tail', '')}")
    (figures,) = mode["runs"]
    if figures["errors"] or figures["tickets_created"] != n:
        raise SystemExit(f"peer: api_http created {figures['tickets_created']} of {n}: {figures}")
    return dict(figures)


def read(tickets: int, reps: int, api_reps: int, timeout_s: float = 1800) -> dict[str, Any]:
    """Read latency with ``tickets`` tickets (``bench_read.py``): a dict of view name to its
    latency summary (median_ms, p90_ms, n, ...), plus list_total_median_ms."""
    data = run(
        "bench_read.py",
        [
            "--tickets",
            str(tickets),
            "--reps",
            str(reps),
            "--api-reps",
            str(api_reps),
            "--timeline-reps",
            "0",
        ],
        "read",
        timeout_s,
    )
    results: dict[str, Any] = data["results"]
    for name, figures in results.items():
        if isinstance(figures, dict) and figures.get("status") != [200]:
            raise SystemExit(f"peer: {name} answered {figures.get('status')}")
    return results


def email(copy_corpus_to: Path, timeout_s: float = 1800) -> dict[str, Any]:
    """Email import of the harness's generated corpus (``bench_email.py``): its ``main``
    section (messages, messages_per_s, processed_and_deleted, outcomes, ...).

    The .eml files it generated (``seed/`` and ``main/``, each with its manifest.json) are
    copied to ``copy_corpus_to``, so that SecondLine can import the very same messages.
    """
    data = run("bench_email.py", [], "email", timeout_s)
    corpus = work_dir() / "data" / "eml"
    for part in ("seed", "main"):
        shutil.copytree(corpus / part, copy_corpus_to / part)
    return dict(data["main"])


def by_round(what: str, ours: Iterable[float], theirs: Iterable[float]) -> str:
    """Every round's figures of both sides, printed above a bench's result line (which counts
    each side's median)."""

    def rounded(rates: Iterable[float]) -> str:
        return ", ".join(f"{rate:.0f}" for rate in rates)

    return f"{what} by round: SecondLine {rounded(ours)}; peer {rounded(theirs)}"
