"""The rows on a story's admin page: credits, photos, internal notes, corrections and the
review record. Who may add, change or delete each is the tester's answer
(``articles/workflow.py``); the rows are written by ``ArticleAdmin`` through the services,
never by the formsets themselves."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from unionnews.actors import person_name
from unionnews.dates import datetime_label

from ..models import Byline, Correction, EditorialNote, Photo, PhotoCredit, Transition
from ..services import MAX_PHOTOS_PER_STORY
from ..workflow import tester_for
from .forms import CreditFormSet, PhotoAdminForm, PhotoInlineFormSet


class StoryRowsInline:
    """Rows that belong to the story's content (credits, photos): changed by whoever may
    edit the story now, and only then (a reporter, while it is a draft or returned)."""

    def _editable(self, request, obj) -> bool:
        return obj is None or tester_for(request.user, obj).can_edit()

    def has_view_permission(self, request, obj=None):
        return obj is None or tester_for(request.user, obj).can_view()

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj)


class BylineInline(StoryRowsInline, admin.TabularInline):
    model = Byline
    formset = CreditFormSet
    fields = ["reporter", "title", "contribution", "order"]
    autocomplete_fields = ["reporter"]
    ordering = ["order", "pk"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter", "reporter__union")


class PhotoInline(StoryRowsInline, admin.StackedInline):
    """The story's photos, uploaded on the story's own page. Each upload is checked by
    content before anything is stored; the photo services store it and make its
    renditions."""

    model = Photo
    form = PhotoAdminForm
    formset = PhotoInlineFormSet
    fk_name = "article"
    extra = 0
    max_num = MAX_PHOTOS_PER_STORY
    ordering = ["order", "pk"]
    readonly_fields = ["preview"]
    fields = ["image", "preview", "alt_text", "caption", "taken_on", "is_lead", "order"]

    @admin.display(description="预览")
    def preview(self, obj):
        if not obj or not obj.pk or not obj.image:
            return "—"
        return format_html(
            '<img src="{}" alt="" class="photo-preview" width="160"> {}×{}',
            obj.image.url,
            obj.width,
            obj.height,
        )


class TransitionInline(admin.TabularInline):
    """The story's way through the desk, oldest first; written only by the services. Whoever
    may open the story reads it: a reporter whose story came back must read the comment."""

    model = Transition
    verbose_name_plural = "审稿记录"
    fields = ["created_at", "by", "from_status", "to_status", "comment"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description="操作人")
    def by(self, transition):
        return person_name(transition.user) if transition.user_id else "系统"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return obj is None or tester_for(request.user, obj).can_view()


class EditorialNoteInline(admin.TabularInline):
    """Internal notes (内部备注): the desk's own conversation about a story, never public.

    Existing notes are read-only; a new one is written by ``article_add_note`` with the
    user as author. Only editors delete notes. On a story whose form is read-only for the
    user, the change form offers a separate note box instead.
    """

    model = EditorialNote
    fields = ["written_at", "written_by", "text"]
    readonly_fields = ["written_at", "written_by"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}
    ordering = ["created_at", "pk"]
    extra = 1  # an empty box to write in; left empty, it adds nothing

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_view_permission(self, request, obj=None):
        return obj is None or tester_for(request.user, obj).can_view()

    def has_add_permission(self, request, obj=None):
        return obj is not None and tester_for(request.user, obj).can_add_note()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return obj is not None and tester_for(request.user, obj).can_delete_note()

    @admin.display(description="时间")
    def written_at(self, note):
        return datetime_label(note.created_at) if note.pk else "（保存时）"

    @admin.display(description="作者")
    def written_by(self, note):
        return person_name(note.author) if note.pk else "（你）"


class CorrectionInline(admin.TabularInline):
    """Public corrections (更正) of a live story: read-only once written; a new one can be
    added only while the story is live, through ``article_add_correction``."""

    model = Correction
    fields = ["corrected_at", "corrected_by", "text"]
    readonly_fields = ["corrected_at", "corrected_by"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}
    ordering = ["published_at", "pk"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def has_view_permission(self, request, obj=None):
        return obj is None or tester_for(request.user, obj).can_view()

    def has_add_permission(self, request, obj=None):
        return obj is not None and tester_for(request.user, obj).can_correct()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="更正时间")
    def corrected_at(self, correction):
        return datetime_label(correction.published_at) if correction.pk else "（保存时）"

    @admin.display(description="更正人")
    def corrected_by(self, correction):
        return person_name(correction.created_by) if correction.pk else "（你）"


class PhotoCreditInline(admin.TabularInline):
    """A photo's own credits (摄影署名), on the photo's page."""

    model = PhotoCredit
    fields = ["reporter", "title", "order"]
    autocomplete_fields = ["reporter"]
    extra = 0

    def _editable(self, request, obj) -> bool:
        return (
            obj is None or obj.article is None or tester_for(request.user, obj.article).can_edit()
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)
