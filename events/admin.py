"""Events in the admin: competitions, welfare drives and the rest, with their coverage."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count

from unionnews.desk_admin import DeskModelAdmin

from .models import Event
from .services import EventNotAllowed, event_delete, event_save, events_mark_reviewed


@admin.register(Event)
class EventAdmin(DeskModelAdmin):
    """Events and the importer's proposals; every write goes through ``events.services``."""

    list_title = "活动"
    list_display = [
        "name",
        "kind",
        "edition_year",
        "starts_on",
        "place",
        "organizer_names",
        "reviewed",
        "article_count",
    ]
    list_filter = ["kind", "reviewed", "edition_year"]
    search_fields = ["name"]
    search_help_text = "按活动名称搜索。"
    autocomplete_fields = ["organizers"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "edition_year", "organizers", "reviewed"]}),
        ("编辑部备注", {"fields": ["desk_note"]}),
        ("时间地点", {"fields": ["starts_on", "ends_on", "place"]}),
        ("内容", {"fields": ["description", "contestants", "trades", "titles_awarded"]}),
    ]
    actions = ["mark_reviewed"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles", distinct=True))
            .prefetch_related("organizers")
        )

    def save_object(self, request, obj, save, fields):
        try:
            event_save(user=request.user, event=obj, save_related=save)
        except EventNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_object(self, request, obj):
        try:
            event_delete(user=request.user, event=obj)
        except EventNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def changelist_view(self, request, extra_context=None):
        pending = Event.objects.proposed().count()
        extra_context = {
            "proposed_count": pending,
            "subtitle": f"待审核 {pending} 个（导入程序新提议的活动）" if pending else None,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description="主办工会")
    def organizer_names(self, obj):
        return "、".join(union.display_name for union in obj.organizers.all())

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count

    @admin.action(description="标记为已审核", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = events_mark_reviewed(user=request.user, events=queryset)
        self.message_user(request, f"已将 {count} 个活动标记为已审核。", messages.SUCCESS)
