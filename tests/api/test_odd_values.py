"""Odd values a client may send are a 400 with a clear, translated message, never a 500: a
lone surrogate in a JSON string, a time before the first UTC day, an id that names nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation
from rest_framework import serializers

from secondline.accounts.api import BodyTimeField
from secondline.api.parsers import holds_lone_surrogate
from secondline.releases.models import DutyShift
from secondline.tickets.models import Ticket
from tests.factories import file_ticket

MISSING = 2**62
YEAR_ONE = "Give a time between the years 1 and 9999 in UTC."
MSK = dt.timezone(dt.timedelta(hours=3))


def _raw(client: Any, method: str, url: str, body: str, **headers: Any) -> Any:
    """Send ``body`` as it is: ``\\ud800`` stays the JSON escape a client wrote."""
    return getattr(client, method)(url, body, content_type="application/json", **headers)


# -- a lone surrogate ---------------------------------------------------------------------

DEEP = [["x"]]
for _ in range(5000):  # deeper than Python's recursion limit: the walk must not recurse
    DEEP = [DEEP]


@pytest.mark.parametrize(
    ("data", "holds"),
    [
        ("plain ascii", False),
        ("Кириллица and 😀", False),  # an astral character arrives whole, from a pair
        ("a\ud800b", True),  # a high half alone
        ("\udfff", True),  # a low half alone
        ("\udc00\ud800", True),  # both halves, in the wrong order
        ({"key\ud800": "value"}, True),  # in a key
        ({"a": [1, None, True, 2.5, {"b": ["c", "\ud83d"]}]}, True),  # nested in a value
        ({"a": [1, None, True, 2.5, {"b": ["c", "d"]}]}, False),
        ([DEEP, "\ud800"], True),
        (DEEP, False),
        (None, False),
        (12, False),
    ],
)
def test_it_finds_a_lone_surrogate_anywhere_in_a_body(data: Any, holds: bool) -> None:
    assert holds_lone_surrogate(data) is holds


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        # DRF's "is not a valid choice" repeated the value: the answer could not be encoded
        '{"type": "a\\ud800b", "subject": "S", "description": "D"}',
        '{"type": "consultation", "subject": "S\\udc00", "description": "D"}',
        '{"type": "consultation", "subject": "S", "description": "D", "\\ud800": 1}',
        '{"type": "consultation", "subject": "S", "description": "D", "x": [{"y": "\\udbff"}]}',
    ],
)
def test_a_lone_surrogate_anywhere_is_a_400_that_files_nothing(
    api_as: Any, member: Any, body: str
) -> None:
    answer = _raw(api_as(member), "post", "/api/tickets/", body)
    assert answer.status_code == 400, answer.content
    assert answer.json() == {
        "detail": "JSON parse error: a string holds an unpaired UTF-16 surrogate; write a "
        "character beyond U+FFFF as a surrogate pair."
    }
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_surrogate_pair_is_a_character_and_is_kept(api_as: Any, member: Any) -> None:
    body = '{"type": "consultation", "subject": "Smile \\ud83d\\ude00", "description": "D"}'
    answer = _raw(api_as(member), "post", "/api/tickets/", body)
    assert answer.status_code == 201, answer.content
    assert Ticket.objects.get().subject == "Smile 😀"


@pytest.mark.django_db
def test_the_lone_surrogate_refusal_is_in_the_callers_language(api_as: Any, member: Any) -> None:
    body = '{"type": "a\\ud800b", "subject": "S", "description": "D"}'
    answer = _raw(api_as(member), "post", "/api/tickets/", body, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("Ошибка разбора JSON: в строке непарный суррогат")


# -- a time before the first UTC day ------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        # a naive time is Moscow's, whose clock ran on its local mean time (UTC+2:30:17) until
        # 1880 (tz database): year 1 begins there 2 h 30 min 17 s before UTC's first day
        ("0001-01-01", None),
        ("0001-01-01T00:00:00", None),
        ("0001-01-01T02:30:16", None),
        ("0001-01-01T02:30:17", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
        ("0001-01-01T00:00:00Z", dt.datetime(1, 1, 1, tzinfo=dt.UTC)),
        ("9999-12-31T23:59:59", dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=MSK)),
        # an aware time past the last UTC day (DRF's own refusal, in our words)
        ("9999-12-31T23:59:59-12:00", None),
        ("2026-11-20T11:00:00", dt.datetime(2026, 11, 20, 11, tzinfo=MSK)),
    ],
)
def test_a_body_time_is_read_in_the_current_zone_or_refused(sent: str, read: Any) -> None:
    field = BodyTimeField()
    if read is None:
        with pytest.raises(serializers.ValidationError) as refused:
            field.run_validation(sent)
        assert refused.value.detail == [YEAR_ONE]
        assert refused.value.get_codes() == ["overflow"]
    else:
        assert field.run_validation(sent) == read


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["0001-01-01", "0001-01-01T00:00:00"])
def test_a_ticket_that_occurred_in_year_one_is_a_400_on_the_field(
    api_as: Any, member: Any, sent: str
) -> None:
    client = api_as(member)
    draft = {"type": "consultation", "subject": "S", "description": "D", "occurred_at": sent}
    filed = client.post("/api/tickets/", draft, format="json")
    assert (filed.status_code, filed.json()) == (400, {"occurred_at": [YEAR_ONE]})
    ticket = file_ticket(member)
    edited = client.patch(f"/api/tickets/{ticket.pk}/", {"occurred_at": sent}, format="json")
    assert (edited.status_code, edited.json()) == (400, {"occurred_at": [YEAR_ONE]})


@pytest.mark.django_db
def test_a_duty_shift_in_year_one_is_a_400_on_the_field(
    api_as: Any, manager: Any, agent: Any
) -> None:
    """The roster's times are the model's columns: the ModelSerializer reads them too."""
    shift = {
        "engineer": agent.pk,
        "starts_at": "0001-01-01T00:00:00",
        "ends_at": "0001-01-02T00:00:00",
        "position": 1,
    }
    answer = api_as(manager).post("/api/releases/duty-shifts/", shift, format="json")
    assert (answer.status_code, answer.json()) == (400, {"starts_at": [YEAR_ONE]})
    assert not DutyShift.objects.exists()


@pytest.mark.django_db
def test_the_year_one_refusal_is_in_the_callers_language(api_as: Any, member: Any) -> None:
    draft = {"type": "consultation", "subject": "S", "description": "D"}
    answer = api_as(member).post(
        "/api/tickets/",
        {**draft, "occurred_at": "0001-01-01"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert answer.json() == {"occurred_at": ["Укажите время между 1 и 9999 годами по UTC."]}


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


#: Time fields no client writes: answers' shapes, kept for the schema.
ANSWERS_ONLY = {"secondline.api.tokens.IssuedTokenSerializer.expires_at"}


def test_every_time_a_client_writes_is_a_body_time_field() -> None:
    """Declared or derived from a model column: a new serializer cannot bring the 500 back."""
    import secondline.urls  # noqa: F401  (every API module and its serializers)

    plain = set()
    for cls in _subclasses(serializers.Serializer):
        abstract = issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta")
        if abstract or not cls.__module__.startswith("secondline."):
            continue
        with translation.override("en"):
            fields = cls().fields
        for name, field in fields.items():
            writable = isinstance(field, serializers.DateTimeField) and not field.read_only
            if writable and not isinstance(field, BodyTimeField):
                plain.add(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert not plain - ANSWERS_ONLY, sorted(plain - ANSWERS_ONLY)


# -- an id that names nothing, in the caller's language -----------------------------------


@pytest.mark.django_db
def test_no_such_refusals_are_in_the_callers_language(
    api_as: Any, personas: Any, member: Any, agent: Any, manager: Any
) -> None:
    ticket = file_ticket(member)
    ru = {"format": "json", "HTTP_ACCEPT_LANGUAGE": "ru"}
    draft = {"type": "consultation", "subject": "S", "description": "D"}
    installation = {"name": "Production", "product": "erp"}
    installations = "/api/releases/installations/"
    answers = [
        api_as(member).post("/api/tickets/", {**draft, "contract": MISSING}, **ru),
        api_as(agent).post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": MISSING}, **ru),
        api_as(agent).post(f"/api/tickets/{ticket.pk}/watchers/", {"user": MISSING}, **ru),
        api_as(agent).delete(f"/api/tickets/{ticket.pk}/watchers/", {"user": MISSING}, **ru),
        api_as(manager).post(installations, {**installation, "contract": MISSING}, **ru),
        # another customer's contract: refused after the serializer, in the same words
        api_as(member).post(
            installations, {**installation, "contract": personas.other_contract.pk}, **ru
        ),
        api_as(manager).post(
            "/api/statements/", {"contract": MISSING, "period": "2026-01-01"}, **ru
        ),
    ]
    expected = [
        {"contract": ["Такого договора нет."]},
        {"assignee": ["Такого пользователя нет."]},
        {"user": ["Такого пользователя нет."]},
        {"user": ["Такого пользователя нет."]},
        {"contract": ["Такого объекта нет."]},
        {"contract": ["Такого объекта нет."]},
        {"contract": ["Такого договора нет."]},
    ]
    assert [(a.status_code, a.json()) for a in answers] == [(400, e) for e in expected]


@pytest.mark.django_db
def test_the_version_of_an_installation_is_not_patched_and_says_so_in_russian(
    api_as: Any, personas: Any, manager: Any
) -> None:
    from secondline.releases.models import Installation

    installation = Installation.objects.create(
        contract=personas.contract, name="Production", product="erp"
    )
    answer = api_as(manager).patch(
        f"/api/releases/installations/{installation.pk}/",
        {"current_version_id": None},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert (answer.status_code, answer.json()) == (
        400,
        {"current_version_id": ["Новую версию записывайте запросом POST …/version/."]},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/worklogs/", {"activity": "fix", "started_at": "0001-01-01"}),
        ("/api/out-of-hours-requests/", {"reason": "x", "window_start": "0001-01-01T00:00"}),
    ],
)
def test_billings_body_times_in_year_one_are_refused_on_their_field(
    path: str, body: dict[str, object], personas: Any, api_as: Any
) -> None:
    ticket = file_ticket(personas.member)
    answer = api_as(personas.agent).post(path, {**body, "ticket": ticket.pk}, format="json")
    assert answer.status_code == 400, answer.content
    field = "started_at" if "started_at" in body else "window_start"
    assert field in answer.json()
