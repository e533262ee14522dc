"""Reading a story's history (历史): its versions with who saved them, when and why, and the
content each one had (:class:`~articles.models.StoryRevision`). Read-only; the services
write revisions (``articles/services/changes.py``)."""

from dataclasses import dataclass
from datetime import datetime

from unionnews.actors import person_name

from . import content
from .models import Article, StoryRevision


@dataclass(frozen=True)
class RevisionRow:
    """One version of a story: ``number`` (its ``version``), when and by whom it was saved,
    the comment (what changed), and its content snapshot."""

    id: int
    number: int
    saved_at: datetime
    saved_by: str
    comment: str
    content: dict

    def changes_from(self, older: "RevisionRow | None") -> list:
        """The fields this version changed from ``older`` (all of them for the first)."""
        if older is None:
            return []
        return content.changed(older.content, self.content)


def history(article: Article) -> list[RevisionRow]:
    """The versions of ``article``, newest first, in two queries."""
    rows = (
        StoryRevision.objects.filter(article=article)
        .select_related("revision__user")
        .order_by("-version")
    )
    return [
        RevisionRow(
            id=row.pk,
            number=row.version,
            saved_at=row.revision.date_created,
            saved_by=person_name(row.revision.user) if row.revision.user_id else "系统",
            comment=row.revision.get_comment(),
            content=row.content,
        )
        for row in rows
    ]


def revision(article: Article, number: int) -> RevisionRow | None:
    """Version ``number`` of ``article``, or ``None``."""
    return next((row for row in history(article) if row.number == number), None)


def compare(older: dict, newer: dict) -> list[tuple[content.ContentField, str, str]]:
    """``(field, older shown, newer shown)`` for every field of :data:`content.FIELDS` both
    snapshots know, in order."""
    return [
        (f, f.display(older.get(f.name)), f.display(newer.get(f.name)))
        for f in content.FIELDS
        if f.name in older and f.name in newer
    ]
