from django.contrib import admin

from secondline.replies.models import CannedReply, Macro


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "owner", "updated_at")
    list_filter = ("language",)
    search_fields = ("title", "body")


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "priority", "assign", "owner", "updated_at")
    list_filter = ("status", "priority")
    search_fields = ("title", "reply")
