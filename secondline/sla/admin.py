from django.contrib import admin

from secondline.sla.models import CalendarException, ReactionTarget, SLAPlan, WorkingCalendar


class CalendarExceptionInline(admin.TabularInline[CalendarException, WorkingCalendar]):
    model = CalendarException
    extra = 1


@admin.register(WorkingCalendar)
class WorkingCalendarAdmin(admin.ModelAdmin[WorkingCalendar]):
    list_display = ["name", "time_zone", "country", "shortened_pre_holidays"]
    inlines = [CalendarExceptionInline]


class ReactionTargetInline(admin.TabularInline[ReactionTarget, SLAPlan]):
    model = ReactionTarget
    extra = 0


@admin.register(SLAPlan)
class SLAPlanAdmin(admin.ModelAdmin[SLAPlan]):
    list_display = [
        "name",
        "consultation_priority",
        "change_request_priority",
        "update_installation_priority",
    ]
    inlines = [ReactionTargetInline]
