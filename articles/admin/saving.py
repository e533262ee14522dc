"""How ``ArticleAdmin`` saves a story: the form's values, credits, photos, notes and
corrections go to the services in one change of the story (``services.story_change``); the
services' refusals become the pages the desk sees (the conflict page, or the refused page
with everything that was typed). Nothing here writes a row itself."""

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import content
from ..models import Byline, Correction, EditorialNote, Photo
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
    stories_deleted_together,
)
from ..services.changes import files_follow_the_transaction, story_change
from ..workflow import tester_for
from .forms import credit_rows, photo_operations
from .views.editing import keep_pending


class StorySaving:
    """The save half of ``ArticleAdmin`` (see the module docstring)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if request.method == "POST" and obj is not None:
            tester = tester_for(request.user, obj)
            if tester.can_view() and not tester.can_edit():
                return self.refused(request, obj, f"{tester.edit_refusal()}本次没有保存。", 403)
        try:
            with files_follow_the_transaction():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict as conflict:
            lost = rows_not_saved(request)
            messages.warning(
                request,
                f"你打开这篇稿件之后，别人保存了新的版本（现为第 {conflict.current.version} 版）。"
                "为免覆盖，本次没有保存；请在下面核对双方的修改后再保存。"
                + (
                    f"这次{'、'.join(lost)}也没有保存，处理冲突后请在稿件页重新操作。"
                    if lost
                    else ""
                ),
            )
            return redirect(keep_pending(request, conflict.current, conflict, lost=lost))
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
                self.save_edit(request, article, values, form.cleaned_data.get("loaded_version"))
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

    def save_edit(self, request, article, values, base_version):
        """The story's own fields through ``article_edit``. When the story moved on since the
        form was opened only in what the form does not edit (a workflow step, its photos),
        the edit is saved over the newer version, with a word to the editor; any other
        difference is the editor's to resolve (``EditConflict`` goes up to the conflict page)."""
        try:
            article_edit(
                article=article, user=request.user, values=values, base_version=base_version
            )
        except EditConflict as conflict:
            merge = conflict.merge
            if merge.both or merge.theirs_only or not merge.base:
                raise
            mine = {f.name: merge.mine[f.name] for f in merge.mine_only}
            article_edit(
                article=article,
                user=request.user,
                values=mine,
                base_version=conflict.current.version,
            )
            others = [f for f in content.FIELDS if not f.editable]
            moved = content.summary(content.changed(merge.base, merge.theirs, others))
            messages.info(
                request,
                f"你打开这篇稿件之后，它已更新到第 {conflict.current.version} 版"
                + (f"（{moved}有变化）" if moved else "")
                + "；与你的修改不冲突，已一并保存。",
            )

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
                if "order" in op.form.changed_data and data.get("order") != photo.order:
                    photo_update(photo=photo, user=request.user, order=data["order"])

    def save_notes(self, request, article, formset):
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None) or {}
            if row.instance.pk and data.get("DELETE"):
                note_delete(note=row.instance, user=request.user)
            elif row.instance.pk is None and data.get("text"):
                article_add_note(article=article, user=request.user, text=data["text"])

    def delete_queryset(self, request, queryset):
        with stories_deleted_together():
            super().delete_queryset(request, queryset)

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


def rows_not_saved(request) -> list[str]:
    """What a refused save of the story form also asked for beyond the story's own fields
    (photos added, changed or deleted; new notes; new corrections), named for the editor, so
    that a conflict never drops them without a word."""
    post, lost = request.POST, []

    def new_rows(prefix: str, field: str) -> bool:
        start = int(post.get(f"{prefix}-INITIAL_FORMS") or 0)
        total = int(post.get(f"{prefix}-TOTAL_FORMS") or 0)
        return any(post.get(f"{prefix}-{i}-{field}", "").strip() for i in range(start, total))

    photo_keys = [k for k in post if k.startswith("photos-") and not k.endswith("FORMS")]
    changed = any(
        post.get(k) != post.get(f"initial-{k}") for k in photo_keys if f"initial-{k}" in post
    )
    if request.FILES or changed or any(k.endswith("-DELETE") for k in photo_keys):
        lost.append("图片的添加或修改")
    if new_rows("notes", "text"):
        lost.append("新写的内部备注")
    if new_rows("corrections", "text"):
        lost.append("新写的更正")
    return lost
