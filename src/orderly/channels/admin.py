from django.contrib import admin

from orderly.channels.models import SalesChannel


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "enabled", "created_at")
