"""How the story list and the story's print preview look on the desk (columns of the list,
the title lines' width, the story as the paper prints it)."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from unionnews.dates import datetime_label, short_datetime_label

from ..content import credits_summary
from ..models import Article


class StoryColumns:
    """The story list's columns and the change form's print preview, for ``ArticleAdmin``."""

    @admin.display(description="状态", ordering="status")
    def status_column(self, obj):
        """The workflow state; a published story whose time has not come says so, with the
        time, rather than 已发布 (readers do not see it yet)."""
        if obj.status == Article.Status.PUBLISHED and not obj.is_public:
            return f"定时发布（{datetime_label(obj.publish_at)}）"
        return obj.get_status_display()

    @admin.display(description="发布时间", ordering="publish_at")
    def published_on(self, obj):
        return short_datetime_label(obj.publish_at) or "-"

    @admin.display(description="修改时间", ordering="updated_at")
    def updated_on(self, obj):
        return short_datetime_label(obj.updated_at)

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
            '<span title="{}">{}</span>', obj.column.name, Truncator(obj.column.name).chars(8)
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("kicker", "headline", "subtitle") and field is not None:
            # Title lines run to 40 characters (width in admin.css: no inline style under CSP).
            field.widget.attrs["class"] = "vLargeTextField unionnews-title-input"
        return field

    @admin.display(description="署名")
    def credits_column(self, obj):
        return credits_summary(obj.credits())

    @admin.display(description="相关工会")
    def unions_column(self, obj):
        return "、".join(union.display_name for union in obj.unions.all())

    @admin.display(description="配图", ordering="photo_count")
    def photo_column(self, obj):
        """待配图 for a story that must not go out without its photo, else how many photos."""
        if obj.photo_missing:
            return mark_safe('<strong class="photo-missing">待配图</strong>')
        return f"{obj.photo_count} 张" if obj.photo_count else "—"

    @admin.display(description="见报")
    def print_page(self, obj):
        """The edition, page and layout place the story ran in (editions.Placement)."""
        placement = obj.print_placement if obj else None
        if placement is None:
            return "—（未归入数字报的期次和版面）"
        return f"{placement.page.dated_label}，版内第 {placement.position} 篇"

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
