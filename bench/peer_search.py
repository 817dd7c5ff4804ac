"""django-helpdesk's own search on ``search_corpus``'s tickets; run by ``search_bench.py`` with
the peer's interpreter (``bench/peer.py``), never imported by SecondLine.

    $PEER_WORK/venv/bin/python bench/peer_search.py TICKETS COMMENTS REPS

Fills a fresh peer SQLite database (``common.fresh_db``) with the same subjects, descriptions
and comments (as follow-ups) through bulk_create (reused when it already holds that many, as
``search_bench.py`` reuses its own), then times the ticket list's JSON rows with a
search string (``/datatables_ticket_list/<query>``, every status, first 25 rows, as the peer's
list page asks) for each query, ``REPS`` times after one warm-up, through Django's test client
as the harness's bench_read.py does. Writes ``$PEER_WORK/results/search.json``.
"""

import os
import sqlite3
import sys
import time

HARNESS = os.environ["PEER_HARNESS"]
sys.path.insert(0, os.path.join(HARNESS, "bench"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402 - the harness's helpers
import search_corpus  # noqa: E402

BATCH = 5000
LIST_PARAMS = "?draw=1&start=0&length=25&order%5B0%5D%5Bcolumn%5D=5&order%5B0%5D%5Bdir%5D=desc"


def fill(count, comments):
    from django.db import transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, Ticket

    agent, queue = common.seed_basics()
    texts = search_corpus.tickets(count, comments)
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, BATCH):
            batch = [next(texts) for _ in range(min(BATCH, count - start))]
            made = Ticket.objects.bulk_create(
                Ticket(
                    title=text.subject[:200],
                    queue=queue,
                    created=now,
                    modified=now,
                    submitter_email=text.email,
                    status=1,
                    priority=3,
                    description=text.description,
                )
                for text in batch
            )
            FollowUp.objects.bulk_create(
                FollowUp(ticket=ticket, title="Comment", date=now, public=public, comment=body)
                for ticket, text in zip(made, batch, strict=True)
                for body, public in text.comments
            )
            print(f"  peer: {start + len(batch)} tickets", flush=True)
    return agent


def _filled(count, comments):
    """Whether the previous run's database holds these tickets and follow-ups."""
    db = common.use_existing_db("search")
    if not os.path.exists(db):
        return False
    with sqlite3.connect(db) as con:
        try:
            tickets = con.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]
            followups = con.execute("SELECT count(*) FROM helpdesk_followup").fetchone()[0]
        except sqlite3.Error:
            return False
    return (tickets, followups) == (count, count * comments)


def main():
    count, comments, reps = (int(arg) for arg in sys.argv[1:4])
    reuse = _filled(count, comments)
    if not reuse:
        common.fresh_db("search")
    common.django_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from helpdesk.query import query_to_base64

    if reuse:
        print(f"  peer: reusing the {count} tickets already in its database", flush=True)
        agent = get_user_model().objects.get(username="agent")
    else:
        agent = fill(count, comments)
    client = Client()
    client.force_login(agent)
    timings = []
    for text in search_corpus.QUERIES:
        query = query_to_base64(
            {"filtering": {}, "sorting": "created", "search_string": text, "sortreverse": False}
        )
        url = f"/datatables_ticket_list/{query}{LIST_PARAMS}"
        client.get(url)
        for _ in range(reps):
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.status_code
        print(f"  peer {text!r}: {timings[-1]:.0f} ms", flush=True)
    print("saved", common.save("search", {"bench": "search", "timings_ms": timings}))


if __name__ == "__main__":
    main()
