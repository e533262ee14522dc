"""Importing a day's paper from the admin (导入整期): the date, the issue number and each
page's file; a preview of every page and story; then the import, page by page.

1. The editor fills in the edition and one row per page (版次, 版名, 版面编辑, file).
2. Each file is parsed (``articles.services.preview_page``) and shown story by story, with
   the title block's parts labelled (引题 / 主题 / 副题). A page imported before, under this
   name or another (its content digest), is marked; nothing is written.
3. On confirm the pages are imported one after another (``editions.services.page_import``,
   one transaction a page) and the page shows each as it lands.

Between preview and confirm the text files wait in the editor's session under a random token,
as for the single-page import (``articles.admin.views.imports``), and their scans in the file
storage (``editions.pending``): a stale confirm is refused.
"""

import base64
import logging
import secrets
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from articles.admin.views.base import DeskView
from articles.admin.views.imports import StoryPreview
from articles.importer import PageParseError
from articles.models import ImportedPage
from articles.services import ImportConflict, NotAllowed, imported_before, preview_page
from unionnews.dates import datetime_label

from .. import pending as held
from ..import_rules import page_refusal, recorded_name
from ..models import Edition, Page
from ..scans import ScanRejected, StoryText, read_scan
from ..services import PageFile, edition_drop_if_empty, edition_open, page_import
from .import_forms import EditionForm, PageRows

logger = logging.getLogger(__name__)

SESSION_KEY = "editions.import_edition.pending"
#: Previews kept at once, newest last: an editor may preview two days' papers in two tabs.
PREVIEWS_KEPT = 3
#: The tokens of the last previews confirmed, with their edition: a reload of the import's
#: page (F5 on the progress page) then says it was imported and where, not "stale".
DONE_KEY = "editions.import_edition.done"
DONE_KEPT = 5
PROGRESS_MARK = "<!--progress-->"


def _previous(source: str, digest: str, number: int, existing: Edition | None):
    """What the desk should know before confirming, and whether the import will refuse the
    page: the page imported before, by name or by content, and where it ran; what
    ``page_refusal`` names; or ``("", False)``."""
    record = ImportedPage.objects.filter(source_file=source).first()
    if record is None and (earlier := imported_before(digest, source)) is not None:
        return (
            f"内容与已导入的版面 {earlier.source_file} 相同（只是文件名不同）{_ran(earlier)}，"
            "已经导入过；确认时这一版不会重复导入。",
            True,
        )
    if record is not None and record.digest != digest:
        return (
            f"同名版面文件 {source} 已于 {datetime_label(record.imported_at)} 导入{_ran(record)}，"
            "这次的内容不同；为免覆盖编辑对已导入稿件的修改，确认时这一版会被拒绝。"
            "如果这是改过的版面，请改用新文件名导入，再删去原来的稿件。",
            True,
        )
    if refusal := page_refusal(edition=existing, number=number, source=source):
        return f"{refusal}确认时这一版会被拒绝。", True
    if record is not None:
        return f"此版面文件此前已导入过，内容相同{_ran(record)}；确认后不会重复导入。", False
    return "", False


def _ran(record: ImportedPage) -> str:
    """Where an imported page ran: "，登在2023年7月15日第3版", or ``""``."""
    page = Page.objects.filter(import_record=record).select_related("edition").first()
    return f"，登在 {page.dated_label}" if page is not None else ""


def _scan_names(pending: dict | None) -> list[str]:
    """The stored scans of a pending import (``editions.pending``)."""
    pages = (pending or {}).get("pages", [])
    return [page["scan"]["kept"] for page in pages if isinstance(page.get("scan"), dict)]


def _stories(parsed, swaps) -> list[dict]:
    """The preview's rows: each story as the single-page import previews it, whether its
    title block's roles were guessed (the row then offers to swap them), and whether the
    editor swapped them (``swaps``: positions)."""
    return [
        {
            "preview": StoryPreview.from_parsed(story),
            "guessed": story.title_guessed,
            "swapped": story.position in swaps,
        }
        for story in parsed.articles
    ]


def _texts(parsed) -> list[StoryText]:
    """The parsed stories as the scan's reader looks for them, keyed by layout order."""
    return [
        StoryText(
            key=story.position,
            headline=story.headline,
            kicker=story.kicker or "",
            last=(story.paragraphs or [""])[-1],
        )
        for story in parsed.articles
    ]


class EditionImportView(DeskView):
    template = "import_upload.html"
    title = "导入整期"

    def check(self) -> None:
        if not self.desk.can_import:
            raise PermissionDenied("你没有权限导入版面。")

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(form=EditionForm(), rows=PageRows(prefix="pages"))
        )

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            return self.confirm()
        if "swap" in request.POST:
            return self.swap()
        form = EditionForm(request.POST)
        rows = PageRows(request.POST, request.FILES, prefix="pages")
        if not (form.is_valid() and rows.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, rows=rows))
        return self.preview(
            form.cleaned_data, [r.cleaned_data for r in rows.forms if r.cleaned_data.get("file")]
        )

    def preview(self, edition, rows):
        """Keep the uploaded rows in the session (their scans in the file storage,
        ``editions.pending``) and show the preview."""
        held.discard_stale()
        pending = []
        for row in sorted(rows, key=lambda r: r["number"]):
            scan = row.get("scan")
            pending.append(
                {
                    "number": row["number"],
                    "name": row["name"],
                    "editor": row["editor"],
                    "source": Path(row["file"].name).name,
                    "data": base64.b64encode(row["file"].read()).decode("ascii"),
                    "scan": None
                    if scan is None
                    else {"name": Path(scan.name).name, "kept": held.keep(scan.read())},
                    "swaps": [],
                }
            )
        new = {
            "token": secrets.token_urlsafe(16),
            "paper_date": edition["paper_date"].isoformat(),
            "issue_number": edition["issue_number"],
            "pages": pending,
        }
        previews = [*self.previews(), new]
        for dropped in previews[:-PREVIEWS_KEPT]:
            held.discard(_scan_names(dropped))
        self.request.session[SESSION_KEY] = previews[-PREVIEWS_KEPT:]
        return self.show_preview(new)

    def previews(self) -> list[dict]:
        """The previews waiting in the session, oldest first."""
        kept = self.request.session.get(SESSION_KEY) or []
        return [p for p in kept if isinstance(p, dict) and "token" in p]

    def show_preview(self, pending: dict):
        """The preview of what waits in the session: each page parsed again, with the title
        blocks the editor swapped; nothing is written."""
        paper_date = date.fromisoformat(pending["paper_date"])
        existing = Edition.objects.filter(paper_date=paper_date).first()
        pages = []
        for index, item in enumerate(pending["pages"]):
            page = {key: item[key] for key in ("number", "name", "editor", "source")}
            page["index"] = index
            try:
                parsed = preview_page(
                    data=base64.b64decode(item["data"]), source=item["source"], swaps=item["swaps"]
                )
            except PageParseError as exc:
                pages.append({**page, "error": str(exc)})
                continue
            page["stories"] = _stories(parsed, set(item["swaps"]))
            page["column"] = parsed.column or ""
            source = recorded_name(paper_date=paper_date, name=parsed.source, digest=parsed.digest)
            page["previous"], page["refused"] = _previous(
                source, parsed.digest, item["number"], existing
            )
            if scan := item["scan"]:
                if "kind" not in scan and "error" not in scan:
                    self.read_scan_once(scan, parsed)
                if scan.get("error"):
                    pages.append({**page, "error": scan["error"]})
                    continue
                page["scan"] = {key: scan[key] for key in ("name", "kind", "found")}
            pages.append(page)
        importable = [page for page in pages if not page.get("error") and not page.get("refused")]
        self.template, self.title = "import_preview.html", "导入整期：预览"
        return self.render_to_response(
            self.get_context_data(
                edition={"paper_date": paper_date, "issue_number": pending["issue_number"]},
                existing=existing,
                can_delete_edition=self.desk.can_delete_editions,
                pages=pages,
                token=pending["token"] if importable else "",
                importable=len(importable),
                story_count=sum(len(p["stories"]) for p in importable),
            )
        )

    def read_scan_once(self, scan: dict, parsed) -> None:
        """What the page's scan shows (its kind, how many stories' areas it gives, or why it
        cannot be read), noted in the session: read once, not again at each swap."""
        try:
            found = read_scan(held.read(scan["kept"]), name=scan["name"], stories=_texts(parsed))
        except ScanRejected as exc:
            scan["error"] = str(exc)
        except FileNotFoundError:
            scan["error"] = f"版面原件 {scan['name']} 已失效，请重新上传。"
        else:
            scan.update(kind=found.kind, found=len(found.areas))
        self.request.session.modified = True

    def swap(self):
        """One click turns a guessed title block round (again: back); the preview is shown
        again with it."""
        pending = self.pending()
        if pending is None:
            return redirect("admin:editions_edition_import")
        index, _, position = self.request.POST.get("swap", "").partition(":")
        if index.isdigit() and position.isdigit() and int(index) < len(pending["pages"]):
            page = pending["pages"][int(index)]
            page["swaps"] = sorted(set(page["swaps"]) ^ {int(position)})
            self.request.session.modified = True
        return self.show_preview(pending)

    def pending(self):
        """The previewed upload this form was made from, or ``None`` (with a message) when
        the preview is stale: imported already, or one of more than ``PREVIEWS_KEPT``."""
        token = self.request.POST.get("token", "")
        for pending in self.previews():
            if token and secrets.compare_digest(pending["token"], token):
                return pending
        done = self.request.session.get(DONE_KEY) or {}
        if token in done and (edition := Edition.objects.filter(pk=done[token]).first()):
            messages.info(
                self.request,
                format_html(
                    '这份预览已经导入了 {}：<a href="{}">查看本期</a>。',
                    edition,
                    self.change_url(edition),
                ),
            )
            return None
        messages.error(
            self.request,
            "这份预览已失效（可能已经导入，或之后又预览了好几次），请重新选择文件。",
        )
        return None

    def confirm(self):
        request = self.request
        pending = self.pending()
        if pending is None:
            return redirect("admin:editions_edition_import")
        try:
            edition, created = edition_open(
                user=request.user,
                paper_date=date.fromisoformat(pending["paper_date"]),
                issue_number=pending["issue_number"],
            )
        except (ImportConflict, NotAllowed) as exc:
            # Nothing was imported (another editor took the number since the preview, say):
            # the preview stays on screen with the reason.
            messages.error(request, f"{exc}没有导入任何版面。")
            return self.show_preview(pending)
        request.session[SESSION_KEY] = [
            p for p in self.previews() if p["token"] != pending["token"]
        ]
        done = list((request.session.get(DONE_KEY) or {}).items())[-(DONE_KEPT - 1) :]
        request.session[DONE_KEY] = {**dict(done), pending["token"]: edition.pk}
        try:
            files = [
                PageFile(
                    number=item["number"],
                    source=item["source"],
                    data=base64.b64decode(item["data"]),
                    name=item["name"],
                    editor=item["editor"],
                    scan=None
                    if not item["scan"]
                    else (item["scan"]["name"], held.read(item["scan"]["kept"])),
                    swaps=frozenset(item["swaps"]),
                )
                for item in pending["pages"]
            ]
        except FileNotFoundError:
            messages.error(request, "上传的版面原件已失效，没有导入任何版面，请重新选择文件。")
            return redirect("admin:editions_edition_import")
        finally:
            held.discard(_scan_names(pending))
        page = render_to_string(
            "admin/editions/edition/import_progress.html",
            self.get_context_data(
                title=f"导入整期：{edition}",
                edition=edition,
                total=len(files),
            ),
            request=request,
        )
        head, tail = page.split(PROGRESS_MARK, 1)
        response = StreamingHttpResponse(self.progress(edition, created, files, head, tail))
        response["X-Accel-Buffering"] = "no"  # nginx passes each page's line on at once
        return response

    @staticmethod
    def change_url(edition) -> str:
        return reverse("admin:editions_edition_change", args=[edition.pk])

    def progress(self, edition, created, files, head, tail):
        """The progress page: its top (which opens the list), one line per page as it is
        imported, the list's end and what the import did in all, its bottom."""
        yield head
        new_stories = 0
        for index, file in enumerate(files, start=1):
            where = f"[{index}/{len(files)}] 第{file.number}版" + (
                f" {file.name}" if file.name else ""
            )
            try:
                outcome = page_import(user=self.request.user, edition=edition, file=file)
            except (PageParseError, ImportConflict, NotAllowed, ScanRejected) as exc:
                message = str(exc)
            except Exception:  # a bug must not cost the editor the other pages
                logger.exception("import of %s into %s failed", file.source, edition)
                message = "导入时发生内部错误，已记录，请联系技术人员。"
            else:
                message = ""
            if message:
                # The message names the file already; it ends its own sentence.
                yield format_html(
                    '<li class="error">{} {}本版没有写入任何内容。</li>\n', where, message
                )
                continue
            count = outcome.page.placements.count()
            if outcome.imported.unchanged:
                state = f"此前已导入，内容相同，没有改动（本版 {count} 篇稿件）"
            else:
                new_stories += len(outcome.imported.articles)
                state = f"已导入 {len(outcome.imported.articles)} 篇稿件（草稿）"
            if file.scan is not None:
                found = outcome.page.placements.exclude(area_left=None).count()
                state += f"；已附版面原件，找到 {found} 篇稿件在版面上的位置"
            label = f"[{index}/{len(files)}] {outcome.page.label}"
            yield format_html("<li>{}（{}）：{}。</li>\n", label, file.source, state)
        if created and edition_drop_if_empty(user=self.request.user, edition=edition):
            yield format_html(
                '</ol>\n<p class="import-summary">{} <a href="{}">重新上传</a></p>\n',
                f"没有导入任何版面，{edition} 这一期没有建立；请改正上面的问题后重新上传。",
                reverse("admin:editions_edition_import"),
            )
            yield tail
            return
        edition.refresh_from_db()
        if new_stories:
            after = "审核这些稿件后即可发布本期。"
            if edition.status == Edition.Status.PUBLISHED:
                after = "本期已经发布：这些稿件审核后请逐篇发布。"
            summary = f"新导入 {new_stories} 篇稿件，均为草稿；{after}"
        else:
            summary = "这次没有新导入的稿件。"
        yield format_html(
            '</ol>\n<p class="import-summary">{} <a href="{}">查看本期</a></p>\n',
            summary,
            self.change_url(edition),
        )
        yield tail
