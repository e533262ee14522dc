"""The desk's other records in the admin: reporters, columns, the review record and the import
record. Plain records are saved through ``unionnews.records`` (checked, audited, retiring the
page cache), the review and import records are read-only."""

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from taggit.models import Tag

from unionnews.actors import person_name
from unionnews.desk_admin import DeskModelAdmin

from ..models import Article, Column, ImportedPage, Reporter, Transition
from ..workflow import STEPS, DeskTester


@admin.register(Reporter)
class ReporterAdmin(DeskModelAdmin):
    list_title = "作者（记者与通讯员）"
    list_display = ["name", "title", "union", "user", "byline_count"]
    list_select_related = ["union", "user"]
    list_filter = ["title"]
    search_fields = ["name"]
    autocomplete_fields = ["union"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(byline_count=Count("bylines"))

    @admin.display(description="署名稿件数", ordering="byline_count")
    def byline_count(self, obj):
        return obj.byline_count


@admin.register(Column)
class ColumnAdmin(DeskModelAdmin):
    list_title = "栏目"
    list_display = ["name", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count


@admin.register(Transition)
class TransitionAdmin(DeskModelAdmin):
    """The review record (审稿记录) of every story: read-only, written only by the workflow
    services; a reporter reads the steps of their own stories."""

    list_title = "审稿记录"
    list_display = [
        "created_at",
        "article",
        "step_name",
        "from_status",
        "to_status",
        "by",
        "comment",
    ]
    fields = ["created_at", "article", "step_name", "from_status", "to_status", "by", "comment"]
    readonly_fields = fields
    list_select_related = ["article", "user"]
    list_filter = ["to_status"]
    search_fields = ["article__headline", "comment"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        visible = Article.objects.visible_to(request.user).order_by().values("pk")
        return super().get_queryset(request).filter(article__in=visible)

    def has_view_permission(self, request, obj=None):
        return DeskTester(request.user).can_open_desk

    @admin.display(description="操作人")
    def by(self, transition):
        return person_name(transition.user) if transition.user_id else "系统"

    @admin.display(description="步骤")
    def step_name(self, transition):
        step = STEPS.get(transition.step)
        return step.label if step else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportedPage)
class ImportedPageAdmin(DeskModelAdmin):
    """Pages that went through the importer; each links to the stories it produced."""

    list_title = "版面导入记录"
    list_display = [
        "source_file",
        "articles_link",
        "print_page",
        "encoding",
        "imported_by",
        "imported_at",
    ]
    list_select_related = ["imported_by"]
    search_fields = ["source_file"]
    date_hierarchy = "imported_at"
    readonly_fields = [
        "source_file",
        "digest",
        "encoding",
        "print_page",
        "article_count",
        "imported_by",
        "imported_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may import pages may see what was imported.
        return super().has_view_permission(request, obj) or DeskTester(request.user).can_import

    @admin.display(description="见报")
    def print_page(self, obj):
        # The page of an edition it was imported as (editions.Page.import_record), if any.
        try:
            return obj.print_page.dated_label
        except ObjectDoesNotExist:
            return "—（未归入期次）"

    @admin.display(description="稿件", ordering="article_count")
    def articles_link(self, obj):
        url = reverse("admin:articles_article_changelist")
        return format_html(
            '<a href="{}?{}">{} 篇稿件</a>',
            url,
            urlencode({"source_file": obj.source_file}),
            obj.article_count,
        )


admin.site.unregister(Tag)


@admin.register(Tag)
class TopicAdmin(DeskModelAdmin):
    """Topics (话题): taggit's tags, as the desk names them; saved through the record service."""

    list_title = "话题"
    list_display = ["name", "slug"]
    search_fields = ["name"]
    fields = ["name", "slug"]
