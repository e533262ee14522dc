"""Filing, editing, restoring and deleting stories, the photo waiver, and the typed drafts
the desk keeps while someone writes.

An edit is optimistic (DESIGN.md, "Editorial workflow"): the editor's form carries the
version it was opened at. If the story is still at that version, the edit is written. If
someone saved since, nothing is written and :class:`EditConflict` says, field by field, what
they changed, what this editor changed and where both did (``content.merge``); the admin
shows it and the editor decides. Fields the editor did not touch are never written back.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.utils import timezone

from unionnews import audit, page_cache
from unionnews.actors import user_row
from unionnews.dates import datetime_label
from unionnews.quotes import quoted

from .. import content, coverage
from ..models import Article, ImportedPage, StoryDraft, StoryRevision
from ..workflow import DeskTester, StoryTester
from .changes import StoryChange, counted_month, record_new_story, story_change
from .errors import EditConflict, NotAllowed
from .photos import delete_files_after_commit, files_of


@dataclass
class EditResult:
    """What an edit wrote: the story, refreshed, and the fields that changed (none for a
    save that changed nothing: no version, no revision, no log)."""

    article: Article
    fields: list = field(default_factory=list)

    @property
    def summary(self) -> str:
        return content.summary(self.fields)


def content_at(article: Article, version: int | None) -> dict | None:
    """The snapshot of ``article`` at ``version``, or ``None`` when no revision of it is kept
    (stories saved before snapshots were kept have their older versions unknown)."""
    if version is None:
        return None
    row = StoryRevision.objects.filter(article=article, version=version).first()
    return row.content if row is not None else None


def _submitted(values: dict) -> dict:
    unknown = set(values) - {f.name for f in content.EDITABLE}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    return {name: content.BY_NAME[name].from_input(value) for name, value in values.items()}


def _apply(change: StoryChange, mine: dict) -> list:
    """Write the fields of ``mine`` that differ from the story now; returns them."""
    story = change.article
    fields = [
        f
        for f in content.EDITABLE
        if f.name in mine and not f.same(mine[f.name], change.before[f.name])
    ]
    flags = [f for f in fields if f.kind == "flag"]
    if flags and not change.tester.can_set_desk_flags():
        raise NotAllowed(f"只有编辑可以修改“{content.summary(flags)}”。")
    if not fields:
        return []
    values = {f.name: mine[f.name] for f in fields}
    content.write(story, values)
    if not story.headline.strip():
        raise NotAllowed("主题（标题）不能为空。")
    story.save()
    content.write_related(story, values)
    return fields


def article_edit(*, article: Article, user, values: dict, base_version: int | None) -> EditResult:
    """Save an edit of ``article``: ``values`` maps editable fields (``content.EDITABLE``)
    to what the editor submitted (text, a column, unions/events, tag names, credit rows);
    ``base_version`` is the ``version`` the editor's copy was opened at.

    Raises :class:`EditConflict` (nothing written) when the story is no longer at
    ``base_version``, with the merge to show; :class:`NotAllowed` when the user may not edit
    the story now (reporters: their own stories, while draft or returned) or may not set the
    desk's flags. A save that changes nothing writes nothing. A saved edit drops the user's
    autosaved draft of the story.
    """
    mine = _submitted(values)
    with story_change(article, user=user, check=lambda tester: tester.edit_refusal()) as change:
        story = change.article
        if base_version != story.version:
            merge = content.merge(content_at(story, base_version), change.before, mine)
            raise EditConflict(story, merge)
        fields = _apply(change, mine)
        if fields:
            change.log(
                "article.edit",
                f"已修改：{content.summary(fields)}",
                fields=[f.name for f in fields],
            )
        StoryDraft.objects.filter(user=user_row(user), article=story).delete()
    article.refresh_from_db()
    return EditResult(article, fields)


def article_create(*, user, values: dict, article: Article | None = None) -> Article:
    """File a new story (draft) with ``values`` as for :func:`article_edit`; the user is
    recorded as its creator. ``article``, when given, is the unsaved story to fill (the
    admin form's instance). Nothing is added that the user did not enter: the story form
    offers the reporter's own credit, where they see it. Raises :class:`NotAllowed` for a
    user who may not file stories, and for an empty headline."""
    desk = DeskTester(user)
    if not desk.can_file:
        raise NotAllowed("你没有权限新建稿件。")
    mine = _submitted(values)
    if not desk.can_set_desk_flags and any(
        mine.get(f.name) for f in content.EDITABLE if f.kind == "flag"
    ):
        raise NotAllowed("只有编辑可以修改“推荐”和“无需配图”。")
    if not mine.get("headline"):
        raise NotAllowed("主题（标题）不能为空。")
    with transaction.atomic(), reversion.create_revision():
        article = article if article is not None else Article()
        article.created_by = user_row(user)
        article.status, article.publish_at, article.version = Article.Status.DRAFT, None, 1
        content.write(article, mine)
        article.save()
        content.write_related(article, mine)
        record_new_story(article, user=user, action="article.create", summary="新建稿件")
        StoryDraft.objects.filter(user=user_row(user), article__isnull=True).delete()
    return article


def article_restore(
    *, article: Article, user, version: int, base_version: int | None = None
) -> EditResult:
    """Bring back the content of ``version`` (text, classification, credits, flags; never
    the state, the publish time or the photos) as a new version. Unions, events, columns and
    reporters deleted since are left out. ``base_version`` is the version the editor saw
    when deciding (the restore page): if someone saved since, nothing is restored. Raises
    :class:`NotAllowed` when the user may not edit the story, the story moved on since
    ``base_version``, or no content is kept for that version."""
    with story_change(article, user=user, check=lambda tester: tester.edit_refusal()) as change:
        if base_version is not None and base_version != change.article.version:
            raise NotAllowed(
                f"你查看恢复内容之后，稿件已被修改（现为第 {change.article.version} 版）。"
                "为免覆盖他人的修改，没有恢复；请重新查看恢复后会改变的内容。"
            )
        old = content_at(change.article, version)
        if old is None:
            raise NotAllowed(f"第 {version} 版的内容没有保存下来，无法恢复。")
        restored = [f for f in content.EDITABLE if f.name in old]
        if not change.tester.can_set_desk_flags():
            # 推荐 and 无需配图 are the desk's: a reporter's restore leaves them as they are.
            restored = [f for f in restored if f.kind != "flag"]
        mine = _submitted({f.name: old[f.name] for f in restored})
        fields = _apply(change, mine)
        saved_at = StoryRevision.objects.filter(article=change.article, version=version).first()
        change.log(
            "article.restore",
            f"恢复到第 {version} 版（{datetime_label(saved_at.revision.date_created)}）"
            + (f"：{content.summary(fields)}" if fields else "，内容与现在相同"),
            version=version,
            fields=[f.name for f in fields],
        )
    article.refresh_from_db()
    return EditResult(article, fields)


def article_waive_photo(*, article: Article, user, comment: str = "") -> Article:
    """An editor lets a story flagged 待配图 go out without a photo (无需配图), e.g. a print
    photo story whose image stays in the layout system. Raises :class:`NotAllowed` for users
    who may not approve stories."""

    def check(tester):
        return None if tester.can_waive_photo() else "你没有权限决定稿件无需配图。"

    with story_change(article, user=user, check=check) as change:
        if not change.article.photo_waived:
            change.article.photo_waived = True
            change.article.save(update_fields=["photo_waived", "updated_at"])
            change.log("article.waive_photo", "无需配图" + (f"：{comment}" if comment else ""))
    article.refresh_from_db()
    return article


def article_delete(*, article: Article, user) -> None:
    """Delete a story with its credits, photos, notes and history rows; its photo files and
    renditions leave storage once the deletion is committed. Editors only (``can_delete``);
    the deleted story stays recoverable from its revisions (恢复已删除)."""
    with transaction.atomic():
        story = Article.objects.select_for_update().filter(pk=article.pk).first()
        if story is None:
            raise NotAllowed("这篇稿件已被删除。")
        if not StoryTester(user, story).can_delete():
            raise NotAllowed("你没有权限删除这篇稿件。")
        files = [name for photo in story.photos.all() for name in files_of(photo)]
        audit.log(user=user, action="article.delete", obj=story, summary=f"删除稿件{quoted(story)}")
        shown = page_cache.shows(story)
        counted_in = counted_month(story)
        story.delete()
        delete_files_after_commit(files)
        if shown:
            page_cache.retire()
        coverage.recount([counted_in])


@contextmanager
def stories_deleted_together() -> Iterator[None]:
    """One transaction for several :func:`article_delete` calls (the story list's 删除
    action), whose months' story counts are counted once, at its end, after every story's
    lock (``coverage.deferred``): not once a story, and never waiting for a month while an
    editor holding that month waits for one of these stories."""
    with transaction.atomic(), coverage.deferred():
        yield


# -- typed work, kept while it is typed -------------------------------------------------------


def draft_keep(
    *, user, article: Article | None, data: dict, base_version: int | None
) -> StoryDraft:
    """Keep what ``user`` has typed into a story's form (``article``; ``None`` for a new
    story) and not saved yet. ``data`` maps the typed fields (``content.TYPED``) to text;
    anything else is ignored. Only the user's own scratch: no revision, no audit entry.
    Raises :class:`NotAllowed` when the user may not edit the story (or file one)."""
    if article is None:
        if not DeskTester(user).can_file:
            raise NotAllowed("你没有权限新建稿件。")
    elif not StoryTester(user, article).can_edit():
        raise NotAllowed("你不能修改这篇稿件，内容没有自动保存。")
    typed = {
        f.name: str(data[f.name])[:100_000]
        for f in content.TYPED
        if isinstance(data.get(f.name), str)
    }
    draft, _ = StoryDraft.objects.update_or_create(
        user=user,
        article=article,
        defaults={"data": typed, "base_version": base_version, "saved_at": timezone.now()},
    )
    return draft


def draft_discard(*, user, article: Article | None) -> int:
    """Throw away ``user``'s kept draft of ``article`` (``None``: of a new story)."""
    drafts = StoryDraft.objects.filter(user=user)
    drafts = (
        drafts.filter(article__isnull=True) if article is None else drafts.filter(article=article)
    )
    return drafts.delete()[0]


def _print_origin_free(source: str, position: int | None) -> bool:
    """Whether a recovered story may say again which page file it came from: only while that
    file's import record stands (an edition deleted with its records, 删除本期, frees the file
    for a new import) and no story imported since holds its place on the page."""
    return bool(source) and (
        ImportedPage.objects.filter(source_file=source).exists()
        and not Article.objects.filter(source_file=source, source_position=position).exists()
    )


def article_recover(*, user, version) -> Article:
    """Bring back a deleted story from its last revision (``version``, a django-reversion
    ``Version`` of the story): its text, classification and credits as they were, as a draft
    (its photos went with it). Unions, events, columns and reporters deleted or merged away
    since are left out, and so is its page file when that is no longer its to claim
    (:func:`_print_origin_free`). Only those who may delete stories may bring one back. Raises
    :class:`NotAllowed`."""
    from django.contrib.contenttypes.models import ContentType

    from ..models import Byline

    if not DeskTester(user).can_delete_stories:
        raise NotAllowed("只有可以删除稿件的编辑才能恢复已删除的稿件。")
    data = version.field_dict
    with transaction.atomic(), reversion.create_revision():
        if Article.objects.select_for_update().filter(pk=version.object_id).exists():
            raise NotAllowed("这篇稿件没有被删除。")
        article = Article(pk=int(version.object_id), created_by=user_row(user))
        own = [f.name for f in content.EDITABLE if f.kind in ("line", "text", "choice", "flag")]
        if _print_origin_free(data.get("source_file", ""), data.get("source_position")):
            own += ["source_file", "source_position"]
        for name in own:
            if name in data:
                setattr(article, name, data[name])
        content.write(article, {"column": data.get("column_id")})
        article.status, article.publish_at = Article.Status.DRAFT, None
        article.save()
        bylines = [
            v.field_dict
            for v in version.revision.version_set.filter(
                content_type=ContentType.objects.get_for_model(Byline)
            )
        ]
        credits = [
            [b["reporter_id"], "", b["title"], b["contribution"]]
            for b in sorted(bylines, key=lambda b: b.get("order", 0))
            if b.get("article_id") == article.pk
        ]
        content.write_related(
            article,
            {
                "unions": [[pk, ""] for pk in data.get("unions", [])],
                "events": [[pk, ""] for pk in data.get("events", [])],
                "credits": credits,
            },
        )
        record_new_story(article, user=user, action="article.recover", summary="恢复已删除的稿件")
    return article
