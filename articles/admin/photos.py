"""Every photo on the desk (图片), with its own credits (摄影署名), unions and events: the event
pages' galleries come from these links. Photos are uploaded on their story's page or here; all
writes go through the photo services, so the rules are the same on both pages (reporters:
photos of their own stories while draft or returned; the 12-photo limit; files removed from
storage with the photo)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from unionnews.desk_admin import DeskModelAdmin

from ..models import Article, Photo, PhotoCredit
from ..services import NotAllowed, photo_add, photo_delete, photo_replace, photo_update
from ..services.changes import story_change
from ..workflow import DeskTester, tester_for
from .forms import PhotoAdminForm
from .inlines import PhotoCreditInline


class PhotoDeskForm(PhotoAdminForm):
    class Meta(PhotoAdminForm.Meta):
        fields = ["article", *PhotoAdminForm.Meta.fields, "unions", "events"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "article" in self.fields:
            self.fields["article"].required = True


@admin.register(Photo)
class PhotoAdmin(DeskModelAdmin):
    form = PhotoDeskForm
    list_title = "图片"
    list_display = ["__str__", "article", "width", "height", "taken_on", "created_at"]
    list_select_related = ["article"]
    search_fields = ["caption", "alt_text", "article__headline"]
    autocomplete_fields = ["unions", "events"]
    raw_id_fields = ["article"]
    fields = [
        "article",
        "image",
        "alt_text",
        "caption",
        "taken_on",
        "is_lead",
        "order",
        "unions",
        "events",
    ]
    inlines = [PhotoCreditInline]

    def get_queryset(self, request):
        stories = Article.objects.visible_to(request.user).order_by().values("pk")
        shown = Q(article__in=stories)
        if DeskTester(request.user).can_manage_loose_photos:
            shown |= Q(article__isnull=True)
        return super().get_queryset(request).filter(shown)

    def get_readonly_fields(self, request, obj=None):
        # A photo stays with its story; it is moved by deleting and uploading again.
        return ["article"] if obj is not None else []

    def _story_tester(self, request, obj):
        return tester_for(request.user, obj.article) if obj.article_id else None

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return DeskTester(request.user).can_open_desk
        tester = self._story_tester(request, obj)
        return tester.can_view() if tester else DeskTester(request.user).can_manage_loose_photos

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return DeskTester(request.user).can_open_desk and super().has_change_permission(request)
        tester = self._story_tester(request, obj)
        return tester.can_edit() if tester else DeskTester(request.user).can_manage_loose_photos

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":  # photos go on stories the user may change
            kwargs["queryset"] = Article.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def construct_change_message(self, request, form, formsets, add=False):
        return ""

    def save_related(self, request, form, formsets, change):
        credits = None
        for formset in formsets:
            if formset.model is PhotoCredit:
                rows = [
                    f.cleaned_data
                    for f in formset.forms
                    if getattr(f, "cleaned_data", None)
                    and f.cleaned_data.get("reporter")
                    and not f.cleaned_data.get("DELETE")
                ]
                rows.sort(key=lambda row: row.get("order") or 0)
                credits = [(row["reporter"], row["title"]) for row in rows]
        data = form.cleaned_data
        try:
            if not change:
                photo = photo_add(
                    article=data["article"],
                    upload=form.checked_upload,
                    user=request.user,
                    alt_text=data.get("alt_text", ""),
                    caption=data.get("caption", ""),
                    is_lead=bool(data.get("is_lead")),
                    taken_on=data.get("taken_on"),
                    credits=credits or (),
                )
                photo_update(
                    photo=photo, user=request.user, unions=data["unions"], events=data["events"]
                )
                form.instance.pk = photo.pk
                form.instance.refresh_from_db()
                return
            photo = form.instance
            with story_change(photo.article, user=request.user, check=lambda t: t.edit_refusal()):
                if "image" in form.changed_data and form.checked_upload is not None:
                    photo_replace(photo=photo, upload=form.checked_upload, user=request.user)
                photo_update(
                    photo=photo,
                    user=request.user,
                    unions=data["unions"],
                    events=data["events"],
                    credits=credits,
                    **form.description_changes(),
                )
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_object(self, request, obj):
        try:
            photo_delete(photo=obj, user=request.user)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
