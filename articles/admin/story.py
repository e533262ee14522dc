"""The desk's admin for stories (稿件): the list, the story form, and the desk's own screens.

Who sees and changes what is the tester's (``articles/workflow.py``): editors every story;
reporters and correspondents their own, which they change while it is a draft or returned to
them; otherwise the form is read-only. Nothing is written here: a save hands the form's
values, credits, photos, notes and corrections to the services in one change of the story
(``services.story_change``), and the workflow buttons, bulk actions and screens call the
services too. A save from an older copy never overwrites: the edit service refuses it with
what each side changed, and the editor resolves it on the conflict page.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from unionnews.actors import person_name
from unionnews.dates import datetime_label
from unionnews.desk_admin import DeskModelAdmin, audit_log_url

from .. import content
from ..models import Article, Byline, Correction, EditorialNote, Photo, StoryDraft
from ..photos import PhotoRejected
from ..services import (
    EditConflict,
    NotAllowed,
    article_add_correction,
    article_add_note,
    article_create,
    article_delete,
    article_edit,
    note_delete,
    photo_add,
    photo_delete,
    photo_replace,
    photo_update,
)
from ..services.changes import story_change
from ..workflow import DeskTester, tester_for
from . import filters
from .forms import ArticleAdminForm, credit_rows, photo_operations
from .inlines import (
    BylineInline,
    CorrectionInline,
    EditorialNoteInline,
    PhotoInline,
    TransitionInline,
)
from .listing import StoryColumns
from .views.editing import AutosaveView, ConflictView, keep_pending
from .views.imports import ImportView
from .views.recover import RecoverListView, RecoverView
from .views.revisions import CompareView, HistoryView, RestoreView
from .views.workflow import NoteView, ScheduleView, StepView, bulk_step

Status = Article.Status


@admin.register(Article)
class ArticleAdmin(StoryColumns, DeskModelAdmin):
    form = ArticleAdminForm
    list_title = "稿件"
    change_list_template = "admin/articles/article/change_list.html"
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

    class Media:
        css = {"all": ["css/admin.css"]}
        js = ["js/desk-autosave.js"]

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
        if not DeskTester(request.user).can_publish:
            # Whether and when a story runs, and on the home page, is the desk's call.
            fieldsets = [(name, opts) for name, opts in fieldsets if name != "发布"]
        if obj is not None and self.has_change_permission(request, obj):
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], "loaded_version"]})
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not DeskTester(request.user).can_publish:
            readonly += ["featured", "photo_waived"]
        return readonly

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if not DeskTester(request.user).can_publish:
            shown.remove("publish_at")
        return shown

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if request.method == "GET" and request.GET.get("restore_draft"):
            draft = self.draft_of(request, obj)
            if draft is not None:
                form = type(form.__name__, (form,), {"draft": draft})
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BylineInline) and obj.pk is None and request.method == "GET":
            # A reporter filing a story sees their own credit filled in, and may remove it.
            reporter = getattr(request.user, "reporter", None)
            if reporter is not None:
                kwargs["initial"] = [
                    {"reporter": reporter.pk, "title": reporter.title, "contribution": "text"}
                ]
        return kwargs

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None and request.method == "GET" and getattr(request.user, "reporter", None):
            for inline in inlines:
                if isinstance(inline, BylineInline):
                    inline.extra = 1
        return inlines

    def get_view_on_site_url(self, obj=None):
        if obj is None or obj.pk is None:
            return None
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("articles:story_preview", args=[obj.pk])

    def draft_of(self, request, obj) -> StoryDraft | None:
        drafts = StoryDraft.objects.filter(user=request.user)
        return (
            drafts.filter(article__isnull=True) if obj is None else drafts.filter(article=obj)
        ).first()

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

    def add_view(self, request, form_url="", extra_context=None):
        context = {"draft_offer": self.draft_offer(request, None)}
        return super().add_view(request, form_url, {**context, **(extra_context or {})})

    def draft_offer(self, request, obj) -> dict | None:
        """The autosaved draft this user may take back, unless it is what the story has."""
        draft = self.draft_of(request, obj)
        if draft is None or request.GET.get("restore_draft"):
            return None
        if obj is not None:
            current = {f.name: f.read(obj) for f in content.TYPED}
            if all(content.BY_NAME[n].same(v, current.get(n)) for n, v in draft.data.items()):
                return None
        return {
            "saved_at": datetime_label(draft.saved_at),
            "fields": "、".join(
                content.BY_NAME[n].label for n in draft.data if n in content.BY_NAME
            ),
            "restore_url": "?restore_draft=1",
            "discard_url": reverse("admin:articles_article_autosave", args=[quote(obj.pk)])
            if obj is not None
            else reverse("admin:articles_article_autosave_new"),
        }

    def story_panel(self, request, obj) -> dict:
        """The workflow panel over the form (state, the steps this user may take now, why an
        approved story has no publish button), the editor's latest comment on a returned
        story, the note box of a read-only form, and the autosave offer."""
        tester = tester_for(request.user, obj)
        return_note = None
        if obj.status == Status.RETURNED:
            return_note = (
                obj.transitions.filter(to_status=Status.RETURNED)
                .select_related("user")
                .order_by("-created_at", "-pk")
                .first()
            )
        editable = tester.can_edit()
        can_note = not editable and tester.can_add_note()
        return {
            "workflow": {
                "status": obj.get_status_display(),
                "scheduled": obj.status == Status.PUBLISHED and not obj.is_public,
                "live": obj.is_public,
                "publish_at": datetime_label(obj.publish_at),
                "moves": [
                    {
                        "move": step,
                        "url": reverse(
                            "admin:articles_article_transition", args=[quote(obj.pk), step.name]
                        ),
                    }
                    for step in tester.steps()
                ],
                "editable": editable,
                "held": tester.publication_hold(),
            },
            "return_note": return_note,
            "return_note_by": person_name(return_note.user) if return_note else "",
            "return_note_at": datetime_label(return_note.created_at) if return_note else "",
            "can_note": can_note,
            "note_url": reverse("admin:articles_article_note", args=[quote(obj.pk)])
            if can_note
            else "",
            "preview_url": reverse("articles:story_preview", args=[obj.pk]),
            "audit_url": audit_log_url(obj) if tester.desk.can_view_audit_log else "",
            "draft_offer": self.draft_offer(request, obj) if editable else None,
        }

    def history_view(self, request, object_id, extra_context=None):
        return HistoryView.as_view(model_admin=self)(request, object_id=object_id)

    # -- saving: one change of the story, through the services ---------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if request.method == "POST" and obj is not None:
            tester = tester_for(request.user, obj)
            if tester.can_view() and not tester.can_edit():
                return self.refused(request, obj, f"{tester.edit_refusal()}本次没有保存。", 403)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict as conflict:
            uploads = bool(request.FILES)
            messages.warning(
                request,
                f"你打开这篇稿件之后，别人保存了新的版本（现为第 {conflict.current.version} 版）。"
                "为免覆盖，本次没有保存；请在下面核对双方的修改后再保存。"
                + ("这次选择的图片文件没有上传，保存后请重新添加。" if uploads else ""),
            )
            return redirect(keep_pending(request, conflict.current, conflict, uploads_lost=uploads))
        except (NotAllowed, PhotoRejected) as exc:
            return self.refused(request, obj, f"{exc}本次没有保存。", 409)

    def save_related(self, request, form, formsets, change):
        by_model = {formset.model: formset for formset in formsets}
        values = form.values()
        if Byline in by_model:
            values["credits"] = credit_rows(by_model[Byline])
        user = request.user
        if not change:
            article = article_create(user=user, values=values, article=form.instance)
        else:
            article = form.instance
        with story_change(article, user=user, check=lambda tester: tester.edit_refusal()):
            if change:
                article_edit(
                    article=article,
                    user=user,
                    values=values,
                    base_version=form.cleaned_data.get("loaded_version"),
                )
            if Photo in by_model:
                self.save_photos(request, article, by_model[Photo])
            if EditorialNote in by_model:
                self.save_notes(request, article, by_model[EditorialNote])
            if Correction in by_model:
                for row in by_model[Correction].forms:
                    if row.instance.pk is None and row.has_changed():
                        article_add_correction(
                            article=article, user=user, text=row.cleaned_data["text"]
                        )
        article.refresh_from_db()

    def construct_change_message(self, request, form, formsets, add=False):
        """The services write the audit log and the revision comment; no admin log here."""
        return ""

    def save_photos(self, request, article, formset):
        for op in photo_operations(formset):
            if op.kind == "delete":
                photo_delete(photo=op.photo, user=request.user)
            elif op.kind == "replace":
                photo_replace(photo=op.photo, upload=op.form.checked_upload, user=request.user)
            elif op.kind == "update":
                photo_update(photo=op.photo, user=request.user, **op.form.description_changes())
            else:
                data = op.form.cleaned_data
                photo = photo_add(
                    article=article,
                    upload=op.form.checked_upload,
                    user=request.user,
                    alt_text=data.get("alt_text", ""),
                    caption=data.get("caption", ""),
                    is_lead=bool(data.get("is_lead")),
                    taken_on=data.get("taken_on"),
                )
                if data.get("order") not in (None, photo.order):
                    photo_update(photo=photo, user=request.user, order=data["order"])

    def save_notes(self, request, article, formset):
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None) or {}
            if row.instance.pk and data.get("DELETE"):
                note_delete(note=row.instance, user=request.user)
            elif row.instance.pk is None and data.get("text"):
                article_add_note(article=article, user=request.user, text=data["text"])

    def delete_object(self, request, obj):
        try:
            article_delete(article=obj, user=request.user)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def get_deleted_objects(self, objs, request):
        # A story's rows (credits, photos, history) go with it by the deletion service's
        # rule, not by each row's own delete permission.
        deleted, counts, _perms, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def refused(self, request, article, message: str, status: int):
        """The page for a story form that could not be saved at all: the reason, and what
        the user submitted, so that nothing typed is lost."""
        submitted = [
            (f.label, request.POST.get(f.name, ""))
            for f in content.TYPED
            if request.POST.get(f.name, "")
        ]
        response = TemplateResponse(
            request,
            "admin/articles/article/save_refused.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"未能保存：{article.headline}" if article else "未能保存",
                "article": article,
                "original": article,
                "message": message,
                "submitted": submitted,
                "change_url": reverse("admin:articles_article_change", args=[quote(article.pk)])
                if article
                else reverse("admin:articles_article_add"),
            },
            status=status,
        )
        return response

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
