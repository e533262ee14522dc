"""The audit log page (操作日志): every desk action, newest first, filterable by person, action,
kind of object and one object (a story, a union); read-only (Wagtail's audit log is the
model). Editors see it; it is written only by the services."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html

from . import audit
from .audit import ACTIONS, action_label
from .dates import datetime_label
from .logins import LockNotAllowed, login_unlock
from .models import AuditEntry, LoginLock

admin.site.site_header = "UnionNews 编辑部"
admin.site.site_title = "UnionNews 编辑部"
admin.site.index_title = "稿件、工会名录与活动"
# The index page lists every section; on a list page the room goes to the list (1280 px).
admin.site.enable_nav_sidebar = False


class ActionFilter(admin.SimpleListFilter):
    """By action, as the apps declared them (``unionnews.audit.register``)."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        used = set(AuditEntry.objects.values_list("action", flat=True).distinct())
        return [(name, label) for name, label in ACTIONS.items() if name in used]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class UserFilter(admin.SimpleListFilter):
    """By the person who acted (only people who did something are offered)."""

    title = "操作人"
    parameter_name = "user"

    def lookups(self, request, model_admin):
        rows = (
            AuditEntry.objects.exclude(user=None)
            .values_list("user_id", "user_label")
            .order_by("user_label")
            .distinct()
        )
        return [(str(pk), label) for pk, label in dict(rows).items()]

    def queryset(self, request, queryset):
        return queryset.filter(user_id=self.value()) if self.value() else queryset


class KindFilter(admin.SimpleListFilter):
    """By the kind of object (稿件, 工会, 活动, …)."""

    title = "对象类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        used = AuditEntry.objects.values_list("content_type", flat=True).distinct()
        return [
            (str(ct.pk), str(ct.model_class()._meta.verbose_name))
            for ct in ContentType.objects.filter(pk__in=used)
            if ct.model_class()
        ]

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if self.value() else queryset


class TargetFilter(admin.SimpleListFilter):
    """One object's log (``?target=<content type id>-<object id>``), as a story's or a union's
    page links to it; shown with the object's name."""

    title = "对象"
    parameter_name = "target"

    def _parts(self):
        content_type, _, object_id = (self.value() or "").partition("-")
        return (int(content_type), object_id) if content_type.isdigit() and object_id else None

    def lookups(self, request, model_admin):
        parts = self._parts()
        if parts is None:
            return []
        entry = AuditEntry.objects.filter(content_type_id=parts[0], object_id=parts[1]).first()
        return [(self.value(), entry.object_label if entry else "（无记录）")]

    def queryset(self, request, queryset):
        parts = self._parts()
        if parts is None:
            return queryset
        return queryset.filter(content_type_id=parts[0], object_id=parts[1])


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["when", "user_label", "action_name", "kind", "object_link", "summary"]
    list_filter = [TargetFilter, UserFilter, ActionFilter, KindFilter]
    search_fields = ["object_label", "user_label", "data"]
    search_help_text = "可搜索对象名称（如稿件标题、工会名称）、操作人和内容。"
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]
    list_per_page = 50
    fields = ["when", "user_label", "action_name", "kind", "object_label", "summary"]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "操作日志", **(extra_context or {})})

    def has_add_permission(self, request):
        return False

    def history_view(self, request, object_id, extra_context=None):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="时间", ordering="created_at")
    def when(self, entry):
        return datetime_label(entry.created_at)

    @admin.display(description="操作", ordering="action")
    def action_name(self, entry):
        return action_label(entry.action)

    @admin.display(description="对象类型")
    def kind(self, entry):
        model = entry.content_type.model_class()
        return model._meta.verbose_name if model else entry.content_type.model

    @admin.display(description="对象")
    def object_link(self, entry):
        return format_html(
            '<a href="?target={}-{}">{}</a>',
            entry.content_type_id,
            entry.object_id,
            entry.object_label,
        )

    @admin.display(description="内容")
    def summary(self, entry):
        return (entry.data or {}).get("summary", "")


class _DeskAuthAdmin:
    """Django's own user and group admins as the desk needs them: titled by what they list,
    and logged in the audit log (who gave whom which role), not in Django's admin log."""

    list_title = ""

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": self.list_title, **(extra_context or {})})

    def _log(self, request, obj, action: str, verb: str, message=None) -> None:
        fields = []
        for part in message or []:
            fields += (part.get("changed") or {}).get("fields", [])
        summary = f"{verb}{obj._meta.verbose_name}“{obj}”" + (
            f"：{'、'.join(fields)}" if fields else ""
        )
        audit.log(user=request.user, action=action, obj=obj, summary=summary)

    def log_addition(self, request, obj, message):
        self._log(request, obj, "record.add", "新建", message)

    def log_change(self, request, obj, message):
        self._log(request, obj, "record.change", "修改", message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._log(request, obj, "record.delete", "删除")


def _retitle(model, admin_class, title: str) -> None:
    admin.site.unregister(model)
    admin.site.register(
        model, type(admin_class.__name__, (_DeskAuthAdmin, admin_class), {"list_title": title})
    )


_retitle(User, UserAdmin, "用户")
_retitle(Group, GroupAdmin, "用户组")


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    """登录锁定: user names and addresses with failed logins (django-axes), those locked out
    first; 解除锁定 lets them log in again at once (``unionnews.logins.login_unlock``)."""

    list_display = ["who", "address", "failures", "locked", "last_try"]
    search_fields = ["username", "ip_address"]
    ordering = ["-failures_since_start", "-attempt_time"]
    actions = ["unlock"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "登录锁定", **(extra_context or {})})

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="用户名", ordering="username")
    def who(self, lock):
        return lock.username or "（未填用户名）"

    @admin.display(description="IP 地址", ordering="ip_address")
    def address(self, lock):
        return lock.ip_address or "—"

    @admin.display(description="失败次数", ordering="failures_since_start")
    def failures(self, lock):
        return lock.failures_since_start

    @admin.display(description="已锁定", boolean=True)
    def locked(self, lock):
        """This name and address alone reached the per-name limit (an address is also
        locked by its failures over all names, ``unionnews.logins.failure_limit``)."""
        return lock.failures_since_start >= settings.UNIONNEWS_LOGIN_FAILURE_LIMIT

    @admin.display(description="最近一次尝试", ordering="attempt_time")
    def last_try(self, lock):
        return datetime_label(lock.attempt_time)

    @admin.action(description="解除所选的登录锁定", permissions=["delete"])
    def unlock(self, request, queryset):
        try:
            count = login_unlock(user=request.user, locks=queryset)
        except LockNotAllowed as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request, f"已解除 {count} 项登录锁定，对方现在可以重新登录。", messages.SUCCESS
        )
