"""Why an automatic action happened, in the reader's language.

An automatic action (auto-assignment, the reminder to a customer, auto-close) keeps its rule
and the figures the rule used on its event (``TicketEvent.rule``, ``rule_params``), and its
reason is worded when somebody reads it: an English requester and a Russian agent each read it
in their own language. The rules themselves live in ``subscriptions.automation``."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

#: What each rule says it did; ``%(days)s`` and ``%(more)s`` are the figures it acted on.
TEXTS = {
    "assign-account-engineer": gettext_noop("Assigned to the customer's account engineer."),
    "assign-on-duty": gettext_noop("Assigned in turn to the engineers on duty."),
    "remind-waiting": gettext_noop(
        "We have waited %(days)s business days for your answer. Without one, the ticket "
        "will be closed after %(more)s more business days."
    ),
    "close-waiting": gettext_noop("Closed: no answer %(days)s business days after the reminder."),
    "close-resolved": gettext_noop(
        "Closed: resolved %(days)s business days ago without an answer."
    ),
}


def rule_text(rule: str, params: Mapping[str, object]) -> str:
    """The reason of an automatic action, naming its rule; in the active language."""
    if rule not in TEXTS:
        return ""
    text = _(TEXTS[rule]) % {"days": params.get("days"), "more": params.get("more")}
    return _("%(text)s (automatic rule “%(rule)s”)") % {"text": text, "rule": rule}
