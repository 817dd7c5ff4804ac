"""`secondline run` supervises its children: real processes, a temporary data folder, 127.0.0.1.

Every process a test starts carries a unique environment marker; the fixtures find them by it in
/proc and SIGKILL whatever is left, so a failing test leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from secondline import cli
from secondline.cli import Supervisor
from secondline.scheduler import lock_path, take_scheduler_lock

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; PR_SET_PDEATHSIG is Linux's"
)

ROOT = Path(__file__).resolve().parents[1]
MARKER = "SECONDLINE_TEST_PROCESS"


def processes_marked(marker: str) -> list[int]:
    """Live (not zombie) processes whose environment carries the marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"{MARKER}={marker}".encode() in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.1)


@pytest.fixture
def marker() -> Iterator[str]:
    value = uuid.uuid4().hex
    yield value
    for pid in processes_marked(value):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def env(tmp_path: Path, marker: str) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "SECONDLINE_BIND", "REDIS_URL"}
    }
    environ.pop("XDG_RUNTIME_DIR", None)
    environ.update(
        {
            "HOME": str(tmp_path / "home"),
            "SECONDLINE_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "secondline.settings",
            MARKER: marker,
        }
    )
    return environ


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Run:
    """A `secondline run` in the background, its output in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.var_dir = env["SECONDLINE_VAR_DIR"]
        self.marker = env[MARKER]
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "secondline.cli", "run"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
            ],
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> dict[str, int]:
        found = re.findall(
            r"started the (web server|worker|scheduler) \(pid (\d+)\)", self.output()
        )
        return {name: int(pid) for name, pid in found}

    def wait_until_serving(self) -> dict[str, int]:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"secondline run exited early:\n{self.output()}")
            if "SecondLine is running" not in self.output():
                return False
            with socket.socket() as client:
                return client.connect_ex(("127.0.0.1", self.port)) == 0

        wait_until(ready, 40, "secondline run to serve")
        children = self.children()
        assert set(children) == {"web server", "worker", "scheduler"}
        # what the tests' "every child gone" means: the children carry the marker
        assert set(children.values()) <= set(processes_marked(self.marker)), children
        wait_until(
            lambda: lock_path(self.var_dir).read_text().strip() == str(children["scheduler"]),
            20,
            "the scheduler to take its lock",
        )
        return children


@pytest.fixture
def start_run(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[[], Run]]:
    runs: list[Run] = []

    def start() -> Run:
        run = Run(env, tmp_path / f"run-{len(runs)}.log")
        runs.append(run)
        return run

    yield start
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
        run.process.wait()


@pytest.mark.slow
def test_it_stops_everything_and_exits_non_zero_when_the_worker_dies(
    start_run: Callable[[], Run], marker: str
) -> None:
    run = start_run()
    children = run.wait_until_serving()

    os.kill(children["worker"], signal.SIGKILL)

    assert run.process.wait(timeout=20) == 1
    output = run.output()
    assert "stopped because the worker died (signal SIGKILL)" in output
    assert "Traceback" not in output
    wait_until(lambda: not processes_marked(marker), 5, "every child to be gone")


@pytest.mark.slow
def test_sigterm_stops_every_child_and_exits_0(start_run: Callable[[], Run], marker: str) -> None:
    run = start_run()
    run.wait_until_serving()

    run.process.send_signal(signal.SIGTERM)

    assert run.process.wait(timeout=20) == 0, run.output()
    assert "stopped on SIGTERM" in run.output()
    wait_until(lambda: not processes_marked(marker), 5, "every child to be gone")


@pytest.mark.slow
def test_it_starts_quietly_and_leaves_nothing_in_the_home_folder(
    start_run: Callable[[], Run], env: dict[str, str]
) -> None:
    """At the default LOG_LEVEL the console shows our own lines and gunicorn's, not Celery's
    banners; gunicorn opens no control socket in the user's home, where a second instance
    would take it over."""
    run = start_run()
    run.wait_until_serving()
    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(timeout=20) == 0, run.output()

    output = run.output()
    assert "SecondLine is running" in output
    assert "celery beat v" not in output and "[queues]" not in output, output
    assert "Control socket" not in output, output
    assert not (Path(env["HOME"]) / ".gunicorn").exists()


@pytest.mark.slow
def test_children_exit_when_run_itself_is_sigkilled(
    start_run: Callable[[], Run], marker: str
) -> None:
    run = start_run()
    run.wait_until_serving()

    run.process.kill()
    run.process.wait()

    # Celery's warm shutdown alone takes about 5 s on an idle worker.
    wait_until(lambda: not processes_marked(marker), 20, "the orphaned children to exit")


@pytest.mark.slow
def test_a_second_scheduler_on_the_same_data_folder_is_refused(
    start_run: Callable[[], Run], env: dict[str, str], tmp_path: Path
) -> None:
    beat = [sys.executable, "-m", "celery", "-A", "secondline", "beat", "--loglevel", "INFO"]
    log = tmp_path / "first-beat.log"
    first = subprocess.Popen(
        beat, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        lock = lock_path(env["SECONDLINE_VAR_DIR"])
        wait_until(
            lambda: lock.exists() and lock.read_text().strip() == str(first.pid),
            20,
            f"the first beat to take the lock:\n{log.read_text(errors='replace')}",
        )

        second = subprocess.run(beat, env=env, cwd=ROOT, capture_output=True, timeout=30)
        assert second.returncode != 0
        assert f"another scheduler (pid {first.pid}) is already running" in second.stderr.decode()

        run = start_run()
        assert run.process.wait(timeout=30) == 1
        assert "another scheduler" in run.output() and "Traceback" not in run.output()
        assert not run.children(), "run started children beside a running scheduler"
        assert first.poll() is None, "the running scheduler must not be disturbed"
    finally:
        first.kill()
        first.wait()


def test_the_lock_is_free_again_once_its_holder_closes_it(tmp_path: Path) -> None:
    take_scheduler_lock(tmp_path).close()
    take_scheduler_lock(tmp_path).close()


PYTHON = sys.executable
SLEEP = [PYTHON, "-c", "import time; time.sleep(60)"]


def test_a_child_exiting_stops_the_others_and_their_own_children(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The "web server" forks a grandchild into its process group, as gunicorn forks workers.
    pids = tmp_path / "pids"
    forking = (
        "import os, subprocess, sys, time\n"
        f"child = subprocess.Popen({SLEEP!r})\n"
        f"open({str(pids)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    crashing = (
        "import os, time\n"
        f"while not os.path.exists({str(pids)!r}): time.sleep(0.05)\n"
        "raise SystemExit(3)\n"
    )
    supervisor = Supervisor(
        {"web server": [PYTHON, "-c", forking], "worker": [PYTHON, "-c", crashing]}, grace=5
    )

    assert supervisor.run() == 1

    assert "stopped because the worker died (exit code 3)" in capsys.readouterr().err
    grandchild = int(pids.read_text())
    wait_until(lambda: not _alive(grandchild), 5, "the grandchild to be gone")
    assert all(process.returncode is not None for process in supervisor.children.values())


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stubborn = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)"
    supervisor = Supervisor(
        {
            "web server": [PYTHON, "-c", stubborn],
            "worker": [PYTHON, "-c", "import time; time.sleep(0.5)"],
        },
        grace=1,
    )
    started = time.monotonic()

    assert supervisor.run() == 1

    assert time.monotonic() - started < 10
    assert supervisor.children["web server"].returncode == -signal.SIGKILL
    assert "the worker died (exit code 0)" in capsys.readouterr().err


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    ("configured", "level", "quiet"), [(None, "WARNING", True), ("info", "INFO", False)]
)
def test_the_worker_and_the_scheduler_log_at_the_configured_level(
    configured: str | None, level: str, quiet: bool, tmp_path: Path
) -> None:
    """Quiet by default: the relay's sweep every few seconds would print three lines each, and
    Celery's start-up banners fill a screen; both come back at INFO."""
    env = {**os.environ, "SECONDLINE_VAR_DIR": str(tmp_path)}
    env.pop("LOG_LEVEL", None)
    if configured:
        env["LOG_LEVEL"] = configured
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from secondline.cli import parts; "
        "print(json.dumps(parts(settings, '127.0.0.1:1', '1', with_worker=True)))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    commands = json.loads(shown.stdout)
    for part in ("worker", "scheduler"):
        flags = commands[part]
        assert flags[flags.index("--loglevel") + 1] == level, part
        assert ("--quiet" in flags) is quiet, part


@pytest.mark.parametrize("args", [["run", "--help"], ["help", "run"]])
def test_help_on_run_prints_its_options_and_starts_nothing(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "Supervisor", None)  # would fail should anything start
    with pytest.raises(SystemExit) as stopped:
        cli.main(args)
    assert stopped.value.code == 0
    assert "--no-worker" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "9000"], "unrecognized arguments: --port 9000"),
        (["--workers", "abc"], "a number of processes, 1 or more: 'abc'"),
        (["--workers", "0"], "a number of processes, 1 or more: '0'"),
    ],
)
def test_a_typo_in_runs_options_stops_with_a_message_before_anything_starts(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "Supervisor", None)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["run", *args])
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err


def test_an_argument_that_is_not_utf_8_is_refused_with_a_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not a UnicodeEncodeError traceback from the query it would have gone into."""
    odd = os.fsdecode(b"Volga\xff")
    assert cli.main(["export-organization", odd, "/tmp/never-written.json"]) == 2
    assert "the argument Volga\\xff is not UTF-8 text" in capsys.readouterr().err
    assert not Path("/tmp/never-written.json").exists()


def test_a_database_not_set_up_is_a_message_that_says_to_migrate(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SECONDLINE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/new.sqlite3",
    }
    command = [sys.executable, "-m", "secondline.cli", "sla", "due", "--at"]
    command += ["2026-12-01T10:00+03:00", "--type", "incident"]
    shown = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert shown.returncode == 1
    assert "secondline sla: the database refused: no such table" in shown.stderr
    assert "Run `secondline migrate` first" in shown.stderr
    assert "Traceback" not in shown.stderr


@pytest.mark.parametrize("word", ["erase-contact", "export-organization"])
def test_a_hyphenated_commands_help_names_it_as_typed(
    word: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main([word, "--help"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: secondline {word} ")
