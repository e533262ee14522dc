"""Editions (期) in the admin: the list, each edition with its pages and their stories, and
the buttons to import a day's paper and to publish an edition."""

from django.contrib import admin
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from articles.workflow import DeskTester
from unionnews.dates import datetime_label
from unionnews.desk_admin import DeskModelAdmin

from ..models import Edition, Page
from .imports import EditionImportView
from .publish import EditionDeleteView, EditionPublishView, EditionUnscheduleView


class PageInline(admin.TabularInline):
    model = Page
    fields = ["number", "name", "editor", "source", "scan_column", "story_count", "public_link"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    view_on_site = False  # the 数字报 column links to the reader's page once it exists
    verbose_name_plural = "版面（导入整期时生成）"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="版面文件")
    def source(self, page):
        return page.import_record.source_file if page.import_record else "—"

    @admin.display(description="版面原件")
    def scan_column(self, page):
        if not page.scan:
            return "—"
        return page.scan_name or page.scan.name.rsplit("/", 1)[-1]

    @admin.display(description="稿件")
    def story_count(self, page):
        url = reverse("admin:articles_article_changelist")
        source = page.import_record.source_file if page.import_record else ""
        if not source:
            return f"{page.placements.count()} 篇"
        return format_html(
            '<a href="{}?{}">{} 篇</a>',
            url,
            urlencode({"source_file": source}),
            page.placements.count(),
        )

    @admin.display(description="数字报")
    def public_link(self, page):
        edition = page.edition
        if edition.status == Edition.Status.PUBLISHED and not edition.is_public:
            return f"定时发布：{datetime_label(edition.publish_at)}"
        if not edition.is_public:
            return "未发布"
        return format_html('<a href="{}">查看本版</a>', page.get_absolute_url())


@admin.register(Edition)
class EditionAdmin(DeskModelAdmin):
    """Editions are made by the import and published by the publish screen; nothing here is
    edited by hand, so no write bypasses ``editions.services``."""

    list_title = "报纸期次"
    list_display = ["__str__", "page_count", "status_label"]
    date_hierarchy = "paper_date"
    fields = ["paper_date", "issue_number", "status_label"]
    readonly_fields = fields
    inlines = [PageInline]
    change_form_template = "admin/editions/edition/change_form.html"
    change_list_template = "admin/editions/edition/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(page_total=Count("pages"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or DeskTester(request.user).can_import

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_view_on_site_url(self, obj=None):
        # Readers' pages exist once the edition is out; before, the link would be a 404.
        return obj.get_absolute_url() if obj is not None and obj.is_public else None

    @admin.display(description="版数", ordering="page_total")
    def page_count(self, obj):
        return f"{obj.page_total} 版"

    @admin.display(description="状态")
    def status_label(self, obj):
        if obj.status != Edition.Status.PUBLISHED:
            return obj.get_status_display()
        if obj.is_public:
            return f"已发布（{datetime_label(obj.publish_at)}）"
        return f"定时发布：{datetime_label(obj.publish_at)}"

    def get_urls(self):
        views = [
            path(
                "import/",
                self.admin_site.admin_view(EditionImportView.as_view(model_admin=self)),
                name="editions_edition_import",
            ),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(EditionPublishView.as_view(model_admin=self)),
                name="editions_edition_publish",
            ),
            path(
                "<int:pk>/unschedule/",
                self.admin_site.admin_view(EditionUnscheduleView.as_view(model_admin=self)),
                name="editions_edition_unschedule",
            ),
            path(
                "<int:pk>/remove/",
                self.admin_site.admin_view(EditionDeleteView.as_view(model_admin=self)),
                name="editions_edition_remove",
            ),
        ]
        return views + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        desk = DeskTester(request.user)
        extra = {
            "can_publish": desk.can_publish,
            "can_delete_edition": desk.can_delete_editions,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def changelist_view(self, request, extra_context=None):
        extra = {"can_import": DeskTester(request.user).can_import, **(extra_context or {})}
        return super().changelist_view(request, extra)
