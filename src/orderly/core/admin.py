from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from orderly.core.forms import AdminLoginForm
from orderly.core.models import ApiToken, LoginThrottle, TaskReclaim, TaskWorkerProcess, User, WorkerHeartbeat

# The admin's login is throttled like the web pages' one.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class OrderlyUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Orderly", {"fields": ("role",)}),)
    list_display = ("username", "email", "role", "is_active", "is_staff")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "pid", "started_at", "beat_at")
    readonly_fields = ("name", "host", "pid", "started_at", "beat_at")


@admin.register(TaskWorkerProcess)
class TaskWorkerProcessAdmin(admin.ModelAdmin):
    list_display = ("worker_id", "host", "pid", "started_at", "beat_at")
    readonly_fields = ("worker_id", "host", "pid", "started_at", "beat_at")


@admin.register(TaskReclaim)
class TaskReclaimAdmin(admin.ModelAdmin):
    list_display = ("reclaimed_at", "task_path", "task_id", "outcome", "worker_id", "reclaimed_by")
    list_filter = ("outcome",)
    readonly_fields = ("task_id", "task_path", "worker_id", "outcome", "reclaimed_by", "reclaimed_at")


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed logins being counted; deleting a row ends its lockout at once."""

    list_display = ("scope", "key", "failures", "first_failed_at", "last_failed_at")
    list_filter = ("scope",)
    search_fields = ("key",)
    readonly_fields = ("scope", "key", "failures", "first_failed_at", "last_failed_at")

    def has_add_permission(self, request):
        return False
