from django.contrib import admin

from secondline.mail.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "kind", "to_email", "status", "attempts", "ticket"]
    list_filter = ["status", "kind"]
    readonly_fields = [
        "ticket",
        "event",
        "comment",
        "recipient",
        "message_id",
        "created_at",
        "sent_at",
        "last_error",
    ]
