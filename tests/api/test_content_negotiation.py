"""Every media type the OpenAPI schema declares for an answer is served when a client asks for
it with ``Accept`` (the exports answered 406 to ``text/csv`` and ``application/pdf``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from secondline.billing import statements
from secondline.tickets import attachments
from tests.billing.conftest import msk

JSON = "application/json"


@pytest.fixture
def statement(personas: Any, ticket: Any, log: Any, manager: Any) -> Any:
    log(ticket, msk(2024, 11, 5, 10), msk(2024, 11, 5, 11))
    return statements.generate_statement(personas.contract, msk(2024, 11, 1).date(), manager)


@pytest.fixture
def ticket(personas: Any) -> Any:
    from tests.factories import consultation_draft, file_ticket, filed_long_ago

    return filed_long_ago(file_ticket(personas.member, consultation_draft()))


@pytest.fixture
def log(agent: Any) -> Any:
    from secondline.billing import worklogs

    def log_work(ticket: Any, start: Any, end: Any) -> Any:
        return worklogs.log_work(ticket, agent, worklogs.WorkEntry("fix", start, end))

    return log_work


def _declared(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, media type) of each GET whose 200 answer declares a type besides JSON."""
    found = []
    for path, methods in schema["paths"].items():
        content = methods.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        if set(content) - {JSON}:
            found.extend((path, media_type) for media_type in content)
    return sorted(found)


def test_each_declared_type_of_each_export_is_served(
    api_as: Any, manager: Any, responsible: Any, personas: Any, statement: Any
) -> None:
    statements.issue_statement(statement, manager)
    statements.approve_statement(statement, responsible)  # the act and the XLSX need it
    client = api_as(manager)
    schema = client.get("/api/schema/?format=json").json()
    declared = _declared(schema)
    assert ("/api/statements/{id}/csv/", "text/csv") in declared
    assert ("/api/statements/{id}/pdf/", "application/pdf") in declared
    assert len(declared) >= 5  # the audit export's JSON and CSV, an attachment's bytes
    ticket = statement.lines.get().ticket
    upload = attachments.UploadedFile("trace.log", ContentFile(b"ERROR 42"), 8, "text/plain")
    attachment = attachments.add_attachment(ticket, manager, upload)
    ids = {
        "/api/statements/": {"id": statement.pk},
        "/api/organizations/": {"id": personas.customer.pk},
        "/api/tickets/": {"id": ticket.pk, "attachment_id": attachment.pk},
    }
    for path, media_type in declared:
        url = path
        for name, value in ids[next(p for p in ids if path.startswith(p))].items():
            url = url.replace(f"{{{name}}}", str(value))
        answer = client.get(url, HTTP_ACCEPT=media_type)
        assert answer.status_code == 200, (path, media_type, answer.status_code)
        if media_type != "application/octet-stream":  # a download keeps its file's own type
            assert answer["Content-Type"].startswith(media_type), (path, answer["Content-Type"])


@pytest.mark.parametrize(
    ("export", "accept", "starts"),
    [
        ("csv", "text/csv", b"\xef\xbb\xbf"),  # the byte order mark spreadsheets need
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbf"),
        ("csv", "*/*", b"\xef\xbb\xbf"),
        ("pdf", "application/pdf", b"%PDF"),
        ("pdf", "application/*", b"%PDF"),
    ],
)
def test_the_statement_exports_honour_accept(
    api_as: Any, responsible: Any, statement: Any, export: str, accept: str, starts: bytes
) -> None:
    statements.issue_statement(statement, statement.generated_by)
    answer = api_as(responsible).get(
        f"/api/statements/{statement.pk}/{export}/", HTTP_ACCEPT=accept
    )
    assert answer.status_code == 200
    assert answer.content.startswith(starts)


def test_a_type_the_schema_does_not_declare_is_406(
    api_as: Any, manager: Any, statement: Any
) -> None:
    answer = api_as(manager).get(f"/api/statements/{statement.pk}/pdf/", HTTP_ACCEPT="text/csv")
    assert answer.status_code == 406


@pytest.mark.parametrize(("export", "accept"), [("csv", "text/csv"), ("pdf", "application/pdf")])
def test_an_error_of_an_export_is_still_readable(
    api_as: Any, outsider: Any, statement: Any, export: str, accept: str
) -> None:
    answer = api_as(outsider).get(f"/api/statements/{statement.pk}/{export}/", HTTP_ACCEPT=accept)
    assert answer.status_code == 404
    if export == "pdf":
        assert answer["Content-Type"] == JSON
        assert "detail" in answer.json()
    else:
        assert answer["Content-Type"].startswith("text/csv")
        assert answer.content.decode().startswith("detail,")
