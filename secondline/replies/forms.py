"""The desk's forms to keep one's canned replies and macros (the team's: managers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from secondline.accounts.models import User
from secondline.replies.models import CannedReply, Macro


class TeamWide(forms.ModelForm):
    team = forms.BooleanField(label=_("For the whole team"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.is_manager:
            del self.fields["team"]
        else:
            self.fields["team"].initial = self.instance.pk and self.instance.owner_id is None

    def save(self, commit: bool = True) -> Any:
        item = super().save(commit=False)
        item.owner = None if self.cleaned_data.get("team") else self.user
        if commit:
            item.save()
        return item


class CannedReplyForm(TeamWide):
    class Meta:
        model = CannedReply
        fields = ["title", "language", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}


class MacroForm(TeamWide):
    class Meta:
        model = Macro
        fields = [
            "title",
            "language",
            "reply",
            "reply_public",
            "status",
            "priority",
            "priority_reason",
            "assign",
            "assignee",
        ]
        widgets = {"reply": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role__in=User.CONTRACTOR_ROLES, is_active=True
        )
