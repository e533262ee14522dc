"""The print-page import (DESIGN.md, "Print-page import: the contract"): a page of the paper's
layout text becomes draft stories, with their credits, unions, events and topics.

The parser (``articles/importer/``) is pure Python; here its result is written, one page per
transaction: the stories as drafts (each with its first revision), the people credited
(matched to the desk's reporters, staff before correspondents), and the unions and events the
directory lacks, proposed for review. The importer's remark on where a proposal was found is a
desk note, never a public description.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import reversion
from django.db import transaction
from taggit.models import Tag

from events.models import Event
from events.services import event_propose
from organizations.models import Union, UnionAlias
from organizations.services import union_propose
from unionnews import audit
from unionnews.actors import SYSTEM, user_row
from unionnews.dates import datetime_label

from ..importer import PageParseError, ParsedPage, UnionDirectory, UnionEntry, parse_page
from ..models import Article, Byline, Column, ImportedPage, Reporter
from ..workflow import DeskTester
from .changes import record_new_story
from .errors import ImportConflict, NotAllowed

__all__ = [
    "PageImport",
    "PageParseError",
    "duplicate_message",
    "import_files",
    "import_page",
    "imported_before",
    "preview_page",
]


@dataclass
class PageImport:
    """What importing one page did: the parse, the stories written (empty for a dry run or
    a page imported before), and the unions and events proposed for review."""

    page: ParsedPage
    articles: list[Article] = field(default_factory=list)
    unchanged: bool = False
    #: The import record (导入记录): the new one, or for an unchanged page the earlier one.
    record: ImportedPage | None = None
    proposed_unions: list[Union] = field(default_factory=list)
    proposed_events: list[Event] = field(default_factory=list)


_directory_cache: dict[tuple, UnionDirectory] = {}


def union_directory() -> UnionDirectory:
    """The whole directory (reviewed and proposed unions) as the importer's lookup.

    Two queries read the names; the lookup (with its jieba word list, which takes a moment to
    build) is rebuilt only when a name, alias or kind differs from the last call's.
    """
    aliases: dict[int, list[str]] = {}
    for union_id, name in UnionAlias.objects.order_by("pk").values_list("union_id", "name"):
        aliases.setdefault(union_id, []).append(name)
    entries = tuple(
        UnionEntry(name, kind, tuple(aliases.get(pk, [])) + ((short,) if short else ()))
        for pk, name, kind, short in Union.objects.order_by("pk").values_list(
            "pk", "name", "kind", "short_name"
        )
    )
    if entries not in _directory_cache:
        _directory_cache.clear()
        _directory_cache[entries] = UnionDirectory(list(entries))
    return _directory_cache[entries]


def preview_page(*, data: bytes, source: str, swaps: Iterable[int] = ()) -> ParsedPage:
    """Parse a page against the current directory and columns; writes nothing. ``swaps``:
    the positions of stories whose guessed two-line title block the editor turned round
    (``ParsedArticle.swap_title_roles``).

    Raises :class:`~articles.importer.PageParseError` naming the file and line: for a page
    that cannot be parsed, and for one with a value longer than the database keeps
    (:func:`check_fits`), so that the dry run and the import refuse the same pages.
    """
    source = Path(source).name
    _fits(source, "版面文件名", ImportedPage, "source_file", source=source, line=None)
    page = parse_page(
        data,
        source=source,
        directory=union_directory(),
        known_columns=Column.objects.values_list("name", flat=True),
    )
    swaps = set(swaps)
    for article in page.articles:
        if article.position in swaps:
            article.swap_title_roles()
    check_fits(page)
    return page


def _limit(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _fits(
    value, what: str, model, field: str, *, source: str, line: int | None, within: str = ""
) -> None:
    """Refuse ``value`` if longer than ``model.field`` keeps: the message names ``what`` it
    is, and ``within`` (a story, when the value was found in its text rather than on a line
    of its own, the line then being the story's first)."""
    limit = _limit(model, field)
    if value and len(value) > limit:
        # A line of its own this long has likely swallowed the lines after it.
        hint = "" if line is None or within else "；请检查这一行是否把几行连在了一起"
        raise PageParseError(
            f"{within}{what}“{value[:20]}…”有 {len(value)} 个字，超过了 {limit} 字的上限{hint}",
            source=source,
            line=line,
        )


def check_fits(page: ParsedPage) -> None:
    """Refuse a parsed page any of whose values the database cannot keep: every field the
    parser fills, checked against its model field's length (issue 10: on PostgreSQL a value
    too long was a ``DataError`` traceback, not a message). Raises ``PageParseError`` naming
    the file, the value's own line (the banner, a section heading, a title block) or, for
    what the parser found in a story's text (credits, unions, events, topics), the story's
    first line and headline, and the limit."""
    source = page.source
    _fits(page.column, "栏目名", Column, "name", source=source, line=page.column_line)
    tag_limit = Tag._meta.get_field("name").max_length
    for story in page.articles:
        where = {"source": source, "line": story.line}
        for name, what in (("kicker", "引题"), ("headline", "主题"), ("subtitle", "副题")):
            _fits(getattr(story, name), what, Article, name, **where)
        _fits(story.section, "小栏", Article, "section", source=source, line=story.section_line)
        inside = {**where, "within": f"从这一行起的稿件“{story.headline[:20]}”中，"}
        _fits(story.dateline, "电头", Article, "dateline", **inside)
        for credit in story.bylines:
            _fits(credit.name, "署名的姓名", Reporter, "name", **inside)
        for mention in story.union_mentions:
            if not mention.known:
                _fits(mention.name, "新提议的工会名称", Union, "name", **inside)
        for event in story.events:
            _fits(event.name, "活动名称", Event, "name", **inside)
        for topic in story.topics:
            if len(topic) > tag_limit:
                raise PageParseError(
                    f"{inside['within']}话题“{topic[:20]}…”超过 {tag_limit} 字", **where
                )


def imported_before(digest: str, source: str) -> ImportedPage | None:
    """The import record of the same content under another file name, if any: a page is
    recognised by its digest (the sha256 of its normalised text, so a GB18030 copy of a
    UTF-8 page is the same page), not by its name (issue 12, "Duplicates")."""
    return (
        ImportedPage.objects.filter(digest=digest)
        .exclude(source_file=source)
        .order_by("imported_at", "pk")
        .first()
    )


def duplicate_message(source: str, earlier: ImportedPage) -> str:
    return (
        f"{source}：内容与 {datetime_label(earlier.imported_at)} 导入的版面 "
        f"{earlier.source_file} 相同（只是文件名不同），已经导入过，没有重复导入。"
    )


def import_page(*, data: bytes, source: str, user=SYSTEM, swaps: Iterable[int] = ()) -> PageImport:
    """Import one printed page as draft stories, in one transaction, as ``user`` (an editor
    who may import pages, or ``SYSTEM`` for the command line).

    ``source`` is the page's file name. Importing the same content again under the same name
    changes nothing (``unchanged=True``). Raises ``PageParseError`` (nothing written) for a
    page that cannot be parsed; :class:`ImportConflict` for a page of the same name whose
    content differs from what was imported, and for the same content imported before under
    another name (:func:`imported_before`); :class:`NotAllowed` for a user who may not import
    pages. ``swaps`` as for :func:`preview_page`. Where the stories ran (edition, page) is
    the ``editions`` app's to record.
    """
    if not DeskTester(user).can_import:
        raise NotAllowed("你没有权限导入版面。")
    page = preview_page(data=data, source=source, swaps=swaps)
    source = page.source
    with transaction.atomic(), reversion.create_revision():
        previous = ImportedPage.objects.select_for_update().filter(source_file=source).first()
        if previous is not None:
            if previous.digest == page.digest:
                return PageImport(page=page, unchanged=True, record=previous)
            raise ImportConflict(
                f"{source}：此版面已于 {datetime_label(previous.imported_at)} "
                "导入，内容与这次不同。为免覆盖编辑的修改，没有导入；请改用新文件名，"
                "或先删除原导入记录及其稿件。"
            )
        if (earlier := imported_before(page.digest, source)) is not None:
            raise ImportConflict(duplicate_message(source, earlier))
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
            result.articles.append(_write_article(parsed, page, column, result, user))
        result.record = record = ImportedPage.objects.create(
            source_file=source,
            digest=page.digest,
            encoding=page.encoding,
            imported_by=user_row(user),
            article_count=len(result.articles),
        )
        reversion.set_comment(f"导入版面 {source}")
        audit.log(
            user=user,
            action="import.page",
            obj=record,
            summary=f"导入版面 {source}：{len(result.articles)} 篇草稿",
            articles=[a.pk for a in result.articles],
        )
    return result


def import_files(paths: Iterable[Path], *, user=SYSTEM) -> list[PageImport]:
    """Import each file in order; each page is its own transaction (see :func:`import_page`)."""
    return [import_page(data=Path(p).read_bytes(), source=Path(p).name, user=user) for p in paths]


def _reporter_for(credit) -> Reporter:
    """The desk's reporter for a printed credit: the staff reporter of that name before a
    correspondent of the same name, on every database (``Reporter.objects.matching``); a
    new reporter when nobody has the name."""
    reporter = Reporter.objects.matching(credit.name).first()
    if reporter is None:
        reporter = Reporter.objects.create(name=credit.name, title=credit.title)
    return reporter


def _write_article(parsed, page, column, result, user) -> Article:
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
        created_by=user_row(user),
    )
    for order, credit in enumerate(parsed.bylines):
        Byline.objects.get_or_create(
            article=article,
            reporter=_reporter_for(credit),
            contribution=credit.contribution,
            defaults={"title": credit.title, "order": order},
        )
    found = f"由导入程序从版面 {page.source} 中发现，待编辑审核。"
    unions = []
    for mention in parsed.union_mentions:
        union = Union.objects.filter(name=mention.name).first()
        if union is None:
            parent = Union.objects.filter(name=mention.parent).first() if mention.parent else None
            union = union_propose(
                user=user, name=mention.name, kind=mention.kind, parent=parent, desk_note=found
            )
            result.proposed_unions.append(union)
        unions.append(union)
    article.unions.add(*unions)
    for parsed_event in parsed.events:
        event = Event.objects.filter(
            name=parsed_event.name, edition_year=parsed_event.edition_year
        ).first()
        if event is None:
            event = event_propose(
                user=user,
                name=parsed_event.name,
                kind=parsed_event.kind,
                edition_year=parsed_event.edition_year,
                desk_note=found,
                # The union the sentence naming the event names, not the story's first one.
                organizers=[u for u in unions if u.name == parsed_event.organizer][:1],
            )
            result.proposed_events.append(event)
        article.events.add(event)
    if parsed.topics:
        article.tags.add(*parsed.topics)
    record_new_story(article, user=user, action="article.import", summary=f"导入版面 {page.source}")
    return article
