"""[Incident][High] / [Инцидент][Высокий] in a subject choose the type and the priority. Pure
Python."""

from __future__ import annotations

import re
from dataclasses import dataclass

TYPE_TAGS = {
    "incident": "incident",
    "инцидент": "incident",
    "consultation": "consultation",
    "question": "consultation",
    "консультация": "consultation",
    "вопрос": "consultation",
    "change request": "change_request",
    "change": "change_request",
    "запрос на изменение": "change_request",
    "доработка": "change_request",
    "update installation": "update_installation",
    "update": "update_installation",
    "установка обновления": "update_installation",
    "обновление": "update_installation",
}
PRIORITY_TAGS = {
    "urgent": "urgent",
    "срочный": "urgent",
    "срочно": "urgent",
    "критический": "urgent",
    "high": "high",
    "высокий": "high",
    "normal": "normal",
    "medium": "normal",
    "обычный": "normal",
    "нормальный": "normal",
    "средний": "normal",
    "low": "low",
    "низкий": "low",
}
TAG_RE = re.compile(r"\[\s*([^\[\]]{1,40}?)\s*\]")


@dataclass(frozen=True)
class SubjectTags:
    type: str
    priority: str
    subject: str


def subject_tags(subject: str) -> SubjectTags:
    """Read the type and priority tags and return the subject without them."""
    ticket_type = priority = ""

    def take(match: re.Match[str]) -> str:
        nonlocal ticket_type, priority
        word = " ".join(match.group(1).lower().replace("ё", "е").split())
        if not ticket_type and word in TYPE_TAGS:
            ticket_type = TYPE_TAGS[word]
            return ""
        if not priority and word in PRIORITY_TAGS:
            priority = PRIORITY_TAGS[word]
            return ""
        return match.group(0)

    rest = TAG_RE.sub(take, subject)
    return SubjectTags(ticket_type, priority, " ".join(rest.split()))
