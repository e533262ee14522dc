"""The desk's admin for stories, credits, columns and print-page imports.

State changes never happen here: the status and publish time are read-only in the form, and
the actions call the workflow services in ``articles/services.py``, which check the role and
the story's state and write the history row (审稿记录).
"""

from django.contrib import admin, messages
from django.db.models import Count, Prefetch
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator

from . import credits as credit_rules
from .admin_views import import_pages_view
from .models import Article, Byline, Column, ImportedPage, Reporter, Transition
from .services import (
    TransitionNotAllowed,
    article_approve,
    article_publish,
    article_withdraw,
)

# The desk's name on every admin page, instead of Django's default header.
admin.site.site_header = "UnionNews 编辑部"
admin.site.site_title = "UnionNews 编辑部"
admin.site.index_title = "稿件、工会名录与活动"


def credits_summary(credits) -> str:
    """A compact credit line for lists: ``记者 马超；摄 于佳``.

    Text credits are grouped under their printed titles as in the lead-in (记者 彭程 通讯员 顾爽);
    photographers follow after 摄, by name only.
    """
    text = [c for c in credits if c.contribution == credit_rules.TEXT]
    photo = [c for c in credits if c.contribution == credit_rules.PHOTO]
    parts = []
    if text:
        parts.append(credit_rules.group_by_title(text, staff_prefix=False))
    if photo:
        parts.append(" ".join(["摄", *(c.name for c in photo)]))
    return "；".join(parts)


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


class BylineInline(admin.TabularInline):
    model = Byline
    fields = ["reporter", "title", "contribution", "order"]
    autocomplete_fields = ["reporter"]
    ordering = ["order", "pk"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")


class TransitionInline(admin.TabularInline):
    """The story's way through the desk, oldest first; written only by the services."""

    model = Transition
    verbose_name_plural = "审稿记录"
    fields = ["created_at", "user", "from_status", "to_status", "comment"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # A reporter whose story came back must read the editor's comment; anyone who may
        # open the story may read its history.
        return request.user.has_perm("articles.view_transition") or request.user.has_perm(
            "articles.view_article"
        )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title_block",
        "status",
        "kind",
        "column_short",
        "credits_column",
        "unions_column",
        "publish_at",
        "updated_at",
    ]
    list_select_related = ["column"]

    class Media:
        css = {"all": ["css/admin.css"]}

    list_filter = [
        "status",
        "kind",
        "column",
        ("unions", admin.RelatedOnlyFieldListFilter),
        SourcePageFilter,
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
        "paper_date",
        "page",
    ]
    fieldsets = [
        ("标题", {"fields": ["kicker", "headline", "subtitle"]}),
        ("正文", {"fields": ["kind", "dateline", "body"]}),
        ("归类", {"fields": ["column", "section", "unions", "events", "tags"]}),
        (
            "发布",
            {
                "fields": ["status", "publish_at", "featured"],
                "description": (
                    "状态和发布时间只能通过审稿流程改变（列表页的“通过”“立即发布”“撤回”操作）。"
                ),
            },
        ),
        ("版面预览", {"fields": ["print_preview"]}),
        (
            "版面来源",
            {
                "fields": ["source_file", "source_position", "paper_date", "page"],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [BylineInline, TransitionInline]
    actions = ["approve_articles", "publish_now", "withdraw_articles"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "bylines",
                    queryset=Byline.objects.select_related("reporter").order_by("order", "pk"),
                ),
                "unions",
            )
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Putting a story on the home page is the desk's call, like publishing it.
        if not request.user.has_perm("articles.publish_article"):
            readonly.append("featured")
        return readonly

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return import_pages_view(request, model_admin=self)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    # -- columns -------------------------------------------------------------------------------

    @admin.display(description="标题", ordering="headline")
    def title_block(self, obj):
        return format_html(
            "{}<strong>{}</strong>{}",
            format_html('<span class="quiet">{}</span><br>', obj.kicker) if obj.kicker else "",
            obj.headline,
            format_html('<br><span class="quiet">——{}</span>', obj.subtitle)
            if obj.subtitle
            else "",
        )

    @admin.display(description="栏目", ordering="column__name")
    def column_short(self, obj):
        # Column banners run to 30 characters; the full name is on hover.
        if obj.column is None:
            return "-"
        return format_html(
            '<span title="{}">{}</span>', obj.column.name, Truncator(obj.column.name).chars(12)
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("kicker", "headline", "subtitle") and field is not None:
            field.widget.attrs["class"] = "vLargeTextField"  # title lines run to 40 characters
            field.widget.attrs["style"] = "width: 40em; max-width: 100%"
        return field

    @admin.display(description="署名")
    def credits_column(self, obj):
        return credits_summary(obj.credits())

    @admin.display(description="相关工会")
    def unions_column(self, obj):
        return "、".join(union.display_name for union in obj.unions.all())

    @admin.display(description="版面预览")
    def print_preview(self, obj):
        """The story as the paper prints it: title block, byline, lead-in, body, photo credit."""
        if obj is None or obj.pk is None:
            return "保存后在此显示。"
        paragraphs = obj.paragraphs
        lead_in = obj.lead_in()
        if paragraphs and lead_in:
            paragraphs[0] = lead_in + paragraphs[0]
        elif lead_in:
            paragraphs = [lead_in]
        byline = obj.standalone_byline()
        photo = obj.photo_credit()
        return format_html(
            '<div class="unionnews-print-preview">{}<h3>{}</h3>{}{}{}{}</div>',
            format_html('<p class="quiet">{}</p>', obj.kicker) if obj.kicker else "",
            obj.headline,
            format_html("<p>——{}</p>", obj.subtitle) if obj.subtitle else "",
            format_html("<p>{}</p>", byline) if byline else "",
            format_html_join("", "<p>{}</p>", ((p,) for p in paragraphs)),
            format_html("<p><em>{}</em></p>", photo) if photo else "",
        )

    # -- workflow actions ------------------------------------------------------------------------

    def has_approve_permission(self, request):
        return request.user.has_perm("articles.approve_article")

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def _apply(self, request, queryset, service, verb):
        done = 0
        for article in queryset:
            try:
                service(article=article, user=request.user)
            except TransitionNotAllowed as exc:
                self.message_user(
                    request, f"“{article.headline}”未能{verb}：{exc}", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(request, f"已{verb} {done} 篇稿件。", messages.SUCCESS)

    @admin.action(description="通过所选稿件", permissions=["approve"])
    def approve_articles(self, request, queryset):
        self._apply(request, queryset, article_approve, "通过")

    @admin.action(description="立即发布所选稿件（须已通过）", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._apply(request, queryset, article_publish, "发布")

    @admin.action(description="撤回所选已发布稿件", permissions=["publish"])
    def withdraw_articles(self, request, queryset):
        self._apply(request, queryset, article_withdraw, "撤回")


@admin.register(Reporter)
class ReporterAdmin(admin.ModelAdmin):
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
class ColumnAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description="稿件数", ordering="article_count")
    def article_count(self, obj):
        return obj.article_count


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    """The desk's audit trail: read-only, written only by the workflow services."""

    list_display = ["created_at", "article", "from_status", "to_status", "user", "comment"]
    list_select_related = ["article", "user"]
    list_filter = ["to_status"]
    search_fields = ["article__headline", "comment"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportedPage)
class ImportedPageAdmin(admin.ModelAdmin):
    """Pages that went through the importer; each links to the stories it produced."""

    list_display = [
        "source_file",
        "articles_link",
        "paper_date",
        "page",
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
        "paper_date",
        "page",
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
        return super().has_view_permission(request, obj) or request.user.has_perm(
            "articles.import_pages"
        )

    @admin.display(description="稿件", ordering="article_count")
    def articles_link(self, obj):
        url = reverse("admin:articles_article_changelist")
        return format_html(
            '<a href="{}?{}">{} 篇稿件</a>',
            url,
            urlencode({"source_file": obj.source_file}),
            obj.article_count,
        )
