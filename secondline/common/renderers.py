"""The file types the API serves besides JSON, named for DRF's content negotiation.

An export view declares the media types of its answer with ``renderer_classes`` (and the same
types in its OpenAPI schema), so a client's ``Accept: text/csv`` or ``Accept: application/pdf``
is honoured instead of answered with 406. The view writes the file itself; these renderers
only ever render an error (a 400, 403, 404) of such a view.
"""

from __future__ import annotations

import io
import json
from typing import Any

from rest_framework import renderers

from secondline.common import spreadsheet


class CSVRenderer(renderers.BaseRenderer):
    """``text/csv``: an error as one "field, message" line per message."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        buffer = io.StringIO()
        writer = spreadsheet.writer(buffer)
        for name, messages in (data or {}).items():
            for message in messages if isinstance(messages, list) else [messages]:
                writer.writerow([name, str(message)])
        return buffer.getvalue().encode("utf-8")


class BinaryFileRenderer(renderers.BaseRenderer):
    """A binary file type: an error cannot be written in it, so it goes out as JSON, labelled
    so (``Content-Type: application/json``)."""

    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        response = (context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


class PDFRenderer(BinaryFileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class XLSXRenderer(BinaryFileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"


class OctetStreamRenderer(BinaryFileRenderer):
    """Any bytes: a download answers with the file's own type."""

    media_type = "application/octet-stream"
    format = "bin"
