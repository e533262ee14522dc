"""A story's revisions on the desk: the history (历史), the comparison of two versions (对比),
and restoring one (恢复).

Everything is read from the snapshots the services keep with every version
(``articles/revisions.py``), so the history shows every change the desk makes: text, credits,
unions, events, topics, photos, flags and state. Restoring first shows the old version and
what restoring would change, read from its snapshot: nothing is written until the editor
confirms, and then ``services.article_restore`` writes it as a new version.
"""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from unionnews.dates import datetime_label
from unionnews.desk_admin import audit_log_url

from ... import content, diffs, revisions
from ...services import NotAllowed, article_restore
from .base import StoryView, change_url


def history_url(article) -> str:
    return reverse("admin:articles_article_history", args=[quote(article.pk)])


def _row_context(article, row: revisions.RevisionRow) -> dict:
    return {
        "id": row.number,
        "number": row.number,
        "date_label": datetime_label(row.saved_at),
        "user": row.saved_by,
        "comment": row.comment,
        "restore_url": reverse(
            "admin:articles_article_revision", args=[quote(article.pk), row.number]
        ),
    }


def compared(older: dict, newer: dict, *, old_label="旧", new_label="新") -> list:
    """Field-by-field differences of two snapshots (``diffs.FieldDiff``), in
    ``content.FIELDS`` order."""
    fields = [
        (f.name, f.label, f.diff_kind)
        for f in content.FIELDS
        if f.name in older and f.name in newer
    ]

    def shown(f, value):
        return f.items(value) if f.diff_kind == "items" else f.display(value)

    shown_old = {f.name: shown(f, older.get(f.name)) for f in content.FIELDS}
    shown_new = {f.name: shown(f, newer.get(f.name)) for f in content.FIELDS}
    return diffs.compare(fields, shown_old, shown_new, old_label=old_label, new_label=new_label)


class HistoryView(StoryView):
    """Every version of the story, newest first, with what each changed; pick two to
    compare, or one to restore."""

    template = "object_history.html"

    def get_title(self) -> str:
        return f"修改历史：{self.story.headline}"

    def get_context_data(self, **kwargs):
        rows = revisions.history(self.story)
        shown = []
        for index, row in enumerate(rows):
            older = rows[index + 1] if index + 1 < len(rows) else None
            changed = row.changes_from(older)
            shown.append(
                {
                    **_row_context(self.story, row),
                    "changed": content.summary(changed) if older else "（第一个版本）",
                }
            )
        return super().get_context_data(
            revisions=shown,
            compare_url=reverse("admin:articles_article_compare", args=[quote(self.story.pk)]),
            can_restore=self.tester.can_restore(),
            audit_url=audit_log_url(self.story) if self.desk.can_view_audit_log else "",
            **kwargs,
        )


def _number(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CompareView(StoryView):
    """Two versions side by side, field by field: ``?from=<version>&to=<version>``; the older
    one is always the "before". Without them, the two newest versions."""

    template = "compare.html"

    def get_title(self) -> str:
        return f"对比版本：{self.story.headline}"

    def get(self, request, *args, **kwargs):
        rows = revisions.history(self.story)
        wanted = [_number(request.GET.get("from")), _number(request.GET.get("to"))]
        chosen = rows[:2] if wanted == [None, None] else [r for r in rows if r.number in wanted]
        if len(chosen) != 2:
            messages.error(request, "请在历史记录中选择这篇稿件的两个不同版本进行对比。")
            return redirect(history_url(self.story))
        older, newer = sorted(chosen, key=lambda r: r.number)
        differences = compared(older.content, newer.content)
        return self.render_to_response(
            self.get_context_data(
                older=_row_context(self.story, older),
                newer=_row_context(self.story, newer),
                changed=[d for d in differences if d.changed],
                unchanged=[d for d in differences if not d.changed],
                history_url=history_url(self.story),
                can_restore=self.tester.can_restore(),
            )
        )


class RestoreView(StoryView):
    """Restore a version (恢复): GET shows it, and what restoring would change from the story
    as it is now, from its snapshot, writing nothing; POST restores it
    (``services.article_restore``). The state, the publish time and the photos stay as they
    are."""

    template = "restore.html"

    @property
    def row(self) -> revisions.RevisionRow:
        row = revisions.revision(self.story, _number(self.kwargs["version"]))
        if row is None:
            raise Http404("没有这个版本。")
        return row

    def get_title(self) -> str:
        return f"恢复到 {datetime_label(self.row.saved_at)} 的版本：{self.story.headline}"

    def get(self, request, *args, **kwargs):
        row = self.row
        now = content.snapshot(self.story)
        editable = {f.name for f in content.EDITABLE}
        old = {k: v for k, v in row.content.items() if k in editable}
        current = {k: v for k, v in now.items() if k in editable}
        differences = compared(current, old, old_label="现在", new_label="恢复后")
        return self.render_to_response(
            self.get_context_data(
                revision=_row_context(self.story, row),
                changed=[d for d in differences if d.changed],
                print_preview=row.content,
                current_version=self.story.version,
                can_restore=self.tester.can_restore(),
                history_url=history_url(self.story),
            )
        )

    def post(self, request, *args, **kwargs):
        row = self.row
        if _number(request.POST.get("version")) is None:
            messages.error(request, "表单缺少版本信息，请重新打开要恢复的版本。")
            return redirect(history_url(self.story))
        try:
            result = article_restore(
                article=self.story,
                user=request.user,
                version=row.number,
                base_version=_number(request.POST.get("version")),
            )
        except NotAllowed as exc:
            messages.error(request, f"未能恢复：{exc}")
            return redirect(history_url(self.story))
        if result.fields:
            messages.success(
                request,
                f"已恢复到第 {row.number} 版：{result.summary}。"
                f"现为第 {result.article.version} 版。",
            )
        else:
            messages.info(request, f"第 {row.number} 版的内容与现在相同，没有改动。")
        return redirect(change_url(self.story))
