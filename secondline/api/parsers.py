"""How every API endpoint reads a JSON body: malformed or absurd input is a 400, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus: a body nested deeper than Python's recursion limit (``[[[[...``
    posted by anyone, even before sign-in) is refused with a 400 instead of a RecursionError.
    DRF already turns the ``ValueError`` of malformed JSON into a ``ParseError``."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: the body is nested too deeply.")) from None
