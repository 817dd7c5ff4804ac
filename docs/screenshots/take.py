#!/usr/bin/env python3
"""Take the README's screenshots of the main pages, in English and Russian.

Starts a throw-away demo server (its own SQLite file in a temporary directory), drives Debian's
Chromium through Playwright and writes PNGs next to this script:

    .venv/bin/python docs/screenshots/take.py            # demo server on a free port
    .venv/bin/python docs/screenshots/take.py --url http://127.0.0.1:8000   # a running server
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo-pass-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server() -> Iterator[str]:
    """A fresh demo database and the web process, stopped when the block ends."""
    secondline = Path(sys.executable).with_name("secondline")
    with tempfile.TemporaryDirectory(prefix="secondline-shots-") as var:
        env = {**os.environ, "SECONDLINE_VAR_DIR": var, "DEBUG": "0"}
        subprocess.run([secondline, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [secondline, "demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        port = free_port()
        server = subprocess.Popen(
            [secondline, "run", "--bind", f"127.0.0.1:{port}", "--no-worker", "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{url}/login/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def set_language(page: Page, code: str) -> None:
    page.click(f".language-switch button[value={code}]")
    page.wait_for_load_state()


def shoot(page: Page, name: str, full: bool = True) -> None:
    path = HERE / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    print(path.relative_to(ROOT))


def customer_pages(page: Page, url: str, lang: str) -> None:
    sign_in(page, url, "responsible")
    set_language(page, lang)
    shoot(page, f"customer-tickets-{lang}")
    page.goto(f"{url}/tickets/new/?type=incident")
    shoot(page, f"customer-new-incident-{lang}")
    page.goto(f"{url}/tickets/")
    # the demo consultation asked for Urgent: its page shows why the plan set the priority
    page.click("a.subject:has-text('second price list')")
    shoot(page, f"customer-ticket-{lang}")
    page.goto(f"{url}/tickets/")
    urgent = page.locator("tbody tr", has=page.locator(".priority-badge-urgent")).first
    urgent.locator("a.subject").click()
    page.goto(page.url + "urgent/")
    shoot(page, f"customer-urgent-{lang}", full=False)
    page.goto(f"{url}/support/")
    shoot(page, f"how-support-works-{lang}")
    page.click("button.link-button")  # sign out


def agent_pages(page: Page, url: str, lang: str) -> None:
    sign_in(page, url, "agent")
    set_language(page, lang)
    page.goto(f"{url}/desk/?queue=all")
    shoot(page, f"agent-queue-{lang}")
    page.click("a.subject >> nth=0")
    shoot(page, f"agent-ticket-{lang}")
    page.goto(f"{url}/desk/dashboard/")
    shoot(page, f"agent-dashboard-{lang}")
    # the demo logged time on this ticket: the work logs and the quick entry under the reply
    page.goto(f"{url}/desk/?queue=all&q=Invoice+export")
    page.click("a.subject >> nth=0")
    page.locator(".worklogs").scroll_into_view_if_needed()
    shoot(page, f"agent-ticket-time-{lang}")
    page.goto(f"{url}/desk/quarantine/")
    shoot(page, f"agent-quarantine-{lang}")
    page.click("table.quarantine tbody a >> nth=0")
    page.click("#raw-source summary")
    shoot(page, f"agent-quarantined-email-{lang}")
    page.click("button.link-button")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running demo server instead of a fresh one")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def run(url: str) -> None:
            for lang, locale in (("en", "en-GB"), ("ru", "ru-RU")):
                # the browser's own locale too, so date pickers read as a Russian user sees them
                context = browser.new_context(
                    viewport={"width": 1280, "height": 860}, locale=locale
                )
                page = context.new_page()
                page.goto(f"{url}/login/")
                if lang != "en":
                    set_language(page, lang)  # an anonymous visitor's switch: the cookie
                shoot(page, f"sign-in-{lang}", full=False)
                customer_pages(page, url, lang)
                agent_pages(page, url, lang)
                context.close()

        if args.url:
            run(args.url.rstrip("/"))
        else:
            with demo_server() as url:
                run(url)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
