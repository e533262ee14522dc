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
"""

import base64
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator

from events.models import EventKind

from ... import credits as credit_rules
from ...importer import PageParseError, ParsedArticle
from ...importer.text import MAX_PAGE_BYTES
from ...models import Article, ImportedPage
from ...services import ImportConflict, NotAllowed, import_page, imported_before, preview_page
from .base import DeskView

logger = logging.getLogger(__name__)

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
        # A file name too long for the import record is the importer's to name (that file
        # refused, the others previewed), not a form error refusing the whole upload.
        allow_empty_file=True,
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
    #: "conflict" when a page of this name was imported with other content, "duplicate"
    #: when the same content was imported under another name.
    previous: str = ""
    previous_at: object = None
    #: For "duplicate": the file name the same content was imported under.
    previous_source: str = ""
    digest: str = ""


class ImportView(DeskView):
    """The admin view behind the 导入版面 button; see the module docstring for the flow."""

    template = "import_upload.html"
    title = "导入版面"

    def check(self) -> None:
        if not self.desk.can_import:
            raise PermissionDenied("你没有权限导入版面。")

    def get_context_data(self, **kwargs):
        return super().get_context_data(max_page_size=_size_label(MAX_PAGE_BYTES), **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=PageUploadForm()))

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            return self.confirm()
        form = PageUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        return self.preview(form.cleaned_data["pages"])

    def preview(self, uploads):
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
                        source=source,
                        error=f"{source}：解析时发生内部错误，已记录，请联系技术人员。",
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
            elif not page.error and (earlier := imported_before(page.digest, page.source)):
                # The same content under another file name (a GB18030 copy, say).
                page.previous, page.previous_at = "duplicate", earlier.imported_at
                page.previous_source = earlier.source_file

        token = ""
        if pending:
            token = secrets.token_urlsafe(16)
            self.request.session[SESSION_KEY] = {"token": token, "pages": pending}
        else:
            self.request.session.pop(SESSION_KEY, None)
        self.template, self.title = "import_preview.html", "导入版面：预览"
        return self.render_to_response(
            self.get_context_data(
                pages=pages,
                token=token,
                story_count=sum(len(p.stories) for p in pages),
                importable=[p for p in pages if not p.error],
                failed=[p for p in pages if p.error],
            )
        )

    def confirm(self):
        request = self.request
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
            except (PageParseError, ImportConflict, NotAllowed) as exc:
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
