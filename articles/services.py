"""Changes to stories: the workflow transitions and the print-page import.

Each transition is one function (keyword-only, typed). It checks the user's permission and
the story's current state, changes the state in one transaction, writes a
:class:`~articles.models.Transition` row, and otherwise raises :class:`TransitionNotAllowed`
— a domain error, never an HTTP one — so that the admin, the commands and tests behave alike.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from events.models import Event
from organizations.models import Union
from organizations.services import union_directory

from .importer import PageParseError, ParsedPage, parse_page
from .models import Article, Byline, Column, ImportedPage, Reporter, Transition

Status = Article.Status


class TransitionNotAllowed(Exception):
    """A workflow step the user may not take, or not from the story's current state."""


class ImportConflict(Exception):
    """A page already imported with different content; importing again would lose edits."""


# -- workflow -----------------------------------------------------------------------------------


def _transition(
    *,
    article: Article,
    user,
    to: str,
    allowed_from: Iterable[str],
    perm: str | None,
    comment: str = "",
    **changes,
) -> Article:
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if perm and not user.has_perm(perm):
            raise TransitionNotAllowed(f"{user} 没有权限把稿件改为“{Status(to).label}”。")
        if locked.status not in allowed_from:
            raise TransitionNotAllowed(
                f"稿件当前状态为“{locked.get_status_display()}”，不能改为“{Status(to).label}”。"
            )
        from_status = locked.status
        locked.status = to
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "updated_at", *changes])
        Transition.objects.create(
            article=locked, user=user, from_status=from_status, to_status=to, comment=comment
        )
    article.refresh_from_db()
    return article


def article_submit(*, article: Article, user) -> Article:
    """A reporter files a draft or a returned story for review (draft/returned → submitted)."""
    return _transition(
        article=article,
        user=user,
        to=Status.SUBMITTED,
        allowed_from=[Status.DRAFT, Status.RETURNED],
        perm="articles.change_article",
    )


def article_approve(*, article: Article, user, comment: str = "") -> Article:
    """An editor approves a story (submitted → approved). Imported print stories, already
    edited for print, may be approved straight from draft."""
    return _transition(
        article=article,
        user=user,
        to=Status.APPROVED,
        comment=comment,
        allowed_from=[Status.SUBMITTED, Status.DRAFT],
        perm="articles.approve_article",
    )


def article_return(*, article: Article, user, comment: str) -> Article:
    """An editor sends a story back to its reporter with a comment (submitted → returned)."""
    if not comment.strip():
        raise TransitionNotAllowed("退回稿件时请写明修改意见。")
    return _transition(
        article=article,
        user=user,
        to=Status.RETURNED,
        comment=comment,
        allowed_from=[Status.SUBMITTED, Status.APPROVED],
        perm="articles.approve_article",
    )


def article_publish(*, article: Article, user, at: datetime | None = None) -> Article:
    """Publish an approved story now, or at ``at`` (an aware datetime) — a scheduled story
    is public from that moment on every surface, with no job to run."""
    return _transition(
        article=article,
        user=user,
        to=Status.PUBLISHED,
        publish_at=at or timezone.now(),
        allowed_from=[Status.APPROVED],
        perm="articles.publish_article",
    )


def article_withdraw(*, article: Article, user, comment: str = "") -> Article:
    """Take a published story off the public site (published → withdrawn)."""
    return _transition(
        article=article,
        user=user,
        to=Status.WITHDRAWN,
        comment=comment,
        allowed_from=[Status.PUBLISHED],
        perm="articles.publish_article",
    )


# -- print-page import --------------------------------------------------------------------------


@dataclass
class PageImport:
    """What importing one page did: the parse, the stories written (empty for a dry run or
    a page imported before), and the unions and events proposed for review."""

    page: ParsedPage
    articles: list[Article] = field(default_factory=list)
    unchanged: bool = False
    proposed_unions: list[Union] = field(default_factory=list)
    proposed_events: list[Event] = field(default_factory=list)


def preview_page(*, data: bytes, source: str) -> ParsedPage:
    """Parse a page against the current directory and columns; writes nothing.

    Raises :class:`~articles.importer.PageParseError` naming the file and line.
    """
    return parse_page(
        data,
        source=source,
        directory=union_directory(),
        known_columns=Column.objects.values_list("name", flat=True),
    )


def import_page(
    *, data: bytes, source: str, user=None, paper_date: date | None = None, page_number: str = ""
) -> PageImport:
    """Import one printed page as draft stories, in one transaction.

    ``source`` is the page's file name; it identifies the page. Importing the same content
    again changes nothing (``unchanged=True``). Raises ``PageParseError`` (nothing written)
    for a page that cannot be parsed, and :class:`ImportConflict` for a page of the same name
    whose content differs from what was imported.
    """
    source = Path(source).name
    page = preview_page(data=data, source=source)
    with transaction.atomic():
        previous = ImportedPage.objects.select_for_update().filter(source_file=source).first()
        if previous is not None:
            if previous.digest == page.digest:
                return PageImport(page=page, unchanged=True)
            raise ImportConflict(
                f"{source}：此版面已于 {timezone.localtime(previous.imported_at):%Y-%m-%d %H:%M} "
                "导入，内容与这次不同。为免覆盖编辑的修改，没有导入；请改用新文件名，"
                "或先删除原导入记录及其稿件。"
            )
        if Article.objects.filter(source_file=source).exists():
            raise ImportConflict(
                f"{source}：已有来自此版面的稿件，但没有导入记录。为免重复，没有导入；"
                "请先处理这些稿件或改用新文件名。"
            )
        result = PageImport(page=page)
        column = None
        if page.column:
            column, _ = Column.objects.get_or_create(name=page.column)
        for parsed in page.articles:
            result.articles.append(
                _write_article(parsed, page, column, result, user, paper_date, page_number)
            )
        ImportedPage.objects.create(
            source_file=source,
            digest=page.digest,
            encoding=page.encoding,
            paper_date=paper_date,
            page=page_number,
            imported_by=user,
            article_count=len(result.articles),
        )
    return result


def import_files(paths: Iterable[Path], *, user=None) -> list[PageImport]:
    """Import each file in order; each page is its own transaction (see :func:`import_page`)."""
    return [import_page(data=Path(p).read_bytes(), source=Path(p).name, user=user) for p in paths]


def _write_article(parsed, page, column, result, user, paper_date, page_number) -> Article:
    article = Article.objects.create(
        kicker=parsed.kicker or "",
        headline=parsed.headline,
        subtitle=parsed.subtitle or "",
        kind=parsed.kind,
        dateline=parsed.dateline or "",
        body="\n".join(parsed.paragraphs),
        column=column,
        section=parsed.section or "",
        source_file=page.source,
        source_position=parsed.position,
        paper_date=paper_date,
        page=page_number,
        created_by=user,
    )
    for order, credit in enumerate(parsed.bylines):
        reporter = Reporter.objects.filter(name=credit.name).order_by("union_id").first()
        if reporter is None:
            reporter = Reporter.objects.create(name=credit.name, title=credit.title)
        Byline.objects.get_or_create(
            article=article,
            reporter=reporter,
            contribution=credit.contribution,
            defaults={"title": credit.title, "order": order},
        )
    unions = []
    for mention in parsed.union_mentions:
        union = Union.objects.filter(name=mention.name).first()
        if union is None:
            union = Union.objects.create(
                name=mention.name,
                kind=mention.kind,
                reviewed=False,
                parent=Union.objects.filter(name=mention.parent).first()
                if mention.parent
                else None,
                description=f"由导入程序从版面 {page.source} 中发现，待编辑审核。",
            )
            result.proposed_unions.append(union)
        unions.append(union)
    article.unions.add(*unions)
    for parsed_event in parsed.events:
        event = Event.objects.filter(
            name=parsed_event.name, edition_year=parsed_event.edition_year
        ).first()
        if event is None:
            event = Event.objects.create(
                name=parsed_event.name,
                kind=parsed_event.kind,
                edition_year=parsed_event.edition_year,
                reviewed=False,
                description=f"由导入程序从版面 {page.source} 中发现，待编辑审核。",
            )
            if unions:
                event.organizers.add(unions[0])
            result.proposed_events.append(event)
        article.events.add(event)
    if parsed.topics:
        article.tags.add(*parsed.topics)
    return article


__all__ = [
    "ImportConflict",
    "PageImport",
    "PageParseError",
    "TransitionNotAllowed",
    "article_approve",
    "article_publish",
    "article_return",
    "article_submit",
    "article_withdraw",
    "import_files",
    "import_page",
    "preview_page",
]
