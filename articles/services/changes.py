"""One change to one story, the way every service makes it (:func:`story_change`).

A service that changes a story opens a change: the story's row is locked
(``select_for_update``), the user's permission is asked of the tester on the locked row, and
the service does its writes. When it is done:

- if the story's content changed (``articles/content.py``: text, classification, credits,
  photos, flags, state) or the step must always be recorded (a workflow step), its
  ``version`` goes up by one and a revision is kept (django-reversion) with the snapshot of
  the new version (:class:`~articles.models.StoryRevision`);
- every action the service logged is written to the audit log (操作日志);
- if the story showed on public pages before or after, the page cache is retired;
- if it counts in a month's story counts before or after (``articles/coverage.py``), those
  months are counted again.

All of it in one transaction. A service called inside another service's change of the same
story (a photo deleted while the story form is saved) joins that change: one lock, one
version, one revision, its own audit entry, and a savepoint of its own. Files the change put
in storage (photos, renditions) are removed again if it rolls back, and, inside
:func:`files_follow_the_transaction`, if the caller's transaction around it does.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import reversion
from django.core.files.storage import default_storage
from django.db import transaction

from unionnews import audit, page_cache
from unionnews.actors import user_row

from .. import content, coverage
from ..models import Article, StoryRevision
from ..workflow import StoryTester
from .errors import NotAllowed

logger = logging.getLogger(__name__)
_open: ContextVar[tuple] = ContextVar("open_story_changes", default=())
_uncommitted: ContextVar[list | None] = ContextVar("uncommitted_files", default=None)


def _remove(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not remove %s from storage", name)


@contextmanager
def files_follow_the_transaction() -> Iterator[None]:
    """For a caller that holds a transaction around story changes (the admin's save view):
    the files those changes put in storage leave it again if the block does not finish,
    whether by an exception or by the worker being ended (gunicorn's timeout raises
    ``SystemExit`` in the worker), since the rows that pointed at them roll back."""
    written: list[str] = []
    token = _uncommitted.set(written)
    try:
        yield
    except BaseException:
        _remove(written)
        raise
    finally:
        _uncommitted.reset(token)


class StoryChange:
    """The open change of one story: ``article`` (the locked row), ``user``, ``tester``; the
    service writes to ``article`` and calls :meth:`log` for the audit log."""

    def __init__(self, article: Article, user, tester: StoryTester, *, always: bool):
        self.article = article
        self.user = user
        self.tester = tester
        self.always = always
        self.before = content.snapshot(article)
        self.was_public = page_cache.shows(article)
        self.counted_in = counted_month(article)
        self.entries: list[tuple[str, str, dict]] = []
        #: Files the change put in storage, removed again if the change rolls back.
        self.written: list[str] = []
        #: The fields the change turned out to change, once finished.
        self.fields: list[content.ContentField] = []

    def log(self, action: str, summary: str = "", **data) -> None:
        """Record ``action`` for the audit log, with a one-line ``summary``; the revision's
        comment is the summaries joined."""
        self.entries.append((action, summary, data))

    def wrote(self, *names: str) -> None:
        """Note files put in storage by this change (a photo and its renditions)."""
        self.written.extend(name for name in names if name)

    def forget_files(self, keep: int) -> None:
        """Remove from storage the files written after the first ``keep``: their change
        rolled back, so no row points at them."""
        _remove(self.written[keep:])
        del self.written[keep:]

    def finish(self) -> None:
        article = self.article
        after = content.snapshot(article)
        self.fields = content.changed(self.before, after)
        if self.fields or self.always:
            article.version += 1
            article.save(update_fields=["version", "updated_at"])
            after["version"] = article.version
            reversion.add_meta(
                StoryRevision, article=article, version=article.version, content=after
            )
            reversion.set_user(user_row(self.user))
            reversion.set_comment(
                "；".join(s for _, s, _ in self.entries if s)
                or f"已修改：{content.summary(self.fields)}"
            )
        for action, summary, data in self.entries:
            audit.log(user=self.user, action=action, obj=article, summary=summary, **data)
        if (self.fields or self.always) and (self.was_public or page_cache.shows(article)):
            # A story going live only adds to readers' pages: they may lag it for a second.
            page_cache.retire(only_added=not self.was_public)
        if {f.name for f in self.fields} & COUNTED_FIELDS:
            coverage.recount([self.counted_in, counted_month(article)])


#: The content fields that the story counts of ``articles/coverage.py`` depend on.
COUNTED_FIELDS = {"status", "publish_at", "unions", "tags", "events", "column"}


def counted_month(article: Article):
    """The month ``article`` counts in (``coverage.month_of``), or ``None`` unless it has the
    status published."""
    if article.status != Article.Status.PUBLISHED:
        return None
    return coverage.month_of(article.publish_at)


@contextmanager
def story_change(
    article: Article,
    *,
    user,
    check: Callable[[StoryTester], str | None],
    always: bool = False,
) -> Iterator[StoryChange]:
    """Open a change of ``article`` by ``user`` (see the module docstring).

    ``check`` asks the tester on the locked row and returns why not, or ``None``: its refusal
    is raised as :class:`NotAllowed` before anything is written. ``always`` records a new
    version even if no content changed (a workflow step). Raises ``NotAllowed`` for a story
    deleted meanwhile.
    """
    for change in _open.get():
        if change.article.pk == article.pk:
            if getattr(change.user, "pk", None) != getattr(user, "pk", None):
                raise RuntimeError("a story's change is joined by a different user")
            refusal = check(change.tester)
            if refusal:
                raise NotAllowed(refusal)
            # A savepoint: a joined call that fails takes back its own writes and its log
            # entries, whether or not the caller goes on.
            logged, written = len(change.entries), len(change.written)
            try:
                with transaction.atomic():
                    yield change
            except BaseException:
                del change.entries[logged:]
                change.forget_files(written)
                change.article.refresh_from_db()
                raise
            change.always = change.always or always
            return
    change = None
    try:
        with transaction.atomic(), reversion.create_revision():
            try:
                locked = Article.objects.select_for_update().get(pk=article.pk)
            except Article.DoesNotExist:
                raise NotAllowed("这篇稿件已被删除。") from None
            tester = StoryTester(user, locked)
            refusal = check(tester)
            if refusal:
                raise NotAllowed(refusal)
            change = StoryChange(locked, user, tester, always=always)
            token = _open.set((*_open.get(), change))
            try:
                yield change
            finally:
                _open.reset(token)
            change.finish()
        if (uncommitted := _uncommitted.get()) is not None:
            uncommitted.extend(change.written)
    except BaseException:
        if change is not None:
            change.forget_files(0)  # nothing of a rolled-back change stays in storage
        raise


def record_new_story(article: Article, *, user, action: str, summary: str) -> None:
    """Keep the first revision (version 1) of a story just created, log ``action`` and
    retire the page cache if it is public already. Call inside the creating service's
    transaction and ``reversion.create_revision()`` block."""
    reversion.add_to_revision(article)
    reversion.add_meta(
        StoryRevision, article=article, version=article.version, content=content.snapshot(article)
    )
    reversion.set_user(user_row(user))
    reversion.set_comment(summary)
    audit.log(user=user, action=action, obj=article, summary=summary)
    if page_cache.shows(article):  # a new story live at once only adds to readers' pages
        page_cache.retire(only_added=True)
    coverage.recount([counted_month(article)])
