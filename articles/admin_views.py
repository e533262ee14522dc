"""Importing printed pages from the admin (导入版面): upload, preview, confirm.

1. The editor uploads one or more ``.txt`` pages.
2. Each page is parsed with :func:`articles.services.preview_page` and shown story by story;
   nothing is written. A page that cannot be parsed is shown with the file and line.
3. On confirm each page that parsed is imported with :func:`articles.services.import_page`,
   one transaction per page.

Between preview and confirm the uploaded bytes wait in the editor's session (server side,
so they cannot be altered), under a random token that the confirm form sends back: a confirm
from a stale preview (another tab, or already imported) is refused instead of importing
something the editor has not seen. No temporary file is written.

The desk's other admin pages live here too, each called from ``ArticleAdmin`` with the
model admin so that visibility is the admin's (``Article.objects.visible_to``):

- the confirmation page of one workflow step (提交审核, 通过, 退回修改 …) and of a bulk action;
- an internal note added from a read-only story;
- "what goes live when" (定时发布), and the revision comparison (对比).
"""

import base64
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator
from reversion.models import Version

from events.models import EventKind

from . import credits as credit_rules
from . import diffs
from .forms import CONFLICT_FIELDS, NoteForm, TransitionForm, person_name
from .importer import PageParseError, ParsedArticle
from .importer.text import MAX_PAGE_BYTES
from .models import Article, Byline, Column, ImportedPage, Reporter, Transition
from .services import (
    ImportConflict,
    TransitionNotAllowed,
    article_add_note,
    import_page,
    preview_page,
)
from .workflow_ui import MOVES, Move, available_transitions, local_datetime_label

logger = logging.getLogger(__name__)

PERMISSION = "articles.import_pages"
SESSION_KEY = "articles.import_pages.pending"
#: Pages per upload: a day's paper is a few dozen pages at most.
MAX_FILES = 30
EXCERPT_CHARS = 80


def _size_label(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files (Django docs, "Uploading multiple files")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,text/plain"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_file_clean(d, initial) for d in data]
        return [single_file_clean(data, initial)]


class PageUploadForm(forms.Form):
    pages = MultipleFileField(
        label="版面文件",
        # An empty file is let through so that the importer names it ("……：文件是空的").
        allow_empty_file=True,
        max_length=200,
        help_text=(
            f"排版系统导出的版面纯文本（.txt），可一次选择多个，最多 {MAX_FILES} 个；"
            f"每个文件不超过 {_size_label(MAX_PAGE_BYTES)}。"
            "支持 UTF-8 和 GB18030/GBK 编码。上传后先预览，确认后才会导入。"
        ),
        error_messages={"required": "请选择要导入的版面文件。"},
    )

    def clean_pages(self):
        files = self.cleaned_data["pages"]
        if len(files) > MAX_FILES:
            raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件，这次选择了 {len(files)} 个。")
        errors, seen = [], set()
        for upload in files:
            name = Path(upload.name).name
            if not name.lower().endswith(".txt"):
                errors.append(f"{name}：只能上传 .txt 版面文本文件。")
            if upload.size > MAX_PAGE_BYTES:
                errors.append(
                    f"{name}：文件过大（{_size_label(upload.size)}），"
                    f"每个版面文件不能超过 {_size_label(MAX_PAGE_BYTES)}。"
                )
            if name in seen:
                errors.append(f"{name}：同名文件选择了两次。")
            seen.add(name)
        if errors:
            raise ValidationError(errors)
        return files


@dataclass
class StoryPreview:
    """One parsed story as the preview table shows it."""

    position: int
    kind: str
    section: str
    kicker: str
    headline: str
    subtitle: str
    credit_lines: list[str]
    paragraph_count: int
    excerpt: str
    unions: list[dict]
    events: list[str]
    topics: list[str]

    @classmethod
    def from_parsed(cls, parsed: ParsedArticle) -> "StoryPreview":
        credits = [credit_rules.Credit(c.name, c.title, c.contribution) for c in parsed.bylines]
        if parsed.kind == Article.Kind.PROFILE:
            lead = credit_rules.standalone_byline(credits)
        else:
            lead = credit_rules.lead_in(parsed.dateline or "", credits)
        photo = credit_rules.photo_credit(credits, photo_story=parsed.kind == Article.Kind.PHOTO)
        first = parsed.paragraphs[0] if parsed.paragraphs else ""
        return cls(
            position=parsed.position,
            kind=Article.Kind(parsed.kind).label,
            section=parsed.section or "",
            kicker=parsed.kicker or "",
            headline=parsed.headline,
            subtitle=parsed.subtitle or "",
            credit_lines=[line for line in (lead, photo) if line],
            paragraph_count=len(parsed.paragraphs),
            excerpt=Truncator(first).chars(EXCERPT_CHARS),
            unions=[
                {
                    "name": u.name,
                    "printed": u.printed if u.printed and u.printed != u.name else "",
                    "proposed": not u.known,
                }
                for u in parsed.union_mentions
            ],
            events=[
                (f"{e.edition_year}年" if e.edition_year else "")
                + f"{e.name}（{EventKind(e.kind).label}）"
                for e in parsed.events
            ],
            topics=list(parsed.topics),
        )


@dataclass
class PagePreview:
    """One uploaded file: its parse, or the error that stops it."""

    source: str
    error: str = ""
    column: str = ""
    stories: list[StoryPreview] = field(default_factory=list)
    #: "" for a new page, "unchanged" when the same content was imported before,
    #: "conflict" when a page of this name was imported with other content.
    previous: str = ""
    previous_at: object = None
    digest: str = ""


def import_pages_view(request, *, model_admin):
    """The admin view behind the 导入版面 button; see the module docstring for the flow."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, model_admin)
    if request.method == "POST":
        form = PageUploadForm(request.POST, request.FILES)
        if form.is_valid():
            return _preview(request, model_admin, form.cleaned_data["pages"])
    else:
        form = PageUploadForm()
    return _render(request, model_admin, "import_upload.html", "导入版面", {"form": form})


def _render(request, model_admin, template, title, context):
    opts = model_admin.opts
    return TemplateResponse(
        request,
        [f"admin/{opts.app_label}/{opts.model_name}/{template}"],
        {
            **model_admin.admin_site.each_context(request),
            "opts": opts,
            "title": title,
            "subtitle": None,
            "max_page_size": _size_label(MAX_PAGE_BYTES),
            **context,
        },
    )


def _preview(request, model_admin, uploads):
    pages, pending = [], []
    for upload in uploads:
        source = Path(upload.name).name
        data = upload.read()
        try:
            parsed = preview_page(data=data, source=source)
        except PageParseError as exc:
            pages.append(PagePreview(source=source, error=str(exc)))
            continue
        except Exception:  # a parser bug must not cost the editor the other pages
            logger.exception("preview of %s failed", source)
            pages.append(
                PagePreview(
                    source=source, error=f"{source}：解析时发生内部错误，已记录，请联系技术人员。"
                )
            )
            continue
        pages.append(
            PagePreview(
                source=source,
                column=parsed.column or "",
                stories=[StoryPreview.from_parsed(a) for a in parsed.articles],
                digest=parsed.digest,
            )
        )
        pending.append({"source": source, "data": base64.b64encode(data).decode("ascii")})

    previous = {
        p.source_file: p
        for p in ImportedPage.objects.filter(source_file__in=[p.source for p in pages])
    }
    for page in pages:
        record = previous.get(page.source)
        if record is not None and not page.error:
            page.previous = "unchanged" if record.digest == page.digest else "conflict"
            page.previous_at = record.imported_at

    token = ""
    if pending:
        token = secrets.token_urlsafe(16)
        request.session[SESSION_KEY] = {"token": token, "pages": pending}
    else:
        request.session.pop(SESSION_KEY, None)
    return _render(
        request,
        model_admin,
        "import_preview.html",
        "导入版面：预览",
        {
            "pages": pages,
            "token": token,
            "story_count": sum(len(p.stories) for p in pages),
            "importable": [p for p in pages if not p.error],
            "failed": [p for p in pages if p.error],
        },
    )


def _confirm(request, model_admin):
    upload_url = reverse("admin:articles_article_import")
    pending = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    if not pending or not token or not secrets.compare_digest(pending["token"], token):
        messages.error(
            request,
            "这份预览已失效（可能已经导入，或在另一个窗口重新上传过），请重新上传版面文件。",
        )
        return redirect(upload_url)
    del request.session[SESSION_KEY]

    changelist = reverse("admin:articles_article_changelist")
    created_pages = []
    for item in pending["pages"]:
        source, data = item["source"], base64.b64decode(item["data"])
        try:
            result = import_page(data=data, source=source, user=request.user)
        except (PageParseError, ImportConflict) as exc:
            messages.error(request, f"{exc}（本版面未导入任何稿件。）")
            continue
        except Exception:
            logger.exception("import of %s failed", source)
            messages.error(request, f"{source}：导入时发生内部错误，本版面未写入任何内容。")
            continue
        if result.unchanged:
            messages.info(request, f"{source}：此前已导入过相同内容，没有改动。")
            continue
        created_pages.append(source)
        proposed = []
        if result.proposed_unions:
            proposed.append(f"新提议工会 {len(result.proposed_unions)} 个")
        if result.proposed_events:
            proposed.append(f"新提议活动 {len(result.proposed_events)} 个")
        messages.success(
            request,
            format_html(
                '{}：已导入 {} 篇稿件（草稿）{}。<a href="{}?{}">查看本版稿件</a>',
                source,
                len(result.articles),
                f"，{'、'.join(proposed)}，待审核" if proposed else "",
                changelist,
                urlencode({"source_file": source}),
            ),
        )
    if len(created_pages) == 1:
        return redirect(f"{changelist}?{urlencode({'source_file': created_pages[0]})}")
    return redirect(changelist)


# -- the workflow on the desk -------------------------------------------------------------------


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


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[quote(article.pk)])


def _back_url(request, default: str) -> str:
    """``?next=`` when it points into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def visible_article(request, model_admin, object_id) -> Article:
    """The story if the user may open it on the desk, else 404 (saying nothing about it)."""
    article = model_admin.get_object(request, unquote(object_id))
    if article is None or not model_admin.has_view_or_change_permission(request, article):
        raise Http404("没有这篇稿件，或你无权查看。")
    return article


def _done_message(article: Article, move: Move) -> str:
    message = f"“{article.headline}”已{move.verb}，当前状态：{article.get_status_display()}。"
    if move.name == "schedule":
        message += f"将于 {local_datetime_label(article.publish_at)} 自动上线。"
    return message


def _default_schedule_time():
    """Tomorrow 08:00 in the paper's time zone: when the morning paper's stories go up."""
    tomorrow = timezone.localtime() + timedelta(days=1)
    return tomorrow.replace(hour=8, minute=0, second=0, microsecond=0)


def transition_view(request, object_id, move_name, *, model_admin):
    """The confirmation page of one workflow step (GET), and the step itself (POST).

    GET shows the title block, the state now and after, a comment box (required to return a
    story) and, to schedule, the publish time. POST calls the service; whether it succeeds
    or the service refuses (:class:`TransitionNotAllowed`), the user goes back to the story
    with a message saying so.
    """
    move = MOVES.get(move_name)
    if move is None:
        raise Http404("没有这个审稿操作。")
    article = visible_article(request, model_admin, object_id)
    back = _back_url(request, change_url(article))
    if request.method == "POST":
        form = TransitionForm(request.POST, move=move)
        if form.is_valid():
            try:
                move.run(
                    article=article,
                    user=request.user,
                    comment=form.cleaned_data.get("comment", ""),
                    at=form.cleaned_data.get("publish_at"),
                )
            except TransitionNotAllowed as exc:
                messages.error(request, f"“{article.headline}”未能{move.verb}：{exc}")
            else:
                messages.success(request, _done_message(article, move))
            return redirect(back)
    else:
        if move.name not in available_transitions(article, request.user, visible=True):
            messages.error(
                request,
                f"“{article.headline}”当前状态为“{article.get_status_display()}”，"
                f"你不能{move.verb}。",
            )
            return redirect(back)
        initial = {"publish_at": _default_schedule_time()} if move.needs_time else {}
        form = TransitionForm(move=move, initial=initial)
    target = Article.Status(move.target).label
    if move.name == "schedule":
        target += "（定时，到时上线）"
    return _render(
        request,
        model_admin,
        "transition_confirm.html",
        f"{move.label}：{article.headline}",
        {
            "article": article,
            "original": article,
            "move": move,
            "form": form,
            "target_label": target,
            "scheduled_label": local_datetime_label(article.publish_at)
            if article.status == Article.Status.PUBLISHED
            else "",
            "credits": credits_summary(article.credits()),
            "back_url": back,
            "next": request.GET.get("next", "") if request.method == "GET" else back,
        },
    )


def bulk_transition(request, queryset, move_name, *, model_admin):
    """A bulk action with a confirmation page: the first POST (from the list) shows the
    selected stories and whether each can take the step; the confirming POST (``apply``)
    calls the service story by story and reports a count and one warning per refusal."""
    move = MOVES[move_name]
    stories = list(queryset)
    if "apply" in request.POST:
        done = 0
        for article in stories:
            try:
                move.run(article=article, user=request.user)
            except TransitionNotAllowed as exc:
                messages.warning(request, f"“{article.headline}”未能{move.verb}：{exc}")
            else:
                done += 1
        if done:
            messages.success(request, f"已{move.verb} {done} 篇稿件。")
        elif not stories:
            messages.warning(request, "没有选中稿件。")
        return None
    rows = [
        {
            "article": article,
            "credits": credits_summary(article.credits()),
            "ok": move.name in available_transitions(article, request.user, visible=True),
        }
        for article in stories
    ]
    return _render(
        request,
        model_admin,
        "bulk_transition_confirm.html",
        f"{move.label}：确认",
        {
            "move": move,
            "rows": rows,
            "ready": sum(1 for row in rows if row["ok"]),
            "action_name": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


def note_view(request, object_id, *, model_admin):
    """Add an internal note (内部备注) to a story whose form is read-only for this user."""
    article = visible_article(request, model_admin, object_id)
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                article_add_note(article=article, user=request.user, text=form.cleaned_data["text"])
            except TransitionNotAllowed as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "已添加内部备注。")
        else:
            messages.error(request, "备注不能为空。")
    return redirect(change_url(article))


def schedule_view(request, *, model_admin):
    """What goes live when (定时发布): stories published with a time still to come, soonest
    first, with who scheduled them. A fixed number of queries however many are listed."""
    if not request.user.has_perm("articles.publish_article"):
        raise PermissionDenied
    publish_steps = Prefetch(
        "transitions",
        queryset=Transition.objects.filter(to_status=Article.Status.PUBLISHED)
        .select_related("user")
        .order_by("-created_at", "-pk"),
        to_attr="publish_steps",
    )
    stories = Article.objects.scheduled().with_listing().prefetch_related(publish_steps)
    here = reverse("admin:articles_article_schedule")
    rows = []
    for article in stories:
        step = article.publish_steps[0] if article.publish_steps else None
        rows.append(
            {
                "article": article,
                "at": local_datetime_label(article.publish_at),
                "credits": credits_summary(article.credits()),
                "by": person_name(step.user) if step else "",
                "by_at": local_datetime_label(step.created_at) if step else "",
                "change_url": change_url(article),
                "unschedule_url": reverse(
                    "admin:articles_article_transition", args=[article.pk, "unschedule"]
                )
                + "?"
                + urlencode({"next": here}),
            }
        )
    return _render(
        request,
        model_admin,
        "schedule.html",
        "定时发布：什么时候上线什么",
        {"rows": rows, "now": local_datetime_label(timezone.now())},
    )


# -- revisions: the history list and the comparison ------------------------------------------

#: What the comparison shows, in order: (name, label, "line" for a value, "text" for a body).
COMPARE_FIELDS = [
    ("kicker", "引题", "line"),
    ("headline", "主题", "line"),
    ("subtitle", "副题", "line"),
    ("kind", "稿件类型", "line"),
    ("dateline", "电头", "line"),
    ("body", "正文", "text"),
    ("section", "小栏", "line"),
    ("column", "栏目", "line"),
    ("bylines", "署名", "line"),
    ("status", "状态", "line"),
    ("publish_at", "发布时间", "line"),
]


def _versions_of(article):
    return (
        Version.objects.get_for_object(article)
        .select_related("revision", "revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def revision_rows(article) -> list[dict]:
    """The story's revisions, newest first, for the history page (历史)."""
    rows = []
    for version in _versions_of(article):
        try:
            number = version.field_dict.get("version")
        except Exception:  # a revision from an older schema: still listed, number unknown
            number = None
        revision = version.revision
        rows.append(
            {
                "id": version.pk,
                "number": number,
                "date": revision.date_created,
                "date_label": local_datetime_label(revision.date_created),
                "user": person_name(revision.user) if revision.user_id else "—",
                "comment": revision.get_comment(),
                "restore_url": reverse(
                    "admin:articles_article_revision", args=[quote(article.pk), version.pk]
                ),
            }
        )
    return rows


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def _revision_values(article, versions) -> list[dict]:
    """Each revision of ``article`` as display strings per :data:`COMPARE_FIELDS`."""
    fields = [version.field_dict for version in versions]
    byline_versions = Version.objects.get_for_model(Byline).filter(
        revision_id__in=[v.revision_id for v in versions]
    )
    credits_by_revision: dict[int, list[dict]] = {v.revision_id: [] for v in versions}
    for byline in byline_versions:
        data = byline.field_dict
        if data.get("article_id") == article.pk:
            credits_by_revision[byline.revision_id].append({**data, "pk": byline.object_id})
    reporters = Reporter.objects.in_bulk(
        {c["reporter_id"] for rows in credits_by_revision.values() for c in rows}
    )
    columns = Column.objects.in_bulk({f.get("column_id") for f in fields} - {None})
    values = []
    for version, data in zip(versions, fields, strict=True):
        credits = [
            credit_rules.Credit(
                reporters[c["reporter_id"]].name
                if c["reporter_id"] in reporters
                else f"（已删除的作者 #{c['reporter_id']}）",
                c["title"],
                c["contribution"],
            )
            for c in sorted(credits_by_revision[version.revision_id], key=lambda c: c["order"])
        ]
        column = columns.get(data.get("column_id"))
        values.append(
            {
                "kicker": data.get("kicker", ""),
                "headline": data.get("headline", ""),
                "subtitle": data.get("subtitle", ""),
                "kind": _label(Article.Kind, data.get("kind")),
                "dateline": data.get("dateline", ""),
                "body": data.get("body", ""),
                "section": data.get("section", ""),
                "column": column.name if column else "",
                "bylines": credits_summary(credits),
                "status": _label(Article.Status, data.get("status")),
                "publish_at": local_datetime_label(data.get("publish_at")),
            }
        )
    return values


def _version_id(value: str):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def compare_view(request, object_id, *, model_admin):
    """Two revisions of a story side by side, field by field (对比): ``?from=<version id>``
    and ``?to=<version id>``, both of this story; the older one is always shown as the
    "before". Without them, the two newest revisions."""
    article = visible_article(request, model_admin, object_id)
    history_url = reverse("admin:articles_article_history", args=[quote(article.pk)])
    versions = _versions_of(article)
    wanted = [_version_id(request.GET.get("from")), _version_id(request.GET.get("to"))]
    if wanted == [None, None]:
        chosen = list(versions[:2])
    else:
        chosen = list(versions.filter(pk__in=[w for w in wanted if w is not None]))
    if len(chosen) != 2:
        messages.error(request, "请在历史记录中选择这篇稿件的两个不同版本进行对比。")
        return redirect(history_url)
    older, newer = sorted(chosen, key=lambda v: (v.revision.date_created, v.pk))
    try:
        before, after = _revision_values(article, [older, newer])
    except Exception:
        logger.exception("comparing versions %s and %s failed", older.pk, newer.pk)
        messages.error(request, "这两个版本的数据无法读取（可能来自旧的数据结构），不能对比。")
        return redirect(history_url)
    rows = diffs.compare(COMPARE_FIELDS, before, after)
    revisions = []
    for version in (older, newer):
        revisions.append(
            {
                "id": version.pk,
                "number": version.field_dict.get("version"),
                "date_label": local_datetime_label(version.revision.date_created),
                "user": person_name(version.revision.user) if version.revision.user_id else "—",
                "comment": version.revision.get_comment(),
                "restore_url": reverse(
                    "admin:articles_article_revision", args=[quote(article.pk), version.pk]
                ),
            }
        )
    return _render(
        request,
        model_admin,
        "compare.html",
        f"对比版本：{article.headline}",
        {
            "article": article,
            "original": article,
            "older": revisions[0],
            "newer": revisions[1],
            "changed": [row for row in rows if row.changed],
            "unchanged": [row for row in rows if not row.changed],
            "history_url": history_url,
            "can_restore": model_admin.has_change_permission(request, article),
        },
    )


# -- a save the desk refused --------------------------------------------------------------------


def save_refused(request, model_admin, article, message: str, *, status: int):
    """The page for a story form that could not be saved at all (the story is no longer
    editable by this user, or someone saved in the very same moment): the reason, and what
    the user submitted, so that nothing typed is lost."""
    submitted = [
        (label, request.POST.get(name, ""))
        for name, label, _ in CONFLICT_FIELDS
        if request.POST.get(name, "")
    ]
    response = _render(
        request,
        model_admin,
        "save_refused.html",
        f"未能保存：{article.headline}",
        {
            "article": article,
            "original": article,
            "message": message,
            "submitted": submitted,
            "change_url": change_url(article),
        },
    )
    response.status_code = status
    return response
