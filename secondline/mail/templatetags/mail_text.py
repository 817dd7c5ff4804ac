"""Texts people wrote, as an email carries them: a long one is cut with a link to the rest."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()

#: How much of a comment an email quotes: a few KB; a 1 MB paste stays on the ticket page.
EMAIL_TEXT_LIMIT = 4000


@register.filter
def cut_for_email(text: str, link: str) -> str:
    """``text`` whole when it is short; else its beginning (cut at a line or word break) and
    a line, in the active language, that sends the reader to ``link`` for the rest."""
    text = str(text or "")
    if len(text) <= EMAIL_TEXT_LIMIT:
        return text
    head = text[:EMAIL_TEXT_LIMIT]
    for breaker in ("\n", " "):
        at = head.rfind(breaker)
        if at > EMAIL_TEXT_LIMIT // 2:
            head = head[:at]
            break
    more = _("… read the whole text at %(link)s") % {"link": link}
    return f"{head.rstrip()}\n\n{more}"
