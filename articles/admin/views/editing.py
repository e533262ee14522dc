"""Keeping what the desk types: the edit-conflict page and the autosave of the story form.

**Conflicts.** When a story was saved by someone else after this editor opened it, the edit
service writes nothing and says what each side changed (``content.merge``).
``ArticleAdmin`` keeps the editor's submission on the server and sends them to
:class:`ConflictView`: fields only the other person changed keep their value, fields only
this editor changed are taken, and for each field both changed the two versions stand side
by side and the editor chooses (or edits their own). Nothing is written until they confirm.

**Autosave.** While someone types, the change form's script (``static/js/desk-autosave.js``)
posts the typed fields to :class:`AutosaveView` every few seconds
(``services.draft_keep``). If the tab is closed, the browser crashes or the session expires,
the next time they open the story (or the new-story form) it offers the text back.
"""

import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from unionnews.dates import datetime_label

from ... import content, diffs
from ...services import (
    EditConflict,
    NotAllowed,
    article_edit,
    content_at,
    draft_discard,
    draft_keep,
)
from .base import DeskView, StoryView, change_url

#: The session key of the submission waiting on a conflict, per story.
PENDING = "articles.conflict.{pk}"
CHOICES = {"theirs": "采用对方的版本", "mine": "采用我的版本"}


def keep_pending(request, article, conflict: EditConflict, *, lost: list[str] = ()) -> str:
    """Keep ``conflict``'s submission in the session for :class:`ConflictView`; returns the
    page's URL. The typed text is also kept as the user's draft, so that it survives a lost
    session too."""
    merge = conflict.merge
    request.session[PENDING.format(pk=article.pk)] = {
        "base": merge.base.get("version") if merge.base else None,
        "opened": merge.base.get("version") if merge.base else None,
        "mine": merge.mine,
        "lost": list(lost),
    }
    typed = {f.name: merge.mine[f.name] for f in content.TYPED if f.name in merge.mine}
    try:
        draft_keep(
            user=request.user, article=article, data=typed, base_version=merge.base.get("version")
        )
    except NotAllowed:
        pass
    return reverse("admin:articles_article_conflict", args=[article.pk])


class ConflictView(StoryView):
    """Resolve an edit made from an older version (see the module docstring)."""

    template = "conflict.html"

    def get_title(self) -> str:
        return f"保存前请处理冲突：{self.story.headline}"

    @property
    def key(self) -> str:
        return PENDING.format(pk=self.story.pk)

    def get(self, request, *args, **kwargs):
        pending = request.session.get(self.key)
        if pending is None:
            messages.info(request, "这篇稿件没有待处理的保存冲突。")
            return redirect(change_url(self.story))
        return self.render_to_response(self.get_context_data(pending=pending))

    def post(self, request, *args, **kwargs):
        pending = request.session.get(self.key)
        if pending is None:
            # Resolved in another tab, or the session ended: keep any autosaved draft.
            messages.info(request, "这次保存冲突已经处理过（或已过期），稿件保持现在的内容。")
            return redirect(change_url(self.story))
        if "discard" in request.POST:
            request.session.pop(self.key, None)
            draft_discard(user=request.user, article=self.story)
            messages.info(request, "已放弃你这次的修改，稿件保持别人保存的内容。")
            return redirect(change_url(self.story))
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            messages.error(request, "表单缺少版本信息，请重新打开稿件。")
            return redirect(change_url(self.story))
        merge = self.merge(pending)
        missing = [f for f in merge.both if request.POST.get(f"choose-{f.name}") not in CHOICES]
        if missing:
            return self.render_to_response(
                self.get_context_data(pending=pending, missing=[f.label for f in missing])
            )
        values = {f.name: merge.mine[f.name] for f in merge.mine_only}
        for f in merge.both:
            if request.POST[f"choose-{f.name}"] == "mine":
                edited = request.POST.get(f"mine-{f.name}")
                values[f.name] = (
                    edited
                    if f.kind in ("line", "text") and edited is not None
                    else merge.mine[f.name]
                )
        try:
            result = article_edit(
                article=self.story, user=request.user, values=values, base_version=version
            )
        except EditConflict as again:
            # Only what the editor has now decided is theirs to keep, merged from the version
            # they decided on: fields they left to the other person stay the other person's.
            request.session[self.key] = {**pending, "base": version, "mine": again.merge.mine}
            messages.warning(request, "就在刚才，又有人保存了这篇稿件；请按现在的内容再核对一次。")
            return redirect(reverse("admin:articles_article_conflict", args=[self.story.pk]))
        except NotAllowed as exc:
            messages.error(request, f"未能保存：{exc}")
            return redirect(change_url(self.story))
        request.session.pop(self.key, None)
        kept = content.summary(merge.theirs_only)
        if result.fields:
            message = f"已保存你的修改（{result.summary}）"
            if kept:
                message += f"，并保留了对方的修改（{kept}）"
            messages.success(request, message + f"。现为第 {result.article.version} 版。")
        else:
            messages.info(request, "你的修改与现在保存的内容一致，没有需要保存的改动。")
        return redirect(change_url(self.story))

    def merge(self, pending) -> content.Merge:
        self.story.refresh_from_db()
        return content.merge(
            content_at(self.story, pending["base"]), content.snapshot(self.story), pending["mine"]
        )

    def get_context_data(self, pending, **kwargs):
        merge = self.merge(pending)
        last = self.story.transitions.order_by("-created_at").first()
        both = []
        for f in merge.both:
            theirs, mine = f.display(merge.theirs.get(f.name)), f.display(merge.mine.get(f.name))
            both.append(
                {
                    "field": f,
                    "theirs": theirs,
                    "mine": mine,
                    # The body: what differs, paragraph by paragraph, from theirs to mine.
                    "diff": diffs.body_diff(theirs, mine) if f.kind == "text" else None,
                    "editable": f.kind in ("line", "text"),
                    "raw_mine": merge.mine.get(f.name) if f.kind in ("line", "text") else "",
                    "choice": self.request.POST.get(f"choose-{f.name}", ""),
                }
            )
        return super().get_context_data(
            theirs_only=[(f, f.display(merge.theirs.get(f.name))) for f in merge.theirs_only],
            mine_only=[(f, f.display(merge.mine.get(f.name))) for f in merge.mine_only],
            both=both,
            version=self.story.version,
            base_version=pending["base"],
            opened_version=pending.get("opened", pending["base"]),
            lost=pending.get("lost", []),
            last_step=last,
            updated_label=datetime_label(self.story.updated_at),
            choices=CHOICES,
            **kwargs,
        )


class AutosaveView(DeskView):
    """Keep what is typed in a story's form (POST, JSON ``{"data": {field: text},
    "version": n}``); answers ``{"saved_at": "…"}``, or 403 with the reason. A form POST
    with ``discard`` throws the kept draft away and goes back to the form. ``object_id``
    absent: the new-story form."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        article = None
        if "object_id" in kwargs:
            article = self.model_admin.get_object(request, str(kwargs["object_id"]))
            if article is None:
                return JsonResponse({"error": "没有这篇稿件。"}, status=404)
        if request.POST.get("discard"):
            draft_discard(user=request.user, article=article)
            messages.info(request, "已丢弃自动保存的内容。")
            if article is None:
                return redirect("admin:articles_article_add")
            return redirect(change_url(article))
        try:
            payload = json.loads(request.body or b"{}")
            data, version = payload.get("data") or {}, payload.get("version")
            if not isinstance(data, dict) or not (version is None or isinstance(version, int)):
                raise ValueError
        except (ValueError, AttributeError):
            return JsonResponse({"error": "自动保存的数据无法识别。"}, status=400)
        try:
            draft = draft_keep(user=request.user, article=article, data=data, base_version=version)
        except NotAllowed as exc:
            return JsonResponse({"error": str(exc)}, status=403)
        return JsonResponse({"saved_at": datetime_label(draft.saved_at)})
