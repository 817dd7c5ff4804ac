"""The OpenAPI schema is generated without a warning or an error and is valid OpenAPI, in both
languages (a choice set's name depends on its labels, which are translated)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_schema_is_generated_without_warnings(language: str, tmp_path: Path) -> None:
    # drf-spectacular prints what it warns about to stderr, which pytest shows on a failure
    call_command(
        "spectacular",
        "--fail-on-warn",
        "--validate",
        "--lang",
        language,
        "--file",
        str(tmp_path / "schema.yml"),
    )
    names = set(yaml.safe_load((tmp_path / "schema.yml").read_text())["components"]["schemas"])
    # the choice sets' names a client generator turns into types (settings.SPECTACULAR_SETTINGS)
    assert {
        "TicketStatusEnum",
        "NewStatusEnum",
        "TicketChannelEnum",
        "OrganizationKindEnum",
    } <= names
