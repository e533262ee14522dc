"""The desk's admin for stories, credits, columns and print-page imports.

State changes never happen here: the status and publish time are read-only in the form, and
the workflow buttons and list actions call the services in ``articles/services.py`` (through
``articles/workflow_ui.py``), which check the role and the story's state and write the
history row (审稿记录).

Who sees what (DESIGN.md, "Who uses it"): editors every story; reporters and correspondents
only their own (``Article.objects.visible_to``), which they may change while it is a draft or
returned to them (``editable_by``); otherwise the form is read-only. Every save goes through
``article_save_edit`` with the version the form was opened at, and keeps a revision
(django-reversion), so revisions can be compared and restored and a stale copy is never
saved over a newer one.
"""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models, router, transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator
from reversion.admin import VersionAdmin
from reversion.models import Version

from . import admin_views
from .admin_views import credits_summary, import_pages_view
from .forms import (
    MAX_PHOTOS_PER_STORY,
    ArticleAdminForm,
    NoteForm,
    PhotoAdminForm,
    PhotoInlineFormSet,
    person_name,
)
from .models import (
    Article,
    Byline,
    Column,
    Correction,
    EditorialNote,
    ImportedPage,
    Photo,
    PhotoCredit,
    Reporter,
    Transition,
)
from .services import (
    EditConflict,
    TransitionNotAllowed,
    article_add_correction,
    article_add_note,
    article_save_edit,
    photo_make_renditions,
    photo_refusal,
    signoff_required,
)
from .workflow_ui import MOVES, available_transitions, local_datetime_label

__all__ = ["ArticleAdmin", "credits_summary"]

# The desk's name on every admin page, instead of Django's default header.
admin.site.site_header = "UnionNews 编辑部"
admin.site.site_title = "UnionNews 编辑部"
admin.site.index_title = "稿件、工会名录与活动"

Status = Article.Status


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


def todo_filter(user) -> Q:
    """What is waiting for ``user`` on the desk (待我处理): for editors, submitted stories,
    and approved ones awaiting sign-off when the desk requires it and they may sign off;
    for reporters and correspondents, their stories returned to them (the list is already
    only theirs)."""
    if user.has_perm("articles.approve_article"):
        waiting = Q(status=Status.SUBMITTED)
        if signoff_required() and user.has_perm("articles.signoff_article"):
            waiting |= Q(status=Status.APPROVED)
        return waiting
    return Q(status=Status.RETURNED)


class DeskFilter(admin.SimpleListFilter):
    """The desk's queues: what waits for me, for review, for sign-off, on the schedule, and
    what came back to me. The admin index box (编辑部待办) links here."""

    title = "编辑部待办"
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        user = request.user
        items = [("todo", "待我处理")]
        if user.has_perm("articles.approve_article"):
            items.append(("review", "待审"))
        if signoff_required() and user.has_perm("articles.signoff_article"):
            items.append(("signoff", "待签发"))
        if user.has_perm("articles.publish_article"):
            items.append(("scheduled", "定时发布（未上线）"))
        if not user.has_perm("articles.approve_article"):
            items.append(("returned", "退回给我"))
        return items

    def queryset(self, request, queryset):
        value = self.value()
        if value == "todo":
            return queryset.filter(todo_filter(request.user))
        if value == "review":
            return queryset.filter(status=Status.SUBMITTED)
        if value == "signoff":
            return queryset.filter(status=Status.APPROVED)
        if value == "scheduled":
            return queryset.filter(pk__in=Article.objects.scheduled().order_by().values("pk"))
        if value == "returned":
            return queryset.filter(status=Status.RETURNED)
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


class PhotoInline(admin.StackedInline):
    """The story's photos, uploaded on the story's own page (reporters on their own stories
    while they may edit them). Each upload is checked by content before anything is stored;
    renditions are made once after the save (``ArticleAdmin.save_formset``)."""

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


class EditorialNoteInline(admin.TabularInline):
    """Internal notes (内部备注): the desk's own conversation about a story, never public.

    Existing notes are read-only; a new one is written by ``article_add_note`` with the
    user as author (``ArticleAdmin.save_formset``). On a story whose form is read-only for
    the user, the change form offers a separate note box instead.
    """

    model = EditorialNote
    fields = ["written_at", "written_by", "text"]
    readonly_fields = ["written_at", "written_by"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}
    ordering = ["created_at", "pk"]
    extra = 1  # an empty box to write in; left empty, it adds nothing

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request, obj=None):
        return obj is not None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="时间")
    def written_at(self, note):
        return local_datetime_label(note.created_at) if note.pk else "（保存时）"

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

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.is_public and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="更正时间")
    def corrected_at(self, correction):
        return local_datetime_label(correction.published_at) if correction.pk else "（保存时）"

    @admin.display(description="更正人")
    def corrected_by(self, correction):
        return person_name(correction.created_by) if correction.pk else "（你）"


#: What restoring a revision writes back: the story's text and classification. Its state,
#: publish time, home-page flag and version are the workflow's; its print origin never
#: changes; its topics (tags) are not kept in revisions.
RESTORED_FIELDS = [
    "kicker",
    "headline",
    "subtitle",
    "kind",
    "dateline",
    "body",
    "column_id",
    "section",
]


def write_revision_over(article: Article, version: Version) -> None:
    """Write the content of ``version`` (a revision of ``article``) over the story: the
    :data:`RESTORED_FIELDS`, its unions and events, and its credits as they were in that
    revision. Unions, events, columns and reporters deleted since are left out."""
    data = version.field_dict
    for name in RESTORED_FIELDS:
        if name in data:
            setattr(article, name, data[name])
    if article.column_id is not None and not Column.objects.filter(pk=article.column_id).exists():
        article.column = None
    article.save()
    for relation in ("unions", "events"):
        if relation in data:
            manager = getattr(article, relation)
            manager.set(manager.model.objects.filter(pk__in=data[relation]))
    credits = [
        byline.field_dict
        for byline in Version.objects.get_for_model(Byline).filter(revision_id=version.revision_id)
    ]
    credits = [c for c in credits if c["article_id"] == article.pk]
    reporters = set(
        Reporter.objects.filter(pk__in=[c["reporter_id"] for c in credits]).values_list(
            "pk", flat=True
        )
    )
    article.bylines.exclude(pk__in=[c["id"] for c in credits]).delete()
    for credit in credits:
        if credit["reporter_id"] in reporters:
            Byline(**credit).save()


class _RollBack(Exception):
    """Leave the restore's transaction without keeping anything, showing ``response``."""

    def __init__(self, response):
        super().__init__()
        self.response = response


class SaveRefused(Exception):
    """The service refused a save that passed the form's checks (a race): nothing is
    saved, not the story and not its credits or notes."""


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    form = ArticleAdminForm
    change_list_template = "admin/articles/article/change_list.html"
    object_history_template = "admin/articles/article/object_history.html"
    history_latest_first = True

    list_display = [
        "title_block",
        "status",
        "kind",
        "column_short",
        "credits_column",
        "unions_column",
        "photo_column",
        "publish_at",
        "updated_at",
    ]
    list_select_related = ["column"]

    class Media:
        css = {"all": ["css/admin.css"]}

    list_filter = [
        DeskFilter,
        "status",
        "kind",
        "column",
        ("unions", admin.RelatedOnlyFieldListFilter),
        SourcePageFilter,
        PhotoMissingFilter,
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
                "fields": ["status", "publish_at", "featured", "photo_waived"],
                "description": (
                    "状态和发布时间只能通过审稿流程改变（本页上方的流程按钮或列表页的批量操作）。"
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
    inlines = [BylineInline, PhotoInline, EditorialNoteInline, CorrectionInline, TransitionInline]
    actions = [
        "submit_articles",
        "approve_articles",
        "signoff_articles",
        "publish_now",
        "withdraw_articles",
    ]

    # -- who sees and changes what ---------------------------------------------------------------

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

    def _editable(self, request, obj) -> bool:
        """``Article.objects.editable_by`` for this story, asked once per request."""
        cache = request.__dict__.setdefault("_unionnews_editable", {})
        if obj.pk not in cache:
            cache[obj.pk] = Article.objects.editable_by(request.user).filter(pk=obj.pk).exists()
        return cache[obj.pk]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or obj.pk is None:
            return allowed
        return self._editable(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, dict(options)) for name, options in super().get_fieldsets(request, obj)]
        if not request.user.has_perm("articles.publish_article"):
            # Whether and when a story runs, and on the home page, is the desk's call.
            fieldsets = [(name, opts) for name, opts in fieldsets if name != "发布"]
        if obj is not None and self.has_change_permission(request, obj):
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], "loaded_version"]})
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("articles.publish_article"):
            readonly += ["featured", "photo_waived"]
        return readonly

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if not request.user.has_perm("articles.publish_article"):
            shown.remove("publish_at")
        return shown

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        live = getattr(request, "_unionnews_live", None)
        if live is not None and obj is not None and live.pk == obj.pk:
            form = type(form.__name__, (form,), {"live_article": live})
        return form

    # -- pages -----------------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="{}_{}_import".format(*info)),
            path("schedule/", view(self.schedule_view), name="{}_{}_schedule".format(*info)),
            path(
                "<path:object_id>/workflow/<slug:move>/",
                view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            path("<path:object_id>/note/", view(self.note_view), name="{}_{}_note".format(*info)),
            path(
                "<path:object_id>/compare/",
                view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return import_pages_view(request, model_admin=self)

    def schedule_view(self, request):
        return admin_views.schedule_view(request, model_admin=self)

    def transition_view(self, request, object_id, move):
        return admin_views.transition_view(request, object_id, move, model_admin=self)

    def note_view(self, request, object_id):
        return admin_views.note_view(request, object_id, model_admin=self)

    def compare_view(self, request, object_id):
        return admin_views.compare_view(request, object_id, model_admin=self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = {}
        if obj is not None and self.has_view_or_change_permission(request, obj):
            context = self._workflow_context(request, obj)
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def _workflow_context(self, request, obj) -> dict:
        """The workflow panel over the form: state, the buttons this user may use now, the
        editor's latest comment on a returned story, and the note box of a read-only form."""
        moves = [
            {
                "move": MOVES[name],
                "url": reverse("admin:articles_article_transition", args=[quote(obj.pk), name]),
            }
            for name in available_transitions(obj, request.user, visible=True)
        ]
        return_note = None
        if obj.status == Status.RETURNED:
            return_note = (
                obj.transitions.filter(to_status=Status.RETURNED)
                .select_related("user")
                .order_by("-created_at", "-pk")
                .first()
            )
        editable = self.has_change_permission(request, obj)
        can_note = not editable and request.user.has_perm("articles.add_editorialnote")
        return {
            "workflow": {
                "status": obj.get_status_display(),
                "scheduled": obj.status == Status.PUBLISHED and not obj.is_public,
                "live": obj.is_public,
                "publish_at": local_datetime_label(obj.publish_at),
                "moves": moves,
                "editable": editable,
                # Why an approved story has no publish button: its photo (待配图, alt text).
                "held": (
                    photo_refusal(obj)
                    if obj.status in (Status.APPROVED, Status.SIGNED_OFF)
                    and request.user.has_perm("articles.publish_article")
                    else None
                ),
            },
            "return_note": return_note,
            "return_note_by": person_name(return_note.user) if return_note else "",
            "return_note_at": local_datetime_label(return_note.created_at) if return_note else "",
            "note_form": NoteForm() if can_note else None,
            "note_url": reverse("admin:articles_article_note", args=[quote(obj.pk)])
            if can_note
            else "",
        }

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = {}
        if obj is not None and self.has_view_or_change_permission(request, obj):
            context = {
                "revisions": admin_views.revision_rows(obj),
                "compare_url": reverse("admin:articles_article_compare", args=[quote(obj.pk)]),
                "can_restore": self.has_change_permission(request, obj),
            }
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def changelist_view(self, request, extra_context=None):
        # Not inside one revision for the whole request (as VersionAdmin does, for
        # list_editable, which this list has not): each story moved by a bulk action keeps
        # its own revision, with its own "from → to" comment, as the services write it.
        return admin.ModelAdmin.changelist_view(self, request, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        # Deleted stories are anyone's: only those who may delete stories may bring one back.
        if not self.has_delete_permission(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    # -- saving ----------------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        restoring = getattr(request, "_unionnews_live", None) is not None
        if request.method == "POST" and object_id is not None and not restoring:
            obj = self.get_object(request, unquote(object_id))
            if (
                obj is not None
                and self.has_view_permission(request, obj)
                and not self.has_change_permission(request, obj)
            ):
                return admin_views.save_refused(
                    request,
                    self,
                    obj,
                    f"稿件当前状态为“{obj.get_status_display()}”，你不能再修改它"
                    "（已提交的稿件由编辑处理；如需修改，请联系编辑退回）。本次没有保存。",
                    status=403,
                )
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SaveRefused as exc:
            if restoring:
                raise  # revision_view rolls the restore back and says why
            obj = self.get_object(request, unquote(object_id))
            return admin_views.save_refused(request, self, obj, str(exc), status=409)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restore (恢复) an old revision of a story.

        Inside one transaction the revision's content is written over the story (see
        :func:`write_revision_over`: its text, classification and credits; never its state,
        publish time or version) and the story form shows it. GET rolls everything back;
        saving (POST) goes through the same version check as any edit, against the story as
        it is now, and keeps a new revision. Unlike django-reversion's own view, only this
        story is touched, even when the revision holds a whole imported page.
        """
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_for_object(obj), pk=version_id)
        saved_on = local_datetime_label(version.revision.date_created)
        context = {
            "title": f"恢复到 {saved_on} 的版本：{obj.headline}",
            "revert": True,
            **(extra_context or {}),
        }
        try:
            with transaction.atomic(using=router.db_for_write(Article)):
                rows = Article.objects.filter(pk=obj.pk)
                if request.method == "POST":
                    rows = rows.select_for_update()
                request._unionnews_live = rows.get()
                write_revision_over(rows.get(), version)
                with self.create_revision(request):
                    response = self.changeform_view(request, str(obj.pk), request.path, context)
                    if request.method == "POST" and response.status_code == 302:
                        reversion.set_comment(f"恢复到 {saved_on} 的版本")
                    else:
                        if response.status_code == 200:
                            response.template_name = self.revision_form_template or [
                                "reversion/articles/article/revision_form.html",
                                "reversion/revision_form.html",
                            ]
                            response.render()  # while the old revision is in place
                        raise _RollBack(response)
        except _RollBack as shown:
            return shown.response
        except SaveRefused as exc:
            messages.error(request, str(exc))
            return redirect(reverse("admin:articles_article_change", args=[quote(obj.pk)]))
        finally:
            request.__dict__.pop("_unionnews_live", None)
        return response

    def save_model(self, request, obj, form, change):
        if not change:
            if obj.created_by_id is None:
                obj.created_by = request.user
            super().save_model(request, obj, form, change)
            return
        try:
            article_save_edit(
                article=obj,
                user=request.user,
                expected_version=form.cleaned_data.get("loaded_version"),
            )
        except EditConflict as exc:
            raise SaveRefused(str(exc)) from exc
        except TransitionNotAllowed as exc:
            raise SaveRefused(f"{exc}本次没有保存。") from exc

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            self._credit_the_author(request, form.instance)

    def _credit_the_author(self, request, article):
        """A story filed by a reporter carries their text credit (署名), with their usual
        title, unless they credited themselves already."""
        try:
            reporter = request.user.reporter
        except ObjectDoesNotExist:
            return
        if (
            reporter is None
            or article.bylines.filter(reporter=reporter, contribution="text").exists()
        ):
            return
        Byline.objects.create(
            article=article,
            reporter=reporter,
            title=reporter.title,
            contribution=Byline.Contribution.TEXT,
            order=article.bylines.count(),
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is EditorialNote:
            self._save_new_through(
                formset,
                lambda note: article_add_note(
                    article=form.instance, user=request.user, text=note.text
                ),
            )
        elif formset.model is Correction:
            self._save_new_through(
                formset,
                lambda correction: article_add_correction(
                    article=form.instance, user=request.user, text=correction.text
                ),
            )
        elif formset.model is Photo:
            photos = formset.save(commit=False)
            for photo in formset.deleted_objects:
                photo.delete()
            replaced = {obj.pk for obj, fields in formset.changed_objects if "image" in fields}
            for photo in photos:
                photo.uploaded_by = photo.uploaded_by or request.user
                photo.save()
                photo_make_renditions(photo, replace=photo.pk in replaced)
        else:
            super().save_formset(request, form, formset, change)

    @staticmethod
    def _save_new_through(formset, service):
        """Write the formset's new rows through ``service`` (notes and corrections are
        added, never edited here); deletions as the inline allows them."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if instance.pk is None:
                try:
                    service(instance)
                except TransitionNotAllowed as exc:
                    raise SaveRefused(f"{exc}本次没有保存。") from exc

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
            return format_html('<strong class="photo-missing">待配图</strong>')
        return f"{obj.photo_count} 张" if obj.photo_count else "—"

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

    # -- workflow actions (bulk, each with a confirmation page) ------------------------------

    def has_approve_permission(self, request):
        return request.user.has_perm("articles.approve_article")

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def has_signoff_permission(self, request):
        return request.user.has_perm("articles.signoff_article")

    @admin.action(description="提交所选稿件审核", permissions=["change"])
    def submit_articles(self, request, queryset):
        return admin_views.bulk_transition(request, queryset, "submit", model_admin=self)

    @admin.action(description="通过所选稿件", permissions=["approve"])
    def approve_articles(self, request, queryset):
        return admin_views.bulk_transition(request, queryset, "approve", model_admin=self)

    @admin.action(description="签发所选稿件", permissions=["signoff"])
    def signoff_articles(self, request, queryset):
        return admin_views.bulk_transition(request, queryset, "signoff", model_admin=self)

    @admin.action(description="立即发布所选稿件", permissions=["publish"])
    def publish_now(self, request, queryset):
        return admin_views.bulk_transition(request, queryset, "publish", model_admin=self)

    @admin.action(description="撤回所选已发布稿件", permissions=["publish"])
    def withdraw_articles(self, request, queryset):
        return admin_views.bulk_transition(request, queryset, "withdraw", model_admin=self)


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

    def get_queryset(self, request):
        # A reporter reads the review steps of their own stories only.
        visible = Article.objects.visible_to(request.user).order_by().values("pk")
        return super().get_queryset(request).filter(article__in=visible)

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


class PhotoCreditInline(admin.TabularInline):
    model = PhotoCredit
    fields = ["reporter", "title", "order"]
    autocomplete_fields = ["reporter"]
    extra = 0


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """Every photo with its own credits (摄影署名), unions and events. Photos are uploaded on
    their story's page; here the desk credits them and links them to unions and events (the
    event page's gallery). Reporters see and change the photos of stories they may edit."""

    form = PhotoAdminForm
    list_display = ["__str__", "article", "width", "height", "taken_on", "created_at"]
    list_select_related = ["article"]
    search_fields = ["caption", "alt_text", "article__headline"]
    autocomplete_fields = ["unions", "events"]
    raw_id_fields = ["article"]
    fields = ["article", "image", "alt_text", "caption", "taken_on", "is_lead", "order"]
    inlines = [PhotoCreditInline]

    def get_fields(self, request, obj=None):
        return [*self.fields, "unions", "events"]

    def get_queryset(self, request):
        stories = Article.objects.visible_to(request.user)
        return super().get_queryset(request).filter(article__in=stories)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or obj.article_id is None:
            return allowed
        return Article.objects.editable_by(request.user).filter(pk=obj.article_id).exists()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":  # a reporter attaches photos to their own stories only
            kwargs["queryset"] = Article.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.uploaded_by = obj.uploaded_by or request.user
        super().save_model(request, obj, form, change)
        photo_make_renditions(obj, replace="image" in form.changed_data and change)
