"""An organisation's data for its own people: the API (managers, the responsible person) and
the command line."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from secondline.privacy.management.commands import export_organization
from secondline.releases.duty import record_phone_call
from secondline.tickets import services


def url(organization: Any) -> str:
    return f"/api/organizations/{organization.pk}/export/"


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture
def noted(her_ticket: Any, personas: Any) -> Any:
    services.add_comment(her_ticket, personas.agent, "Internal: check the invoice", public=False)
    return her_ticket


def test_a_manager_gets_everything(api_as: Any, personas: Any, noted: Any) -> None:
    response = api_as(personas.manager).get(url(personas.customer))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["organization"]["name"] == "Volga Logistics"
    assert "m.orlova@volga.example" in [person["email"] for person in data["contacts"]]
    (ticket,) = data["tickets"]
    assert ticket["number"] == noted.number
    assert "Internal: check the invoice" in [c["body"] for c in ticket["comments"]]


def test_the_responsible_person_gets_what_the_customer_sees(
    api_as: Any, personas: Any, noted: Any
) -> None:
    data = api_as(personas.responsible).get(url(personas.customer)).json()
    bodies = [c["body"] for c in data["tickets"][0]["comments"]]
    assert "Internal: check the invoice" not in bodies and len(bodies) == 3


def test_others_may_not(api_as: Any, personas: Any, noted: Any) -> None:
    assert api_as(personas.member).get(url(personas.customer)).status_code == 403
    outsider = api_as(personas.outsider)
    missing = outsider.get("/api/organizations/999999/export/")
    foreign = outsider.get(url(personas.customer))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    huge = api_as(personas.manager).get("/api/organizations/99999999999999999999/export/")
    assert huge.status_code == 404


def test_the_command_writes_a_private_file(tmp_path: Path, personas: Any, noted: Any) -> None:
    target = tmp_path / "volga.json"
    call_command("export_organization", "Volga Logistics", str(target))
    assert private(target)
    data = json.loads(target.read_text())
    assert len(data["tickets"]) == 1 and len(data["tickets"][0]["comments"]) == 4
    with pytest.raises(CommandError, match="No organisation"):
        call_command("export_organization", "Nobody Ltd", str(target))


def test_the_command_makes_an_old_world_readable_export_private(
    tmp_path: Path, personas: Any, noted: Any
) -> None:
    target = tmp_path / "volga.json"
    target.write_text("last month's export")
    target.chmod(0o644)
    call_command("export_organization", "Volga Logistics", str(target))
    assert private(target)
    assert json.loads(target.read_text())["organization"]["name"] == "Volga Logistics"


def test_a_full_disk_leaves_the_previous_export_as_it_was(
    tmp_path: Path, personas: Any, noted: Any, monkeypatch: Any
) -> None:
    target = tmp_path / "volga.json"
    target.write_text("last month's export")

    def fill_the_disk(data: Any, output: Any, **options: Any) -> None:
        output.write('{"organization": {"id": ')
        output.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export_organization.json, "dump", fill_the_disk)
    with pytest.raises(
        CommandError, match=re.escape(f"Cannot write {target}: No space left on device.")
    ) as error:
        call_command("export_organization", "Volga Logistics", str(target))
    assert error.value.returncode == 1  # the exit status of `secondline export-organization`
    assert target.read_text() == "last month's export"
    assert list(tmp_path.iterdir()) == [target]  # no partial file left behind


def test_a_fifo_or_a_folder_is_never_replaced(tmp_path: Path, personas: Any, noted: Any) -> None:
    pipe, folder = tmp_path / "pipe", tmp_path / "folder"
    os.mkfifo(pipe)
    folder.mkdir()
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # so a regression fails, not hangs
    try:
        for target in (pipe, folder):
            with pytest.raises(
                CommandError, match=re.escape(f"Cannot write {target}: it is not a regular file.")
            ) as error:
                call_command("export_organization", "Volga Logistics", str(target))
            assert error.value.returncode == 1
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(pipe.stat().st_mode) and folder.is_dir()
    assert sorted(tmp_path.iterdir()) == [folder, pipe]


@pytest.fixture
def called(noted: Any, personas: Any) -> Any:
    """Her ticket with an internal phone call recorded and a public status change."""
    record_phone_call(
        noted,
        personas.agent,
        caller_name="Marina Orlova",
        caller_phone="+7 916 123-45-67",
        summary="She called about the shipments report.",
    )
    services.change_status(noted, personas.agent, "in_progress")
    return noted


def test_the_export_holds_the_history_and_the_phone_calls(
    api_as: Any, personas: Any, called: Any, tmp_path: Path
) -> None:
    """The contractor's view (the API for a manager, the command line) has every event, with
    its old and new values, and the calls; the customer's the public events and no call."""
    target = tmp_path / "volga.json"
    call_command("export_organization", "Volga Logistics", str(target))
    for data in (api_as(personas.manager).get(url(personas.customer)).json(), _read(target)):
        (ticket,) = data["tickets"]
        (call,) = ticket["phone_calls"]
        assert (call["caller_name"], call["caller_phone"], call["summary"]) == (
            "Marina Orlova",
            "+7 916 123-45-67",
            "She called about the shipments report.",
        )
        assert call["agent"] == personas.agent.email
        changed = [e for e in ticket["events"] if e["kind"] == "status_changed"]
        assert [(e["old_value"], e["new_value"]) for e in changed] == [("new", "in_progress")]
        assert {e["is_public"] for e in ticket["events"]} == {True, False}
        assert "Marina Orlova" in [e["new_value"] for e in ticket["events"]]  # the call's event
    (ticket,) = api_as(personas.responsible).get(url(personas.customer)).json()["tickets"]
    assert "phone_calls" not in ticket and "Marina Orlova" not in json.dumps(ticket["events"])
    assert ticket["events"] and all(event["is_public"] for event in ticket["events"])
    assert "status_changed" in [event["kind"] for event in ticket["events"]]


def _read(path: Path) -> Any:
    return json.loads(path.read_text())
