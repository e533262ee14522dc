"""Changes to editions (期) and their pages (版): each takes the ``user``, asks the desk's
permission tester, runs in one transaction, leaves an audit entry and retires the public
cache when readers' pages change.

- :func:`edition_open`: the edition of a date, made if new.
- :func:`page_import`: one page file imported as drafts (``articles.services.import_page``),
  then placed on the edition's page of that number in layout order.
- :func:`edition_import`: a whole day's paper, page by page, each page its own transaction,
  reporting each page as it goes (``on_page``).
- :func:`page_attach_scan`: the page's PDF or picture, made into the image readers see,
  with each story's area found from the PDF's text (``editions.scans``).
- :func:`page_save`: an editor's correction of a page (its name, editor, story areas).
- :func:`edition_publish`: the edition and all its ready stories at one time (00:00, say),
  through the stories' own workflow steps, so sign-off and photo rules still hold;
  :func:`edition_unschedule` takes it back before its time.

What an import refuses is read in ``editions.import_rules``; deleting a whole edition
(删除本期) is ``editions.deletion``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from articles.services import (
    ImportConflict,
    NotAllowed,
    PageImport,
    PageParseError,
    article_publish,
    article_unschedule,
    import_page,
    preview_page,
)
from articles.services.photos import delete_files_after_commit
from articles.workflow import DeskTester, tester_for
from unionnews import audit, page_cache
from unionnews.dates import datetime_label

from .import_rules import issue_number_refusal, page_refusal, recorded_name
from .models import Edition, Page, Placement
from .scans import PageScan, ScanRejected, StoryText, read_scan

ACTIONS = {
    "edition.open": "新建期次",
    "edition.page_import": "导入版面到期次",
    "edition.page_scan": "上传版面原件",
    "edition.page_change": "修改版面",
    "edition.publish": "发布期次",
    "edition.unschedule": "撤销期次定时发布",
    "edition.delete": "删除期次",
    "edition.discard": "删除空期次",
}

__all__ = [
    "ACTIONS",
    "EditionImport",
    "PageFile",
    "edition_import",
    "edition_open",
    "edition_publish",
    "edition_unschedule",
    "page_attach_scan",
    "page_import",
    "page_save",
    "ScanRejected",
]


@dataclass(frozen=True)
class PageFile:
    """One page of a day's paper as the desk hands it in: its number (第 3 版), the layout
    system's text file (``source`` its name, ``data`` its bytes), and the page's name and
    page editor as its header prints them."""

    number: int
    source: str
    data: bytes
    name: str = ""
    editor: str = ""
    #: The page's PDF or picture: ``(file name, bytes)``, or ``None``.
    scan: tuple[str, bytes] | None = None
    #: Positions of stories whose guessed two-line title block the editor turned round.
    swaps: frozenset[int] = frozenset()


@dataclass
class PageOutcome:
    """What importing one page did: the import (``None`` when it failed) or the error."""

    file: PageFile
    imported: PageImport | None = None
    page: Page | None = None
    error: str = ""


@dataclass
class EditionImport:
    edition: Edition
    pages: list[PageOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[PageOutcome]:
        return [outcome for outcome in self.pages if outcome.error]


def _check_import(user, edition: Edition | None = None) -> None:
    """Importing and correcting pages is the importers'; changing an edition readers already
    see is a publisher's too (its page images and story areas are on the public site)."""
    desk = DeskTester(user)
    if not desk.can_import:
        raise NotAllowed("你没有权限导入版面。")
    if edition is not None and edition.is_public and not desk.can_publish:
        raise NotAllowed(f"{edition} 已经上线，只有可以发布稿件的编辑才能修改它的版面。")


def edition_open(
    *, user, paper_date: date, issue_number: int | None = None
) -> tuple[Edition, bool]:
    """The edition of ``paper_date`` and whether it was made now (编排中) because the desk had
    none yet. An issue number given for an existing edition without one is kept; one that
    differs is refused (:class:`ImportConflict`), as is a number another edition has."""
    _check_import(user)
    with transaction.atomic():
        edition = Edition.objects.select_for_update().filter(paper_date=paper_date).first()
        if refusal := issue_number_refusal(paper_date=paper_date, issue_number=issue_number):
            raise ImportConflict(refusal)
        created = edition is None
        if created:
            edition = Edition.objects.create(paper_date=paper_date, issue_number=issue_number)
            audit.log(user=user, action="edition.open", obj=edition, summary=f"新建期次 {edition}")
        elif issue_number is not None and edition.issue_number is None:
            edition.issue_number = issue_number
            edition.save(update_fields=["issue_number", "updated_at"])
    return edition, created


def page_import(*, user, edition: Edition, file: PageFile) -> PageOutcome:
    """Import ``file`` and place its stories on page ``file.number`` of ``edition``, in the
    layout order of the file, in one transaction.

    Importing the same file again places nothing twice. The file is recorded under its
    name, or under the name with the day's date when another day's paper ran a file of that
    name (:func:`recorded_name`). With ``file.scan``, the page's PDF
    or picture is attached too (:func:`page_attach_scan`). Raises what ``import_page``
    raises (:class:`PageParseError`, :class:`ImportConflict` for a page already imported
    under another name, :class:`NotAllowed`), :class:`ImportConflict` for what
    :func:`page_refusal` names, when the file's stories ran on another page or the edition
    was deleted meanwhile, and :class:`ScanRejected` for a scan that cannot be read; nothing
    is written then.
    """
    _check_import(user, edition)
    with transaction.atomic():
        # The edition's lock orders this import with its deletion (and an empty one's).
        if not Edition.objects.select_for_update().filter(pk=edition.pk).exists():
            raise ImportConflict(f"{file.source}：{edition} 这一期已被删除，请重新上传。")
        parsed = preview_page(data=file.data, source=file.source, swaps=file.swaps)
        source = recorded_name(
            paper_date=edition.paper_date, name=parsed.source, digest=parsed.digest
        )
        if refusal := page_refusal(edition=edition, number=file.number, source=source):
            raise ImportConflict(refusal)
        imported = import_page(data=file.data, source=source, user=user, swaps=file.swaps)
        record = imported.record
        page, _ = Page.objects.select_for_update().get_or_create(
            edition=edition,
            number=file.number,
            defaults={"name": file.name, "editor": file.editor},
        )
        changed = [
            name for name in ("name", "editor") if getattr(file, name) and not getattr(page, name)
        ]
        for name in changed:
            setattr(page, name, getattr(file, name))
        page.import_record = record
        page.save()
        stories = list(
            Article.objects.filter(source_file=record.source_file).order_by("source_position", "pk")
        )
        elsewhere = Placement.objects.filter(article__in=stories).exclude(page=page).first()
        if elsewhere is not None:
            raise ImportConflict(
                f"{file.source}：这个版面的稿件已见于 {elsewhere.page.dated_label}，"
                "一篇稿件只能登在一个版面上。"
            )
        for position, story in enumerate(stories, start=1):
            Placement.objects.get_or_create(
                article=story, defaults={"page": page, "position": position}
            )
        if file.scan is not None:
            page_attach_scan(user=user, page=page, name=file.scan[0], data=file.scan[1])
        audit.log(
            user=user,
            action="edition.page_import",
            obj=page,
            summary=f"{page.dated_label}：版面文件 {record.source_file}，{len(stories)} 篇稿件",
            articles=[story.pk for story in stories],
        )
        page_cache.retire_for(edition)
    return PageOutcome(file=file, imported=imported, page=page)


def edition_import(
    *,
    user,
    paper_date: date,
    issue_number: int | None,
    files: Sequence[PageFile],
    on_page: Callable[[int, PageOutcome], None] | None = None,
) -> EditionImport:
    """Import a day's paper: the edition, then each page in turn, each in its own
    transaction, so that one broken page costs nothing of the others and the desk sees the
    import advance page by page (``on_page(index, outcome)`` after each). A page that fails
    is reported with its error and writes nothing."""
    edition, created = edition_open(user=user, paper_date=paper_date, issue_number=issue_number)
    result = EditionImport(edition=edition)
    for index, file in enumerate(files):
        try:
            outcome = page_import(user=user, edition=edition, file=file)
        except (PageParseError, ImportConflict, NotAllowed, ScanRejected) as error:
            outcome = PageOutcome(file=file, error=str(error))
        result.pages.append(outcome)
        if on_page is not None:
            on_page(index, outcome)
    if created:
        edition_drop_if_empty(user=user, edition=edition)
    return result


def edition_drop_if_empty(*, user, edition: Edition) -> bool:
    """Remove ``edition`` if it is still with the desk and holds no page: what an import
    that made it leaves when every one of its pages was refused, so that the admin lists no
    empty day. Only the import that made the edition calls it (an edition the desk opened
    before stays). Returns whether it was removed."""
    _check_import(user)
    with transaction.atomic():
        locked = (
            Edition.objects.select_for_update()
            .filter(pk=edition.pk, status=Edition.Status.DRAFT)
            .first()
        )
        if locked is None or locked.pages.exists():
            return False
        audit.log(user=user, action="edition.discard", obj=locked, summary=f"删除空期次 {locked}")
        locked.delete()
    return True


def page_attach_scan(*, user, page: Page, name: str, data: bytes) -> PageScan:
    """Attach the page's scan (a PDF or a picture) to ``page``: the scan is kept, the image
    readers see is made from it, and each story on the page whose headline the PDF's text
    shows gets its area (an area set before is replaced). Raises :class:`ScanRejected` (a
    sentence for the editor; nothing kept) for a file that is not a readable PDF or picture,
    :class:`NotAllowed` for a user who may not import pages."""
    _check_import(user, page.edition)
    placements = list(page.placements.select_related("article"))
    stories = [
        StoryText(
            key=p.pk,
            headline=p.article.headline,
            kicker=p.article.kicker,
            last=(p.article.paragraphs or [""])[-1],
        )
        for p in placements
    ]
    scan = read_scan(data, name=name, stories=stories)
    written: list[str] = []
    try:
        return _store_scan(user, page, name, data, scan, placements, written)
    except BaseException:
        for stored in written:  # a rolled-back change keeps no file
            default_storage.delete(stored)
        raise


def _store_scan(user, page, name, data, scan, placements, written) -> PageScan:
    with transaction.atomic():
        page = Page.objects.select_for_update().get(pk=page.pk)
        old = [f.name for f in (page.scan, page.image) if f]
        page.scan.save(Path(name).name, ContentFile(data), save=False)
        page.scan_name = Path(name).name[:255]
        written.append(page.scan.name)
        page.image.save("page.jpg", ContentFile(scan.image), save=False)
        written.append(page.image.name)
        page.image_width, page.image_height = scan.width, scan.height
        page.save()
        for placement in placements:
            area = scan.areas.get(placement.pk)
            for field_name, value in zip(Placement.AREA_FIELDS, _area_values(area), strict=True):
                setattr(placement, field_name, value)
            placement.save(update_fields=Placement.AREA_FIELDS)
        found = sum(1 for p in placements if p.pk in scan.areas)
        audit.log(
            user=user,
            action="edition.page_scan",
            obj=page,
            summary=f"{page.dated_label}：上传版面原件 {Path(name).name}，"
            f"{len(placements)} 篇稿件中找到 {found} 篇的位置",
        )
        page_cache.retire_for(page.edition)
        kept = {page.scan.name, page.image.name}
        delete_files_after_commit(name for name in old if name not in kept)
    return scan


def _area_values(area) -> tuple:
    if area is None:
        return (None, None, None, None)
    return (area.left, area.top, area.width, area.height)


def page_save(*, user, page: Page, save: Callable[[], None]) -> Page:
    """Save an editor's correction of ``page`` (its name, page editor, and its stories' order
    and areas, written by ``save``), in one transaction, with an audit entry. The areas are
    checked (``Placement.clean``) by the form before. Raises :class:`NotAllowed` for a user
    who may not import pages (or, for an edition already out, publish)."""
    _check_import(user, page.edition)
    with transaction.atomic():
        save()
        audit.log(
            user=user, action="edition.page_change", obj=page, summary=f"修改 {page.dated_label}"
        )
        page_cache.retire_for(page.edition)
    return page


@dataclass
class EditionPublication:
    """What publishing an edition did: the stories it scheduled (or published now), and
    those it left with the desk, each with the reason (not approved, waiting for sign-off
    or for its photo)."""

    edition: Edition
    published: list[Article] = field(default_factory=list)
    held: list[tuple[Article, str]] = field(default_factory=list)


def edition_publish(*, user, edition: Edition, at: datetime | None = None) -> EditionPublication:
    """Publish ``edition`` at ``at`` (an aware datetime in the future: 定时发布, e.g. the next
    00:00) or now: it and all its ready stories go live at that one moment.

    Each story goes through its own workflow step (``article_publish``), so the desk's rules
    hold story by story: a story must be approved, signed off where the desk requires it, and
    have its photo. Stories already published stay as they are (an edition whose stories all
    went out one by one can still be published); the others are held and listed.
    Raises :class:`NotAllowed` for a user who may not publish, a time in the past, an
    edition with no story ready, or one already published.
    """
    if not DeskTester(user).can_publish:
        raise NotAllowed("你没有权限发布期次。")
    if at is not None and at <= timezone.now():
        raise NotAllowed(f"定时发布的时间必须晚于现在（{datetime_label(timezone.now())}）。")
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        if edition.status == Edition.Status.PUBLISHED:
            raise NotAllowed(f"{edition} 已经发布（{datetime_label(edition.publish_at)}）。")
        result = EditionPublication(edition=edition)
        stories = Article.objects.filter(placement__page__edition=edition).order_by(
            "placement__page__number", "placement__position"
        )
        step = "publish" if at is None else "schedule"
        live = 0
        for story in stories:
            if story.status == Article.Status.PUBLISHED:
                live += 1
                continue
            refusal = tester_for(user, story).step_refusal(step)
            if refusal:
                result.held.append((story, refusal))
                continue
            result.published.append(article_publish(article=story, user=user, at=at))
        if not result.published and not live:
            raise NotAllowed(f"{edition} 没有可以发布的稿件：稿件须先通过审核（需要时还须签发）。")
        edition.status = Edition.Status.PUBLISHED
        edition.publish_at = at or timezone.now()
        edition.save(update_fields=["status", "publish_at", "updated_at"])
        when = "现在" if at is None else datetime_label(at)
        audit.log(
            user=user,
            action="edition.publish",
            obj=edition,
            summary=f"发布期次 {edition}：{when}上线 {len(result.published)} 篇，"
            f"暂缓 {len(result.held)} 篇",
            articles=[story.pk for story in result.published],
        )
        page_cache.retire()
    return result


def edition_unschedule(*, user, edition: Edition) -> list[Article]:
    """Take a scheduled edition off the schedule before its time (撤销定时发布): it goes back
    to the desk (编排中), and each of its stories scheduled for the same moment is taken off
    the schedule too (``article_unschedule``: back to approved, or signed off). Stories
    already live stay live. Returns the stories taken off. Raises :class:`NotAllowed` for a
    user who may not publish, and for an edition not scheduled (still with the desk, or
    already out: withdraw its stories one by one)."""
    if not DeskTester(user).can_publish:
        raise NotAllowed("你没有权限发布期次。")
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        if edition.status != Edition.Status.PUBLISHED:
            raise NotAllowed(f"{edition} 还没有发布。")
        if edition.is_public:
            raise NotAllowed(f"{edition} 已经上线，不能撤销定时；要撤下稿件，请逐篇撤回。")
        due = Article.objects.scheduled().filter(
            placement__page__edition=edition, publish_at=edition.publish_at
        )
        taken = [
            article_unschedule(article=story, user=user, comment="撤销本期定时发布")
            for story in due
        ]
        edition.status, edition.publish_at = Edition.Status.DRAFT, None
        edition.save(update_fields=["status", "publish_at", "updated_at"])
        audit.log(
            user=user,
            action="edition.unschedule",
            obj=edition,
            summary=f"撤销期次 {edition} 的定时发布：{len(taken)} 篇稿件取消定时",
            articles=[story.pk for story in taken],
        )
        page_cache.retire()
    return taken
