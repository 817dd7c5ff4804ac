"""``{% submission_key %}``: the hidden one-time key of a form that must not be sent twice
(``tickets.submissions``)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from secondline.tickets import submissions

register = template.Library()


@register.simple_tag
def submission_key() -> SafeString:
    return format_html(
        '<input type="hidden" name="{}" value="{}">', submissions.FIELD, submissions.new_key()
    )
