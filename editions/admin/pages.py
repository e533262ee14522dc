"""A page of an edition in the admin (版面): its name and page editor, a new scan (PDF or
picture), and each story's order and area on the page image (热区), which an editor may draw
or correct when the PDF's text did not show where a story is. Saved through
``editions.services`` (``page_save``, ``page_attach_scan``)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from articles.services import NotAllowed
from articles.workflow import DeskTester
from unionnews.desk_admin import DeskModelAdmin

from ..models import Page, Placement
from ..scans import MAX_SCAN_BYTES, ScanRejected, read_scan
from ..services import page_attach_scan, page_save
from ..views import image_response


class PlacementInline(admin.TabularInline):
    model = Placement
    fields = ["story", "position", "area_left", "area_top", "area_width", "area_height"]
    readonly_fields = ["story"]
    extra = 0
    can_delete = False
    verbose_name_plural = "本版稿件与热区（占版面宽、高的比例，0 到 1，从左上角量起）"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The page's screen is the importers' (PageAdmin); its areas are part of it.
        return DeskTester(request.user).can_import

    @admin.display(description="稿件")
    def story(self, placement):
        return placement.article.headline


class PageForm(forms.ModelForm):
    new_scan = forms.FileField(
        label="更换版面原件",
        required=False,
        help_text="上传新的版面 PDF 或图片：版面图随之更新，PDF 中找得到的稿件热区会重新定位。",
    )

    class Meta:
        model = Page
        fields = ["name", "editor"]

    def clean_new_scan(self):
        upload = self.cleaned_data.get("new_scan")
        if upload is None:
            return None
        if upload.size > MAX_SCAN_BYTES:
            raise ValidationError(f"版面原件不能超过 {MAX_SCAN_BYTES // 1024 // 1024} MB。")
        data = upload.read()
        try:
            read_scan(data, name=upload.name, stories=[])
        except ScanRejected as exc:
            raise ValidationError(str(exc)) from exc
        return (upload.name, data)


@admin.register(Page)
class PageAdmin(DeskModelAdmin):
    form = PageForm
    list_display = ["__str__", "scan_state"]
    list_select_related = ["edition"]
    readonly_fields = ["edition", "number", "scan_state", "page_map"]
    fields = ["edition", "number", "name", "editor", "scan_state", "page_map", "new_scan"]
    inlines = [PlacementInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return DeskTester(request.user).can_import

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.has_change_permission(request)

    def has_module_permission(self, request):
        return False  # reached from its edition

    def get_view_on_site_url(self, obj=None):
        # As for its edition: no link to a page readers cannot open yet.
        return obj.get_absolute_url() if obj is not None and obj.edition.is_public else None

    @admin.display(description="版面原件")
    def scan_state(self, page):
        if not page.image:
            return "未上传（数字报上只列出本版稿件）"
        return format_html(
            "{}（版面图 {} × {} 像素）",
            page.scan_name or page.scan.name.rsplit("/", 1)[-1],
            page.image_width,
            page.image_height,
        )

    @admin.display(description="版面图与热区")
    def page_map(self, page):
        """The page image with each story's area drawn and numbered by its layout order, so
        that the editor sees what the fractions below mean (as saved)."""
        if not page.image:
            return "—"
        width, height = page.image_width, page.image_height
        areas = [
            (
                round(p.area_left * width),
                round(p.area_top * height),
                round(p.area_width * width),
                round(p.area_height * height),
                p.position,
                p.article.headline,
            )
            for p in page.placements.select_related("article")
            if p.has_area
        ]
        size = max(width, height) // 40
        marks = format_html_join(
            "",
            '<g><title>{5}</title><rect x="{0}" y="{1}" width="{2}" height="{3}" '
            'fill="#1565c0" fill-opacity="0.12" stroke="#1565c0" stroke-width="4"></rect>'
            '<text x="{0}" y="{1}" dx="8" dy="{6}" font-size="{6}" fill="#b71c1c">{4}</text></g>',
            ((*area, size) for area in areas),
        )
        return format_html(
            '<svg class="page-map" viewBox="0 0 {0} {1}" width="480" role="img" '
            'aria-label="{2}版面图，{3} 篇稿件标出了热区">'
            '<image href="{4}" x="0" y="0" width="{0}" height="{1}"></image>{5}</svg>'
            '<p class="help">框中数字是下表的“版内顺序”；改动比例保存后，框随之移动。</p>',
            width,
            height,
            page.label,
            len(areas),
            reverse("admin:editions_page_image", args=[page.pk]),
            marks,
        )

    def get_urls(self):
        image = self.admin_site.admin_view(self.image_view)
        return [path("<int:pk>/image/", image, name="editions_page_image"), *super().get_urls()]

    def image_view(self, request, pk: int):
        """The page image for the desk, whatever the edition's state (readers get it only
        once every story on the page is public: ``editions.views.page_image``)."""
        page = get_object_or_404(Page, pk=pk)
        if not self.has_view_permission(request, page):
            raise Http404("这一版没有版面图。")
        return image_response(page, cache_control="private, no-store")

    def save_related(self, request, form, formsets, change):
        request._new_scan = form.cleaned_data.get("new_scan")
        super().save_related(request, form, formsets, change)

    def save_object(self, request, obj, save, fields):
        try:
            page_save(user=request.user, page=obj, save=save)
            if upload := getattr(request, "_new_scan", None):
                page_attach_scan(user=request.user, page=obj, name=upload[0], data=upload[1])
        except (NotAllowed, ScanRejected) as exc:
            raise PermissionDenied(str(exc)) from exc
