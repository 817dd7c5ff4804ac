from django.contrib import admin

from secondline.subscriptions.models import AccountEngineer, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ("person", "my_tickets", "my_customers", "all_new", "by_email")
    filter_horizontal = ("organizations",)


@admin.register(AccountEngineer)
class AccountEngineerAdmin(admin.ModelAdmin[AccountEngineer]):
    list_display = ("customer", "engineer")
