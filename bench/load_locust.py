"""The many-users workload of ``load_bench.py``, as a locustfile: agents working the queue and
replying, customers filing and reading their tickets, and API clients; the same shape against
SecondLine and against django-helpdesk (``LOAD_TARGET=secondline|peer``).

Every simulated person is signed in already: ``LOAD_FACTS`` names a JSON file with a session
(or an API token) per account and the ticket numbers each may open, written by the bench before
the run, so that no request pays for password hashing. Forms are posted the way a browser
posts them: the page is fetched first and its CSRF token sent back. A request counts as failed
when its status is not the one the page answers with (200, or the redirect after a post).

Think times follow TPC-W, the TPC's benchmark of people using a web application (TPC
Benchmark W, clause 5.3.1.1): the pause between one page's answer and the next request is
drawn from an exponential distribution with a mean of 7 s, cut at 70 s (``think_time``). That is
an agent at work: the queue, a few seconds to pick a ticket, the ticket, its reading and, one
time in three, the reply typed and posted, then the queue again; a request every 7 s or so,
about eight a minute, as the help-desk staff of a busy morning. Customers come far less: a
visit is their list, one of their tickets and, one visit in four, the form and a new ticket,
with the same pauses between pages, and then they are away for two to five minutes before the
next visit (``AWAY_S``). API clients are integrations polling on a timer: the list and one
ticket every 10 to 30 s. 75 agents, 100 customers and 25 clients offer about 10 + 2 + 2.5 =
15 requests a second.
Requests give up after ``LOAD_TIMEOUT_S`` (60). Every request of the run, the ramp-up's too, is
counted into ``LOAD_COUNT`` when locust stops (the bench divides the servers' CPU time by it).
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
from typing import Any

from locust import HttpUser, events, task

FACTS: dict[str, Any] = json.loads(open(os.environ["LOAD_FACTS"]).read())  # noqa: SIM115
PEER = os.environ.get("LOAD_TARGET", "secondline") == "peer"
TIMEOUT = float(os.environ.get("LOAD_TIMEOUT_S", "60"))
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TITLE = re.compile(r'<input[^>]*name="title"[^>]*value="([^"]*)"')
PRIORITY = re.compile(r'<option value="(\d)" selected')
# The peer's agent list page fetches its rows with this request (its default: open tickets).
PEER_LIST = (
    "/datatables_ticket_list/eyJmaWx0ZXJpbmciOiB7InN0YXR1c19faW4iOiBbMSwgMl19LCAic29ydGluZyI6"
    "ICJjcmVhdGVkIiwgInNlYXJjaF9zdHJpbmciOiAiIiwgInNvcnRyZXZlcnNlIjogZmFsc2V9"
    "?draw=1&start=0&length=25&order%5B0%5D%5Bcolumn%5D=5&order%5B0%5D%5Bdir%5D=desc"
)
THINK_MEAN_S, THINK_MAX_S = 7.0, 70.0  # TPC-W clause 5.3.1.1
AWAY_S = (120, 300)  # a customer between two visits
_counters = {kind: itertools.count() for kind in ("agents", "customers", "api")}
_requests = itertools.count()


@events.request.add_listener
def _count(**_: Any) -> None:
    next(_requests)


@events.quitting.add_listener
def _write_count(**_: Any) -> None:
    if os.environ.get("LOAD_COUNT"):
        with open(os.environ["LOAD_COUNT"], "w") as out:
            out.write(str(next(_requests)))


def account(kind: str) -> dict[str, Any]:
    """The next account of this kind, round robin over the ones the bench prepared."""
    accounts: list[dict[str, Any]] = FACTS[kind]
    return accounts[next(_counters[kind]) % len(accounts)]


def think_time() -> float:
    """The pause before a person's next request (TPC-W: exponential, mean 7 s, at most 70 s)."""
    return min(random.expovariate(1 / THINK_MEAN_S), THINK_MAX_S)


class Person(HttpUser):
    """Pauses go through locust's own ``wait`` (``pause``), so a run that stops ends a person
    in a pause, never in the middle of a request (which would count as a failure)."""

    abstract = True
    kind = ""
    _pause: float | None = None

    def wait_time(self) -> float:
        return self._pause if self._pause is not None else self.between_tasks()

    def between_tasks(self) -> float:
        return think_time()

    def pause(self, seconds: float | None = None) -> None:
        self._pause = think_time() if seconds is None else seconds
        try:
            self.wait()
        finally:
            self._pause = None

    def on_start(self) -> None:
        self.me = account(self.kind)
        if "session" in self.me:
            self.client.cookies.set("sessionid", self.me["session"])
        if "token" in self.me:
            self.client.headers["Authorization"] = f"Token {self.me['token']}"

    def fetch(self, name: str, path: str, **params: Any) -> str:
        """GET a page that must answer 200; returns its text ("" on failure)."""
        with self.client.get(
            path, name=name, params=params or None, timeout=TIMEOUT, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.error or ''}".strip())
                return ""
            return str(response.text)

    def post(self, name: str, path: str, page: str, data: dict[str, str]) -> None:
        """POST a form of ``page`` (its CSRF token), expecting the redirect that follows."""
        found = TOKEN.search(page)
        if not found:
            return  # the page itself failed and is counted already
        data = {**data, "csrfmiddlewaretoken": found.group(1)}
        with self.client.post(
            path, data=data, name=name, timeout=TIMEOUT, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                why = response.error or response.text[:200]
                response.failure(f"{response.status_code}: {why}")


class Agent(Person):
    """Opens the queue, then a ticket, and answers every third one; a pause before each."""

    weight = 75
    kind = "agents"

    @task
    def work_the_queue(self) -> None:
        if PEER:
            self.fetch("agent queue", "/tickets/")
            self.fetch("agent queue (rows)", PEER_LIST)
        else:
            self.fetch("agent queue", "/desk/", queue="all")
        self.pause()
        ticket = random.choice(FACTS["open_tickets"])
        page = self.fetch("agent ticket", f"/tickets/{ticket}/")
        if random.random() < 1 / 3:
            self.pause()
            text = "We are looking at it; the logs are attached to the case."
            if PEER:  # its form posts the ticket's fields back with the comment
                title = TITLE.search(page)
                priority = PRIORITY.search(page)
                data = {"comment": text, "public": "1", "new_status": "1", "owner": "-1"}
                data |= {"title": html.unescape(title.group(1)) if title else ""}
                data |= {"priority": priority.group(1) if priority else "3"}
                data |= {"queue": str(FACTS["queue"])}
                self.post("agent reply", f"/tickets/{ticket}/update/", page, data)
            else:
                self.post("agent reply", f"/tickets/{ticket}/reply/", page, {"body": text})


class Customer(Person):
    """Reads their list and one of their tickets; files a new one one visit in four; then is
    away for a few minutes."""

    weight = 100
    kind = "customers"

    def between_tasks(self) -> float:
        return random.uniform(*AWAY_S)

    def on_start(self) -> None:
        super().on_start()
        self.pause(random.uniform(0, sum(AWAY_S) / 2))  # spread over a visit's cycle

    @task
    def visit(self) -> None:
        if PEER:
            self.fetch("customer list", "/tickets/my-tickets/")
            self.fetch("customer list (rows)", "/api/user_tickets/")
        else:
            self.fetch("customer list", "/tickets/")
        if self.me["tickets"]:
            self.pause()
            ticket = random.choice(self.me["tickets"])
            if PEER:
                self.fetch("customer ticket", "/view/", ticket=ticket, email=self.me["email"])
            else:
                self.fetch("customer ticket", f"/tickets/{ticket}/")
        if random.random() < 1 / 4:
            self.pause()
            self.file()

    def file(self) -> None:
        subject = f"Invoice export fails {random.randrange(10**6)}"
        body = "Open Billing > Export, choose CSV, click Go: a blank page instead of a file."
        if PEER:
            page = self.fetch("customer new form", "/tickets/submit/")
            self.pause()  # filling the form in
            data = {"queue": str(FACTS["queue"]), "title": subject, "body": body}
            data |= {"priority": "3", "submitter_email": self.me["email"]}
            self.post("customer file", "/tickets/submit/", page, data)
            return
        page = self.fetch("customer new form", "/tickets/new/", type="incident")
        self.pause()  # filling the form in
        data = {"type": "incident", "requested_priority": "normal", "subject": subject}
        data |= {"description": body, "occurred_at": "2026-12-01T10:30"}
        data |= {"impact": "Invoices cannot be exported.", "steps_to_reproduce": body}
        self.post("customer file", "/tickets/new/", page, data)


class ApiClient(Person):
    """An integration: the ticket list, then one ticket."""

    weight = 25
    kind = "api"

    def between_tasks(self) -> float:
        return random.uniform(10, 30)

    @task
    def poll(self) -> None:
        self.fetch("api list", "/api/tickets/")
        ticket = random.choice(FACTS["open_tickets"])
        self.fetch("api detail", f"/api/tickets/{ticket}/")
