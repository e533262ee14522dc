"""The desk's admin for stories (稿件): the list, the story form, and the desk's own screens.

Who sees and changes what is the tester's (``articles/workflow.py``): editors every story;
reporters and correspondents their own, which they change while it is a draft or returned to
them; otherwise the form is read-only. Nothing is written here: a save hands the form's
values, credits, photos, notes and corrections to the services in one change of the story
(``services.story_change``), and the workflow buttons, bulk actions and screens call the
services too. A save from an older copy never overwrites: the edit service refuses it with
what each side changed, and the editor resolves it on the conflict page.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Count, Prefetch
from django.urls import path, reverse

from unionnews.desk_admin import DeskModelAdmin

from ..models import Article, Byline
from ..workflow import DeskTester, tester_for
from . import filters
from .forms import ArticleAdminForm
from .inlines import (
    BylineInline,
    CorrectionInline,
    EditorialNoteInline,
    PhotoInline,
    TransitionInline,
)
from .listing import StoryColumns
from .panel import StoryPanel
from .saving import StorySaving
from .views.editing import AutosaveView, ConflictView
from .views.imports import ImportView
from .views.recover import RecoverListView, RecoverView
from .views.revisions import CompareView, HistoryView, RestoreView
from .views.workflow import NoteView, ScheduleView, StepView, bulk_step

Status = Article.Status


@admin.register(Article)
class ArticleAdmin(StoryPanel, StorySaving, StoryColumns, DeskModelAdmin):
    form = ArticleAdminForm
    list_title = "稿件"
    change_list_template = "admin/articles/article/change_list.html"
    list_display = [
        "title_block",
        "status_column",
        "kind",
        "column_short",
        "credits_column",
        "unions_column",
        "photo_column",
        "published_on",
        "updated_on",
    ]
    list_select_related = ["column"]
    list_filter = [
        filters.QueueFilter,
        "status",
        "kind",
        "column",
        ("unions", filters.UnionFilter),
        filters.SourcePageFilter,
        filters.PhotoMissingFilter,
        ("tags", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "headline",
        "kicker",
        "subtitle",
        "body",
        "bylines__reporter__name",
        "unions__name",
        "unions__short_name",
        "unions__aliases__name",
    ]
    search_help_text = "可搜索标题（引题、主题、副题）、正文、作者姓名和工会名称（含简称、别名）。"
    date_hierarchy = "publish_at"
    autocomplete_fields = ["unions", "events"]
    readonly_fields = [
        "status",
        "publish_at",
        "print_preview",
        "source_file",
        "source_position",
        "print_page",
    ]
    fieldsets = [
        ("标题", {"fields": ["kicker", "headline", "subtitle"]}),
        ("正文", {"fields": ["kind", "dateline", "body"]}),
        ("归类", {"fields": ["column", "section", "unions", "events", "tags"]}),
        (
            "发布",
            {
                "fields": ["status", "publish_at", "featured", "photo_waived"],
                "description": (
                    "状态和发布时间只能通过审稿流程改变（本页上方的流程按钮或列表页的批量操作）。"
                ),
            },
        ),
        ("版面预览", {"fields": ["print_preview"]}),
        ("见报与版面来源", {"fields": ["print_page", "source_file", "source_position"]}),
    ]
    inlines = [BylineInline, PhotoInline, EditorialNoteInline, CorrectionInline, TransitionInline]
    actions = [
        "submit_articles",
        "approve_articles",
        "signoff_articles",
        "publish_now",
        "withdraw_articles",
    ]

    class Media:
        css = {"all": ["css/admin.css"]}

    # -- who sees and changes what: the tester ---------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .prefetch_related(
                Prefetch(
                    "bylines",
                    queryset=Byline.objects.select_related("reporter").order_by("order", "pk"),
                ),
                "unions",
            )
            .annotate(
                photo_missing=models.Exists(
                    Article.objects.photo_missing().filter(pk=models.OuterRef("pk"))
                ),
                photo_count=Count("photos", distinct=True),
            )
        )

    def has_module_permission(self, request):
        return DeskTester(request.user).can_open_desk

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return DeskTester(request.user).can_open_desk
        return tester_for(request.user, obj).can_view()

    def has_add_permission(self, request):
        return DeskTester(request.user).can_file

    def has_change_permission(self, request, obj=None):
        if obj is None or obj.pk is None:
            return DeskTester(request.user).can_file
        return tester_for(request.user, obj).can_edit()

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return DeskTester(request.user).can_delete_stories
        return tester_for(request.user, obj).can_delete()

    def has_approve_permission(self, request):
        return DeskTester(request.user).is_editor

    def has_publish_permission(self, request):
        return DeskTester(request.user).can_publish

    def has_signoff_permission(self, request):
        return DeskTester(request.user).can_sign_off

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, dict(options)) for name, options in super().get_fieldsets(request, obj)]
        if not DeskTester(request.user).can_set_desk_flags:
            # Whether and when a story runs, and on the home page, is the desk's call.
            fieldsets = [(name, opts) for name, opts in fieldsets if name != "发布"]
        if obj is not None and self.has_change_permission(request, obj):
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], "loaded_version"]})
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not DeskTester(request.user).can_set_desk_flags:
            readonly += ["featured", "photo_waived"]
        return readonly

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if not DeskTester(request.user).can_publish:
            shown.remove("published_on")
        return shown

    def get_view_on_site_url(self, obj=None):
        if obj is None or obj.pk is None:
            return None
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("articles:story_preview", args=[obj.pk])

    # -- the desk's screens ---------------------------------------------------------------------

    def get_urls(self):
        def view(cls):
            return self.admin_site.admin_view(cls.as_view(model_admin=self))

        return [
            path("import/", view(ImportView), name="articles_article_import"),
            path("schedule/", view(ScheduleView), name="articles_article_schedule"),
            path("recover/", view(RecoverListView), name="articles_article_recoverlist"),
            path("recover/<int:version>/", view(RecoverView), name="articles_article_recover"),
            path("autosave/", view(AutosaveView), name="articles_article_autosave_new"),
            path(
                "<path:object_id>/autosave/", view(AutosaveView), name="articles_article_autosave"
            ),
            path(
                "<path:object_id>/workflow/<slug:step>/",
                view(StepView),
                name="articles_article_transition",
            ),
            path("<path:object_id>/note/", view(NoteView), name="articles_article_note"),
            path("<path:object_id>/compare/", view(CompareView), name="articles_article_compare"),
            path(
                "<path:object_id>/conflict/", view(ConflictView), name="articles_article_conflict"
            ),
            path("<path:object_id>/history/", view(HistoryView), name="articles_article_history"),
            path(
                "<path:object_id>/history/<int:version>/",
                view(RestoreView),
                name="articles_article_revision",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        desk = DeskTester(request.user)
        context = {
            "can_publish": desk.can_publish,
            "can_import": desk.can_import,
            "can_recover": desk.can_delete_stories,
        }
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = {}
        if obj is not None and self.has_view_permission(request, obj):
            context = self.story_panel(request, obj)
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def history_view(self, request, object_id, extra_context=None):
        return HistoryView.as_view(model_admin=self)(request, object_id=object_id)

    # -- bulk workflow steps (each with a confirmation page) ----------------------------------

    @admin.action(description="提交所选稿件审核", permissions=["change"])
    def submit_articles(self, request, queryset):
        return bulk_step(self, request, queryset, "submit")

    @admin.action(description="通过所选稿件", permissions=["approve"])
    def approve_articles(self, request, queryset):
        return bulk_step(self, request, queryset, "approve")

    @admin.action(description="签发所选稿件", permissions=["signoff"])
    def signoff_articles(self, request, queryset):
        return bulk_step(self, request, queryset, "signoff")

    @admin.action(description="立即发布所选稿件", permissions=["publish"])
    def publish_now(self, request, queryset):
        return bulk_step(self, request, queryset, "publish")

    @admin.action(description="撤回所选已发布稿件", permissions=["publish"])
    def withdraw_articles(self, request, queryset):
        return bulk_step(self, request, queryset, "withdraw")
