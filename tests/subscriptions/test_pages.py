"""The notification list in the desk: the header's unread count, mark read (htmx and plain),
mark all read, the subscription form; for the contractor's staff only."""

from __future__ import annotations

from django.urls import reverse

from secondline.subscriptions.models import Notice, Subscription
from tests.factories import file_ticket
from tests.subscriptions.conftest import follow_all_new


def filed_for(agent, member) -> Notice:
    follow_all_new(agent)
    file_ticket(member)
    return Notice.objects.get(recipient=agent)


def test_the_header_counts_unread_notifications(client, agent, member) -> None:
    notice = filed_for(agent, member)
    client.force_login(agent)
    page = client.get(reverse("portal:queue")).content.decode()
    assert 'id="notice-count" class="nav-count"' in page and ">1</span>" in page
    listing = client.get(reverse("subscriptions:list")).content.decode()
    assert notice.ticket.subject in listing and "is-unread" in listing


def test_mark_read_with_htmx_answers_the_row_and_the_count(client, agent, member) -> None:
    notice = filed_for(agent, member)
    client.force_login(agent)
    answer = client.post(reverse("subscriptions:read", args=[notice.pk]), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'id="notice-{notice.pk}"' in html and "is-unread" not in html
    assert 'id="notice-count" hx-swap-oob="true"' in html  # no count left to show
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_opening_a_notice_marks_it_read_and_leads_to_the_ticket(client, agent, member) -> None:
    notice = filed_for(agent, member)
    client.force_login(agent)
    answer = client.get(reverse("subscriptions:open", args=[notice.pk]))
    assert answer.status_code == 302 and answer["Location"] == notice.ticket.get_absolute_url()
    assert Notice.objects.filter(read_at__isnull=True).count() == 0


def test_mark_all_read(client, agent, member) -> None:
    filed_for(agent, member)
    file_ticket(member)
    client.force_login(agent)
    assert client.post(reverse("subscriptions:read_all")).status_code == 302
    assert not Notice.objects.filter(recipient=agent, read_at__isnull=True).exists()


def test_nobody_reads_or_marks_another_persons_notices(client, agent, manager, member) -> None:
    notice = filed_for(agent, member)
    client.force_login(manager)
    assert client.post(reverse("subscriptions:read", args=[notice.pk])).status_code == 404
    assert client.get(reverse("subscriptions:open", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_customers_have_no_notification_pages(client, member, outsider) -> None:
    for person in (member, outsider):
        client.force_login(person)
        assert client.get(reverse("subscriptions:list")).status_code == 404
        assert client.post(reverse("subscriptions:read_all")).status_code == 404


def test_a_person_chooses_what_they_follow(client, personas, agent) -> None:
    client.force_login(agent)
    answer = client.post(
        reverse("subscriptions:subscription"),
        {"all_new": "on", "organizations": [personas.other_customer.pk], "by_email": "on"},
    )
    assert answer.status_code == 302
    subscription = Subscription.objects.get(person=agent)
    assert (subscription.all_new, subscription.my_tickets, subscription.by_email) == (
        True,
        False,
        True,
    )
    assert list(subscription.organizations.all()) == [personas.other_customer]
    bad = client.post(reverse("subscriptions:subscription"), {"organizations": ["nope"]})
    assert bad.status_code == 400


def test_a_refused_first_choice_saves_no_subscription(client, agent) -> None:
    client.force_login(agent)
    bad = client.post(reverse("subscriptions:subscription"), {"organizations": ["nope"]})
    assert bad.status_code == 400
    assert not Subscription.objects.filter(person=agent).exists()


def test_the_russian_list_speaks_russian(client, agent, member) -> None:
    filed_for(agent, member)
    agent.language = "ru"
    agent.save()
    client.force_login(agent)
    page = client.get(reverse("subscriptions:list"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Уведомления" in page and "Новая заявка" in page and "Отметить все прочитанными" in page
    assert "Организации заказчиков" in page and "Organizations" not in page
