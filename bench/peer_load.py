"""django-helpdesk's side of ``load_bench.py``: run with the peer's interpreter (``bench/peer.py``),
never imported by SecondLine.

    $PEER_WORK/venv/bin/python bench/peer_load.py TICKETS AGENTS CUSTOMERS FACTS_JSON

Fills a fresh peer SQLite database (``common.fresh_db``) in bulk, as the harness's bench_read.py
does: TICKETS tickets over the last three years (about 8 % open, as ``secondline seed``), each
with an opening follow-up and one to three more, filed by CUSTOMERS customer accounts
(non-staff users whose e-mail is the tickets' submitter); AGENTS staff accounts. Then a
signed-in session for every account (so that the load test pays no password hashing, as on
SecondLine's side) and writes what the load test needs to FACTS_JSON.
"""

import json
import os
import random
import sys
from datetime import timedelta

HARNESS = os.environ["PEER_HARNESS"]
sys.path.insert(0, os.path.join(HARNESS, "bench"))
import common  # noqa: E402 - the harness's helpers

BATCH = 2000
OPEN = 1  # helpdesk's Ticket.OPEN_STATUS; 3 resolved, 4 closed


def session_for(user):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def fill(count, agents, customers):
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, Ticket

    rng = random.Random(2026)
    User = get_user_model()
    _, queue = common.seed_basics()
    staff = [
        User.objects.create_user(f"agent{i}", f"agent{i}@example.com", None, is_staff=True)
        for i in range(agents)
    ]
    people = [
        User.objects.create_user(f"cust{i}", f"cust{i}@example.org", None) for i in range(customers)
    ]
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, BATCH):
            batch = []
            for i in range(start, min(count, start + BATCH)):
                is_open = rng.random() < 0.08
                age = rng.randint(0, 45 * 86400) if is_open else rng.randint(0, 3 * 365 * 86400)
                created = now - timedelta(seconds=age)
                batch.append(
                    Ticket(
                        title=f"Invoice export fails ({i})",
                        queue=queue,
                        created=created,
                        modified=created,
                        submitter_email=f"cust{i % customers}@example.org",
                        assigned_to=rng.choice(staff) if rng.random() < 0.7 else None,
                        status=OPEN if is_open else rng.choice([3, 4, 4, 4]),
                        priority=rng.randint(1, 5),
                        description=f"Ticket {i}: the invoice export fails.\n" * 3,
                    )
                )
            made = Ticket.objects.bulk_create(batch)
            FollowUp.objects.bulk_create(
                FollowUp(
                    ticket=ticket,
                    title="Comment",
                    date=ticket.created,
                    public=True,
                    comment=f"Step {n}: collected the logs.\n" * 2,
                )
                for ticket in made
                for n in range(rng.randint(1, 4))
            )
    return queue, staff, people


def main():
    count, agents, customers = (int(arg) for arg in sys.argv[1:4])
    facts_path = sys.argv[4]
    common.fresh_db("load")
    common.django_setup()
    from helpdesk.models import Ticket

    queue, staff, people = fill(count, agents, customers)
    open_ids = list(Ticket.objects.filter(status=OPEN).values_list("id", flat=True))
    customer_facts = []
    for person in people:
        own = list(
            Ticket.objects.filter(submitter_email=person.email)
            .order_by("-id")
            .values_list("id", flat=True)[:5]
        )
        customer_facts.append(
            {
                "session": session_for(person),
                "email": person.email,
                "tickets": [f"{queue.slug}-{pk}" for pk in own],
            }
        )
    facts = {
        "queue": queue.pk,
        "open_tickets": open_ids,
        "agents": [{"session": session_for(agent)} for agent in staff],
        "customers": customer_facts,
        "api": [{"session": session_for(agent)} for agent in staff],
        "tickets": Ticket.objects.count(),
    }
    with open(facts_path, "w") as out:
        json.dump(facts, out)
    print(f"peer: {facts['tickets']} tickets, {len(open_ids)} open", flush=True)


if __name__ == "__main__":
    main()
