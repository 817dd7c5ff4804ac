"""Demo data: the contractor's team, two customers with contracts, a dozen tickets.

Everything goes through the service layer, so the demo tickets have real audit trails,
SLA deadlines and notifications, exactly as if people had filed them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.message import EmailMessage

from django.db import transaction
from django.utils import timezone

from secondline.accounts.models import Contract, Organization, User
from secondline.billing import out_of_hours, worklogs
from secondline.billing.models import PrepaidPackage
from secondline.demo.billing import load_billing_demo
from secondline.mail import intake as mail
from secondline.releases.demo import load_release_demo
from secondline.sla import services as sla
from secondline.sla.models import SLAPlan, WorkingCalendar
from secondline.subscriptions.models import AccountEngineer, Subscription
from secondline.tickets import services
from secondline.tickets.choices import Channel, Priority, Status, TicketType
from secondline.tickets.models import Ticket

DEMO_PASSWORD = "demo-pass-2026"

# (username, first, last, organization key, role, language)
PEOPLE = [
    ("admin", "Ada", "Admin", "contractor", User.Role.ADMIN, "en"),
    ("manager", "Maria", "Morozova", "contractor", User.Role.MANAGER, "ru"),
    ("agent", "Alexei", "Petrov", "contractor", User.Role.AGENT, "en"),
    ("engineer", "Elena", "Smirnova", "contractor", User.Role.AGENT, "ru"),
    ("responsible", "Roman", "Volkov", "volga", User.Role.CUSTOMER_RESPONSIBLE, "en"),
    ("member", "Mila", "Sokolova", "volga", User.Role.CUSTOMER_MEMBER, "ru"),
    ("neva.responsible", "Nikolai", "Orlov", "neva", User.Role.CUSTOMER_RESPONSIBLE, "ru"),
    ("neva.member", "Nina", "Belova", "neva", User.Role.CUSTOMER_MEMBER, "en"),
]

ORGANIZATIONS = {
    "contractor": ("SecondLine Support", Organization.Kind.CONTRACTOR, "support.example"),
    "volga": ("Volga Logistics", Organization.Kind.CUSTOMER, "volga-logistics.example"),
    "neva": ("Neva Retail", Organization.Kind.CUSTOMER, "neva-retail.example"),
}


def _organizations() -> dict[str, Organization]:
    return {
        key: Organization.objects.get_or_create(
            name=name, defaults={"kind": kind, "email_domains": domain}
        )[0]
        for key, (name, kind, domain) in ORGANIZATIONS.items()
    }


def _people(orgs: dict[str, Organization]) -> dict[str, User]:
    people = {}
    for username, first, last, org_key, role, language in PEOPLE:
        domain = ORGANIZATIONS[org_key][2]
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{domain}",
                "organization": orgs[org_key],
                "role": role,
                "language": language,
                "is_staff": role in {User.Role.ADMIN, User.Role.MANAGER},
                "is_superuser": role == User.Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        people[username] = user
    return people


def _contracts(orgs: dict[str, Organization]) -> None:
    calendar = WorkingCalendar.objects.get(name="Russia, Moscow 10:00-19:00")
    plan = SLAPlan.objects.get(name="Standard")
    volga, _created = Contract.objects.get_or_create(
        number="VL-2026-01",
        defaults={
            "customer": orgs["volga"],
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2027, 12, 31),
            "calendar": calendar,
            "sla_plan": plan,
            "hourly_rate": Decimal("4500.00"),
            "currency": "RUB",
        },
    )
    PrepaidPackage.objects.get_or_create(
        contract=volga,
        defaults={
            "hours": Decimal("40"),
            "purchased_on": volga.starts_on,
            "valid_from": volga.starts_on,
            "valid_until": volga.ends_on or dt.date(2027, 12, 31),
            "note": "Prepaid with the contract",
        },
    )
    Contract.objects.get_or_create(
        number="NR-2025-07",
        defaults={
            "customer": orgs["neva"],
            "starts_on": dt.date(2025, 7, 1),
            "ends_on": None,
            "calendar": calendar,
            "sla_plan": plan,
            "hourly_rate": Decimal("5200.00"),
            "currency": "RUB",
        },
    )


# (requester, type, priority, subject, days ago, final status)
TICKETS = [
    (
        "responsible",
        TicketType.INCIDENT,
        Priority.URGENT,
        "Warehouse terminals cannot post shipments",
        0,
        Status.NEW,
    ),
    (
        "member",
        TicketType.INCIDENT,
        Priority.HIGH,
        "Invoice export to 1C fails with a timeout",
        1,
        Status.IN_PROGRESS,
    ),
    (
        "member",
        TicketType.CONSULTATION,
        Priority.URGENT,
        "How to configure a second price list",
        2,
        Status.NEW,
    ),
    (
        "responsible",
        TicketType.INCIDENT,
        Priority.NORMAL,
        "Report 'Stock by region' shows empty rows",
        3,
        Status.WAITING_FOR_CUSTOMER,
    ),
    (
        "responsible",
        TicketType.CHANGE_REQUEST,
        "",
        "Add a carrier field to the waybill form",
        6,
        Status.ACCEPTED,
    ),
    (
        "member",
        TicketType.UPDATE_INSTALLATION,
        "",
        "Install version 4.2.1 on production",
        8,
        Status.RESOLVED,
    ),
    (
        "responsible",
        TicketType.INCIDENT,
        Priority.LOW,
        "Typo in the Russian label of the Save button",
        12,
        Status.CLOSED,
    ),
    (
        "neva.responsible",
        TicketType.INCIDENT,
        Priority.HIGH,
        "Cash desks lose connection to the server every hour",
        0,
        Status.NEW,
    ),
    (
        "neva.member",
        TicketType.CONSULTATION,
        "",
        "Which settings control the loyalty discount order",
        2,
        Status.IN_PROGRESS,
    ),
    (
        "neva.member",
        TicketType.INCIDENT,
        Priority.NORMAL,
        "Main database server is slow at night",
        4,
        Status.DECLINED,
    ),
    (
        "neva.responsible",
        TicketType.CHANGE_REQUEST,
        "",
        "Export receipts in the new tax format",
        5,
        Status.NEW,
    ),
    (
        "neva.member",
        TicketType.INCIDENT,
        Priority.URGENT,
        "Nobody can log in after the password policy change",
        9,
        Status.RESOLVED,
    ),
]


def _draft(kind: str, priority: str, subject: str, occurred: dt.datetime) -> services.NewTicket:
    draft = services.NewTicket(
        type=kind,
        subject=subject,
        requested_priority=priority,
        description=f"{subject}. Logs attached; our first line checked the basics.",
        affected_module="Warehouse" if "Warehouse" in subject else "Core",
        environment="production",
    )
    if kind == TicketType.INCIDENT:
        draft.occurred_at = occurred
        draft.impact = "Several users in one branch cannot complete their work."
        draft.steps_to_reproduce = "1. Sign in as a clerk. 2. Open the form. 3. Press Save."
    if kind == TicketType.UPDATE_INSTALLATION:
        draft.target_version = "4.2.1"
        draft.preferred_windows = "Tuesday or Thursday after 19:00 Moscow time"
    return draft


def _walk(ticket: Ticket, final: str, agent: User, manager: User) -> None:
    if final == Status.DECLINED:
        services.decline_ticket(
            ticket,
            manager,
            "out-of-scope-db-server",
            "Database server tuning is the customer's DBA's area.",
            Channel.WEB,
        )
        return
    path = {
        Status.NEW: [],
        Status.ACCEPTED: [Status.ACCEPTED],
        Status.IN_PROGRESS: [Status.IN_PROGRESS],
        Status.WAITING_FOR_CUSTOMER: [Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER],
        Status.RESOLVED: [Status.IN_PROGRESS, Status.RESOLVED],
        Status.CLOSED: [Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
    }[Status(final)]
    if path:
        services.assign(ticket, manager, agent)
        services.add_comment(ticket, agent, "We are looking into it and will be back shortly.")
    for status in path:
        services.change_status(ticket, agent, status)


@transaction.atomic
def load_demo() -> bool:
    """Create the demo data unless it is there already; True when it was created."""
    if Organization.objects.filter(name=ORGANIZATIONS["volga"][0]).exists():
        return False
    orgs = _organizations()
    people = _people(orgs)
    _contracts(orgs)
    _subscriptions(orgs, people)
    now = timezone.now()
    for index, (who, kind, priority, subject, days_ago, final) in enumerate(TICKETS):
        created = now - dt.timedelta(days=days_ago, hours=index % 3)
        ticket = services.file_ticket(
            people[who], _draft(kind, priority, subject, created), Channel.WEB
        )
        Ticket.objects.filter(pk=ticket.pk).update(created_at=created)
        ticket.refresh_from_db()
        sla.recompute(ticket)
        agent = people["agent"] if index % 2 else people["engineer"]
        _walk(ticket, final, agent, people["manager"])

    load_release_demo()
    load_billing_demo(people)
    _time_and_mail(people)
    return True


def _subscriptions(orgs: dict[str, Organization], people: dict[str, User]) -> None:
    """The agent hears of every new ticket; the engineer looks after Neva Retail."""
    Subscription.objects.update_or_create(person=people["agent"], defaults={"all_new": True})
    AccountEngineer.objects.update_or_create(
        customer=orgs["neva"], defaults={"engineer": people["engineer"]}
    )


def _last_business_morning(now: dt.datetime, days_back: int) -> dt.datetime:
    day = timezone.localdate(now) - dt.timedelta(days=days_back)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11, 0)))


QUARANTINED_EMAILS = [
    (
        "it-desk@unknown-partner.example",
        "Cannot print invoices after the update",
        "Hello, since yesterday the invoice form prints blank pages. Who can help?",
    ),
    (
        "a.ivanov@gmail.example",
        "Срочно: не работает склад",
        "Добрый день! Терминалы склада не проводят отгрузки. Пишу с личной почты.",
    ),
]


def _time_and_mail(people: dict[str, User]) -> None:
    """Work logs and an out-of-hours request on the demo tickets, and two emails from unknown
    senders waiting in the quarantine (billing and mail services, as in real use)."""
    now = timezone.now()
    worked = Ticket.objects.filter(
        organization__name=ORGANIZATIONS["volga"][0],
        status__in=[Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER, Status.RESOLVED],
    ).order_by("pk")[:3]
    for index, ticket in enumerate(worked):
        # work is logged within the ticket's life: never before it was filed
        filed = ticket.created_at.replace(second=0, microsecond=0) + dt.timedelta(minutes=15)
        start = max(_last_business_morning(now, index + 1), filed)
        for activity, minutes, text in (
            ("analysis", 45, "Read the logs and reproduced the fault on the test system."),
            ("fix", 90, "Corrected the settings and checked the result with the customer."),
        ):
            worklogs.log_work(
                ticket,
                people["agent"],
                worklogs.WorkEntry(
                    activity=activity,
                    started_at=start,
                    duration=dt.timedelta(minutes=minutes),
                    description=text,
                ),
            )
            start += dt.timedelta(minutes=minutes + 30)
    urgent = (
        Ticket.objects.filter(type=TicketType.INCIDENT, priority=Priority.URGENT)
        .order_by("pk")
        .first()
    )
    if urgent is not None:
        evening = timezone.make_aware(
            dt.datetime.combine(timezone.localdate(now) + dt.timedelta(days=1), dt.time(20, 0))
        )
        out_of_hours.raise_out_of_hours_request(
            urgent,
            people["agent"],
            window_start=evening,
            window_end=evening + dt.timedelta(hours=2),
            estimated_hours=Decimal("2"),
            reason="Restore posting on the warehouse terminals after the shops close.",
        )
    for index, (sender, subject, body) in enumerate(QUARANTINED_EMAILS):
        email = EmailMessage()
        email["From"] = sender
        email["To"] = "support@support.example"
        email["Subject"] = subject
        email["Message-ID"] = f"<demo-quarantine-{index}@demo.example>"
        email.set_content(body)
        mail.ingest_message(bytes(email), "import", answer_unknown_senders=False)


def logins() -> list[tuple[str, str]]:
    return [(username, str(User.Role(role).label)) for username, *_, role, _lang in PEOPLE]
