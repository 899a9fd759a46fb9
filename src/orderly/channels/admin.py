from django.contrib import admin

from orderly.channels.models import OutboxMessage, SalesChannel, SyncRun


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "enabled", "last_synced_at", "next_sync_at", "created_at")
    # Credentials stay encrypted and out of the admin; they are set through the channel services.
    exclude = ("credentials_encrypted",)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("channel", "kind", "status", "started_at", "finished_at", "imported", "updated", "failed")
    list_filter = ("status", "kind")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("order", "channel", "kind", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status",)
    raw_id_fields = ("order",)
