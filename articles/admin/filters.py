"""The story list's filters: the desk's queues, the printed page a story came from, the
photo it waits for, and unions in the federation's order."""

from django.contrib import admin

from organizations.models import Union

from ..models import Article, ImportedPage
from ..workflow import queues_for, todo_for


class SourcePageFilter(admin.SimpleListFilter):
    """Stories by the printed page they were imported from (the newest imports first)."""

    title = "版面来源"
    parameter_name = "source_file"
    #: Only the latest imports are offered as links; an older page is reached from its
    #: import record (版面导入记录), which links here with ``?source_file=``.
    recent = 30
    NONE = "-"

    def lookups(self, request, model_admin):
        pages = ImportedPage.objects.order_by("-imported_at").values_list("source_file", flat=True)[
            : self.recent
        ]
        return [(self.NONE, "非版面导入（手工录入）"), *((name, name) for name in pages)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.NONE:
            return queryset.filter(source_file="")
        if value:
            return queryset.filter(source_file=value)
        return queryset


class QueueFilter(admin.SimpleListFilter):
    """The desk's queues (``workflow.queues_for``): what waits for me (待我处理), for review,
    for sign-off, on the schedule, and what came back to me. The admin index box (编辑部待办)
    links here."""

    title = "编辑部待办"
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        return [("todo", "待我处理"), *((q.key, q.label) for q in queues_for(request.user))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "todo":
            return queryset.filter(todo_for(request.user))
        for queue in queues_for(request.user):
            if queue.key == value:
                return queryset.filter(queue.condition)
        return queryset


class PhotoMissingFilter(admin.SimpleListFilter):
    """Stories waiting for a photo (待配图): ``Article.objects.photo_missing()``."""

    title = "配图"
    parameter_name = "photo"

    def lookups(self, request, model_admin):
        return [("missing", "待配图")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(pk__in=Article.objects.photo_missing().values("pk"))
        return queryset


class UnionFilter(admin.RelatedOnlyFieldListFilter):
    """The unions the listed stories name, in the federation's order (kind, then pinyin),
    not by code point."""

    def field_choices(self, field, request, model_admin):
        used = model_admin.get_queryset(request).values_list("unions", flat=True).distinct()
        return [(u.pk, str(u)) for u in Union.objects.filter(pk__in=used).in_directory_order()]
