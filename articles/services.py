"""Changes to stories: the workflow transitions, photos and the print-page import.

Each transition is one function (keyword-only, typed). It checks the user's permission and
the story's current state, changes the state in one transaction, writes a
:class:`~articles.models.Transition` row, and otherwise raises :class:`TransitionNotAllowed`
— a domain error, never an HTTP one — so that the admin, the commands and tests behave alike.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import reversion
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from events.models import Event
from organizations.models import Union
from organizations.services import union_directory

from . import photos
from .importer import PageParseError, ParsedPage, parse_page
from .models import (
    Article,
    Byline,
    Column,
    Correction,
    EditorialNote,
    ImportedPage,
    Photo,
    PhotoCredit,
    Rendition,
    Reporter,
    Transition,
)

Status = Article.Status


class TransitionNotAllowed(Exception):
    """A workflow step the user may not take, or not from the story's current state."""


class EditConflict(Exception):
    """Someone saved the story after this copy was opened (optimistic locking).

    ``current`` is the story as it is now in the database, for showing what changed.
    """

    def __init__(self, current: Article):
        self.current = current
        super().__init__(
            f"稿件“{current.headline}”在你打开之后已被修改（现为第 {current.version} 版）。"
            "为免覆盖他人的修改，本次没有保存；请查看改动后重新编辑。"
        )


class ImportConflict(Exception):
    """A page already imported with different content; importing again would lose edits."""


# -- workflow -----------------------------------------------------------------------------------
#
# The desk's state machine (DESIGN.md, "Editorial workflow"):
#
#   draft ──submit──▶ submitted ──approve──▶ approved ──sign off──▶ signed_off
#     ▲                  │  ▲                   │                        │
#     └──(fix)── returned ◀──return─────────────┴────────────────────────┘
#   approved / signed_off ──publish (now or at a time)──▶ published ──withdraw──▶ withdrawn
#   published, not yet live ──unschedule──▶ approved;   withdrawn ──reopen──▶ draft
#
# With UNIONNEWS_REQUIRE_SIGNOFF, only a signed-off story can be published.


def signoff_required() -> bool:
    """Whether the desk requires the chief editor's sign-off (签发) before publication."""
    return bool(getattr(settings, "UNIONNEWS_REQUIRE_SIGNOFF", False))


def _publishable() -> tuple[str, ...]:
    return (Status.SIGNED_OFF,) if signoff_required() else (Status.APPROVED, Status.SIGNED_OFF)


@dataclass(frozen=True)
class Step:
    """The rule of one workflow step: the state it leads ``to``, the permission it needs, the
    states it ``starts`` from (a function, since publishing depends on the desk setting),
    whether reporters may take it only on their own stories, and whether the story must not
    be live yet. The services enforce these rules; the admin reads them to offer buttons."""

    to: str
    perm: str
    starts: Callable[[], tuple[str, ...]]
    own_story: bool = False
    before_live: bool = False


#: Every workflow step by name. The one place the desk's rules are written.
STEPS: dict[str, Step] = {
    "submit": Step(
        Status.SUBMITTED,
        "articles.change_article",
        lambda: (Status.DRAFT, Status.RETURNED),
        own_story=True,
    ),
    "approve": Step(
        Status.APPROVED, "articles.approve_article", lambda: (Status.SUBMITTED, Status.DRAFT)
    ),
    "return": Step(
        Status.RETURNED,
        "articles.approve_article",
        lambda: (Status.SUBMITTED, Status.APPROVED, Status.SIGNED_OFF),
    ),
    "signoff": Step(Status.SIGNED_OFF, "articles.signoff_article", lambda: (Status.APPROVED,)),
    "publish": Step(Status.PUBLISHED, "articles.publish_article", _publishable),
    "schedule": Step(Status.PUBLISHED, "articles.publish_article", _publishable),
    "unschedule": Step(
        Status.APPROVED, "articles.publish_article", lambda: (Status.PUBLISHED,), before_live=True
    ),
    "withdraw": Step(Status.WITHDRAWN, "articles.publish_article", lambda: (Status.PUBLISHED,)),
    "reopen": Step(Status.DRAFT, "articles.approve_article", lambda: (Status.WITHDRAWN,)),
}


def step_refusal(step: str, *, article: Article, user, visible: bool | None = None) -> str | None:
    """Why ``user`` may not take ``step`` on ``article`` as it is now, or ``None`` if they may.

    ``visible`` says whether the user may open the story (``Article.objects.visible_to``), when
    the caller already knows; otherwise it is looked up, for reporters' own-story steps only.
    """
    rule = STEPS[step]
    target = Status(rule.to).label
    if not user.has_perm(rule.perm):
        return f"{user} 没有权限把稿件改为“{target}”。"
    if rule.own_story and not user.has_perm("articles.approve_article"):
        if visible is None:
            visible = Article.objects.visible_to(user).filter(pk=article.pk).exists()
        if not visible:
            return "只能提交自己署名的稿件。"
    if article.status not in rule.starts():
        if step in ("publish", "schedule") and article.status == Status.APPROVED:
            return "本报要求总编签发后才能发布，这篇稿件还没有签发。"
        return f"稿件当前状态为“{article.get_status_display()}”，不能改为“{target}”。"
    if rule.before_live and article.is_public:
        return "稿件已经上线，请用“撤回”。"
    if step in ("publish", "schedule"):
        return photo_refusal(article)
    return None


def photo_refusal(article: Article) -> str | None:
    """Why ``article`` cannot go out for its photos, or ``None`` (issue 5, "Missing photos").

    A story flagged 待配图 (``Article.objects.photo_missing()``: a photo story or photo
    credit without a photo, not waived) waits for its photo; every attached photo needs its
    alt text, so that readers who cannot see it are told what it shows.
    """
    if Article.objects.photo_missing().filter(pk=article.pk).exists():
        return (
            "这篇稿件待配图：图片新闻和署有摄影的稿件须先上传图片才能发布；"
            "确实不配图时，请编辑勾选“无需配图”。"
        )
    without_alt = article.photos.filter(alt_text="").count()
    if without_alt:
        return f"有 {without_alt} 张图片还没有填写替代文字（描述画面内容），发布前必须填写。"
    return None


def _transition(step: str, *, article: Article, user, comment: str = "", **changes) -> Article:
    """Take ``step`` (a key of :data:`STEPS`) on ``article``: check its rule on the locked
    row, record a :class:`Transition` and a revision, all in one transaction; bumps
    ``version`` so that an edit form opened before the move is stale. Raises
    :class:`TransitionNotAllowed` with the reason."""
    to = STEPS[step].to
    with transaction.atomic(), reversion.create_revision():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        refusal = step_refusal(step, article=locked, user=user)
        if refusal:
            raise TransitionNotAllowed(refusal)
        from_status = locked.status
        locked.status = to
        locked.version += 1
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "version", "updated_at", *changes])
        Transition.objects.create(
            article=locked, user=user, from_status=from_status, to_status=to, comment=comment
        )
        reversion.set_user(user if user.is_authenticated else None)
        reversion.set_comment(
            f"{Status(from_status).label} → {Status(to).label}"
            + (f"：{comment}" if comment else "")
        )
    article.refresh_from_db()
    return article


def article_submit(*, article: Article, user) -> Article:
    """A reporter files their draft or returned story for review (→ submitted).

    Reporters may submit only stories they have a byline on or created; editors any story.
    """
    return _transition("submit", article=article, user=user)


def article_approve(*, article: Article, user, comment: str = "") -> Article:
    """An editor approves a story (submitted → approved). Imported print stories, already
    edited for print, may be approved straight from draft."""
    return _transition("approve", article=article, user=user, comment=comment)


def article_return(*, article: Article, user, comment: str) -> Article:
    """An editor sends a story back to its reporter with a comment (→ returned). The comment
    is required: it is what the reporter reads."""
    if not comment.strip():
        raise TransitionNotAllowed("退回稿件时请写明修改意见。")
    return _transition("return", article=article, user=user, comment=comment)


def article_signoff(*, article: Article, user, comment: str = "") -> Article:
    """The chief editor signs an approved story off for publication (签发; → signed_off)."""
    return _transition("signoff", article=article, user=user, comment=comment)


def article_publish(*, article: Article, user, at: datetime | None = None) -> Article:
    """Publish a story now, or schedule it for ``at`` (an aware datetime).

    From approved or signed off; only from signed off when the desk requires sign-off. A
    scheduled story is public from ``at`` on every surface, with no job to run
    (``Article.objects.published()``).
    """
    if at is not None and timezone.is_naive(at):
        raise TransitionNotAllowed("定时发布的时间必须带时区。")
    if at is None:
        return _transition("publish", article=article, user=user, publish_at=timezone.now())
    local = timezone.localtime(at)
    comment = f"定时发布：{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return _transition("schedule", article=article, user=user, publish_at=at, comment=comment)


def article_unschedule(*, article: Article, user, comment: str = "") -> Article:
    """Take a scheduled story off the schedule before it goes live (→ approved)."""
    return _transition(
        "unschedule", article=article, user=user, publish_at=None, comment=comment or "取消定时发布"
    )


def article_withdraw(*, article: Article, user, comment: str = "") -> Article:
    """Take a published story off the public site (published → withdrawn)."""
    return _transition("withdraw", article=article, user=user, comment=comment)


def article_reopen(*, article: Article, user, comment: str = "") -> Article:
    """Bring a withdrawn story back to draft so that it can be fixed and go through review
    again (withdrawn → draft). The only way back from withdrawn."""
    return _transition("reopen", article=article, user=user, publish_at=None, comment=comment)


def article_save_edit(*, article: Article, user, expected_version: int) -> Article:
    """Save an edited story, unless someone saved it since this copy was opened.

    ``expected_version`` is the ``version`` the editing form was opened at. Raises
    :class:`EditConflict` (nothing saved) when the story moved on, and
    :class:`TransitionNotAllowed` when the user may not edit it in its current state
    (reporters: their own stories, while draft or returned).
    """
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        if current.version != expected_version:
            raise EditConflict(current)
        if not Article.objects.editable_by(user).filter(pk=current.pk).exists():
            raise TransitionNotAllowed(
                f"稿件当前状态为“{current.get_status_display()}”，你不能修改它。"
            )
        article.version = current.version + 1
        article.status = current.status  # never changed by an edit
        article.publish_at = current.publish_at
        article.save()
    return article


def article_add_note(*, article: Article, user, text: str) -> EditorialNote:
    """Add an internal note (编辑备注) to a story; anyone who may open the story may."""
    if not text.strip():
        raise TransitionNotAllowed("备注不能为空。")
    if not Article.objects.visible_to(user).filter(pk=article.pk).exists():
        raise TransitionNotAllowed("你不能给这篇稿件写备注。")
    return EditorialNote.objects.create(article=article, author=user, text=text.strip())


def article_add_correction(*, article: Article, user, text: str) -> Correction:
    """Append a dated public correction (更正) to a live story. Editors only."""
    if not user.has_perm("articles.publish_article"):
        raise TransitionNotAllowed("只有编辑可以发布更正。")
    if not text.strip():
        raise TransitionNotAllowed("更正内容不能为空。")
    with transaction.atomic():
        if not Article.objects.select_for_update().get(pk=article.pk).is_public:
            raise TransitionNotAllowed("只能给已上线的稿件发布更正；未上线的稿件请直接修改。")
        return Correction.objects.create(article=article, created_by=user, text=text.strip())


# -- photos ---------------------------------------------------------------------------------------


def article_waive_photo(*, article: Article, user, comment: str = "") -> Article:
    """An editor lets a story flagged 待配图 go out without a photo (无需配图), e.g. a print
    photo story whose image stays in the layout system. Keeps a revision; bumps ``version``.
    Raises :class:`TransitionNotAllowed` for users who may not approve stories."""
    if not user.has_perm("articles.approve_article"):
        raise TransitionNotAllowed(f"{user} 没有权限决定稿件无需配图。")
    with transaction.atomic(), reversion.create_revision():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        locked.photo_waived = True
        locked.version += 1
        locked.save(update_fields=["photo_waived", "version", "updated_at"])
        reversion.set_user(user)
        reversion.set_comment("无需配图" + (f"：{comment}" if comment else ""))
    article.refresh_from_db()
    return article


def photo_clean_upload(upload) -> tuple[ContentFile, photos.CleanImage]:
    """Check an uploaded file (a Django ``UploadedFile`` or any binary file with ``name``)
    and return the image to store, named with its real extension, and what was learned of it.

    Raises :class:`articles.photos.PhotoRejected` with the editor's message: not JPEG, PNG or
    WebP by content, over 20 MB or 50 megapixels (a decompression bomb is refused from its
    header, without decoding), or damaged. EXIF orientation is applied and GPS removed.
    """
    name = getattr(upload, "name", "") or ""
    clean = photos.clean_upload(upload, name=name, size=getattr(upload, "size", None))
    return ContentFile(clean.data, name=f"photo.{clean.extension}"), clean


def photo_add(
    *,
    article: Article,
    upload,
    user,
    alt_text: str = "",
    caption: str = "",
    is_lead: bool = False,
    credits: Iterable[tuple[Reporter, str]] = (),
) -> Photo:
    """Attach an uploaded photo to ``article`` (last in order) with its renditions.

    ``credits`` are ``(reporter, title as printed)``. Reporters may add photos only to stories
    they may edit (their own, while draft or returned). Raises
    :class:`articles.photos.PhotoRejected` (nothing stored) or :class:`TransitionNotAllowed`.
    """
    if not Article.objects.editable_by(user).filter(pk=article.pk).exists():
        raise TransitionNotAllowed(
            f"稿件当前状态为“{article.get_status_display()}”，你不能为它添加图片。"
        )
    content, clean = photo_clean_upload(upload)
    with transaction.atomic():
        if is_lead:
            article.photos.filter(is_lead=True).update(is_lead=False)
        photo = Photo(
            article=article,
            alt_text=alt_text,
            caption=caption,
            is_lead=is_lead,
            order=article.photos.count(),
            uploaded_by=user,
            taken_on=clean.taken_at.date() if clean.taken_at else None,
        )
        photo.image.save(content.name, content, save=False)
        photo.save()
        for order, (reporter, title) in enumerate(credits):
            PhotoCredit.objects.create(photo=photo, reporter=reporter, title=title, order=order)
        photo_make_renditions(photo)
    return photo


def photo_make_renditions(photo: Photo, *, replace: bool = False) -> list[Rendition]:
    """Make the sizes readers get (``photos.RENDITION_WIDTHS``, WebP and JPEG, never wider
    than the photo) once, and keep them: a photo that has renditions is left alone unless
    ``replace`` (its image was replaced), which deletes the old ones first. Returns the
    renditions made."""
    existing = list(photo.renditions.all())
    if existing and not replace:
        return []
    for old in existing:
        old.file.delete(save=False)
        old.delete()
    with photo.image.open("rb") as stored:
        source = stored.read()
    stem = photo.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    made = []
    for image in photos.make_renditions(source):
        rendition = Rendition(
            photo=photo,
            format=Rendition.Format.WEBP if image.format == "WEBP" else Rendition.Format.JPEG,
            width=image.width,
            height=image.height,
        )
        rendition.file.save(
            f"{stem}-{image.width}.{image.extension}", ContentFile(image.data), save=False
        )
        rendition.save()
        made.append(rendition)
    return made


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
    with transaction.atomic(), reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(f"导入版面 {source}")
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
    "STEPS",
    "EditConflict",
    "ImportConflict",
    "PageImport",
    "PageParseError",
    "TransitionNotAllowed",
    "article_add_correction",
    "article_add_note",
    "article_approve",
    "article_publish",
    "article_reopen",
    "article_return",
    "article_save_edit",
    "article_signoff",
    "article_submit",
    "article_unschedule",
    "article_withdraw",
    "step_refusal",
    "article_waive_photo",
    "photo_add",
    "photo_clean_upload",
    "photo_make_renditions",
    "photo_refusal",
    "import_files",
    "import_page",
    "preview_page",
]
