from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from orderly.core.models import ApiToken, User, WorkerHeartbeat


@admin.register(User)
class OrderlyUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Orderly", {"fields": ("role",)}),)
    list_display = ("username", "email", "role", "is_active", "is_staff")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "pid", "started_at", "beat_at")
    readonly_fields = ("name", "host", "pid", "started_at", "beat_at")
