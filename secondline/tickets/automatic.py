"""Why an automatic action happened, in the reader's language.

An automatic action (auto-assignment, the reminder to a customer, auto-close) keeps its rule
and the figures the rule used on its event (``TicketEvent.rule``, ``rule_params``), and its
reason is worded when somebody reads it: an English requester and a Russian agent each read it
in their own language. The rules themselves live in ``subscriptions.automation``."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _


def rule_text(rule: str, params: Mapping[str, object]) -> str:
    """The reason of an automatic action, naming its rule; in the active language."""
    texts = {
        "assign-account-engineer": lambda: _("Assigned to the customer's account engineer."),
        "assign-on-duty": lambda: _("Assigned in turn to the engineers on duty."),
        "remind-waiting": lambda: (
            _(
                "We have waited %(days)s business days for your answer. Without one, the ticket "
                "will be closed after %(more)s more business days."
            )
            % {"days": params.get("days"), "more": params.get("more")}
        ),
        "close-waiting": lambda: (
            _("Closed: no answer %(days)s business days after the reminder.")
            % {"days": params.get("days")}
        ),
        "close-resolved": lambda: (
            _("Closed: resolved %(days)s business days ago without an answer.")
            % {"days": params.get("days")}
        ),
    }
    if rule not in texts:
        return ""
    return _("%(text)s (automatic rule “%(rule)s”)") % {"text": texts[rule](), "rule": rule}
