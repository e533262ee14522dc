"""Internal notes (内部备注) and public corrections (更正) on a story.

Notes are the desk's own conversation about a story, never shown to readers; corrections are
dated and appended to a live story, as the paper prints them, instead of silently changing
its text. Both are audited; a correction retires the page cache (readers see it).
"""

from django.db import transaction

from unionnews import audit, page_cache
from unionnews.actors import user_row

from ..models import Article, Correction, EditorialNote
from ..workflow import StoryTester
from .errors import NotAllowed


def article_add_note(*, article: Article, user, text: str) -> EditorialNote:
    """Add an internal note to a story; anyone who may open the story may. Raises
    :class:`NotAllowed` for an empty note or a user who may not open the story."""
    text = (text or "").strip()
    if not text:
        raise NotAllowed("备注不能为空。")
    with transaction.atomic():
        story = Article.objects.select_for_update().filter(pk=article.pk).first()
        if story is None or not StoryTester(user, story).can_add_note():
            raise NotAllowed("你不能给这篇稿件写备注。")
        note = EditorialNote.objects.create(article=story, author=user_row(user), text=text)
        audit.log(user=user, action="note.add", obj=story, summary=f"内部备注：{text[:60]}")
    return note


def note_delete(*, note: EditorialNote, user) -> None:
    """Delete an internal note: editors only, whatever the story's state."""
    with transaction.atomic():
        story = Article.objects.select_for_update().get(pk=note.article_id)
        if not StoryTester(user, story).can_delete_note():
            raise NotAllowed("只有编辑可以删除内部备注。")
        audit.log(
            user=user, action="note.delete", obj=story, summary=f"删除内部备注：{note.text[:60]}"
        )
        note.delete()


def article_add_correction(*, article: Article, user, text: str) -> Correction:
    """Append a dated public correction (更正) to a live story. Editors who publish only.
    Raises :class:`NotAllowed` with the reason (not an editor, empty, not live)."""
    text = (text or "").strip()
    with transaction.atomic():
        story = Article.objects.select_for_update().get(pk=article.pk)
        refusal = StoryTester(user, story).correction_refusal()
        if refusal:
            raise NotAllowed(refusal)
        if not text:
            raise NotAllowed("更正内容不能为空。")
        correction = Correction.objects.create(article=story, created_by=user_row(user), text=text)
        audit.log(user=user, action="correction.add", obj=story, summary=f"发布更正：{text[:60]}")
        page_cache.retire()
    return correction


def correction_delete(*, correction: Correction, user) -> None:
    """Take a correction back (editors who publish); readers' pages change at once."""
    with transaction.atomic():
        story = Article.objects.select_for_update().get(pk=correction.article_id)
        if not StoryTester(user, story).can_delete_correction():
            raise NotAllowed("只有编辑可以删除更正。")
        audit.log(
            user=user,
            action="correction.delete",
            obj=story,
            summary=f"删除更正：{correction.text[:60]}",
        )
        correction.delete()
        page_cache.retire_for(story)
