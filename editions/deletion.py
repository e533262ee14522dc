"""Deleting an edition (删除本期): an edition imported in error, or the demo edition
``make run`` loads, goes with its pages and their stories, so that its page files can be
imported again. A service like those of ``editions.services``: it takes the ``user``, asks
the desk's tester, runs in one transaction, leaves an audit entry and retires the public
cache."""

from dataclasses import dataclass

from django.db.models import Q

from articles.models import Article, ImportedPage
from articles.services import NotAllowed, article_delete, stories_deleted_together
from articles.services.photos import delete_files_after_commit
from articles.workflow import DeskTester
from unionnews import audit, page_cache

from .models import Edition, Page


@dataclass
class EditionDeletion:
    """What deleting an edition removes (:func:`edition_deletion_plan`) or removed
    (:func:`edition_delete`): its pages, and their stories: those placed on them and those
    imported from their page files (the stories stay recoverable from their revisions,
    恢复已删除); the page files may then be imported again."""

    label: str
    pages: list[Page]
    stories: list[Article]
    public_stories: int
    sources: list[str]


def edition_deletion_plan(edition: Edition) -> EditionDeletion:
    """What :func:`edition_delete` would remove from ``edition`` now; nothing is written."""
    pages = list(edition.pages.select_related("import_record").order_by("number"))
    sources = [page.import_record.source_file for page in pages if page.import_record]
    placed_or_imported = Q(placement__page__edition=edition) | Q(source_file__in=sources)
    stories = list(Article.objects.filter(placed_or_imported).distinct().order_by("pk"))
    return EditionDeletion(
        label=str(edition),
        pages=pages,
        stories=stories,
        public_stories=sum(1 for story in stories if story.is_public),
        sources=sources,
    )


def edition_delete(*, user, edition: Edition) -> EditionDeletion:
    """Delete ``edition`` (an edition imported in error, or the demo edition ``make run``
    loads): its pages with their scans and images, the stories :func:`edition_deletion_plan`
    names (each through ``article_delete``, so each leaves its own audit entry and can be
    brought back as a draft), and the pages' import records, so that the same files can be
    imported anew. Stories readers could see leave the site at once; the files leave storage
    once the deletion is committed.

    Only an editor who may delete editions (``DeskTester.can_delete_editions``) may do it.
    Raises :class:`NotAllowed` otherwise, or when the edition is already gone."""
    if not DeskTester(user).can_delete_editions:
        raise NotAllowed("只有可以发布并删除稿件的编辑才能删除期次。")
    with stories_deleted_together():
        edition = Edition.objects.select_for_update().filter(pk=edition.pk).first()
        if edition is None:
            raise NotAllowed("这一期已被删除。")
        plan = edition_deletion_plan(edition)
        for story in plan.stories:
            article_delete(article=story, user=user)
        files = [f.name for page in plan.pages for f in (page.scan, page.image) if f]
        audit.log(
            user=user,
            action="edition.delete",
            obj=edition,
            summary=f"删除期次 {edition}：{len(plan.pages)} 个版面、{len(plan.stories)} 篇稿件",
            articles=[story.pk for story in plan.stories],
        )
        edition.delete()
        ImportedPage.objects.filter(source_file__in=plan.sources).delete()
        delete_files_after_commit(files)
        page_cache.retire()
    return plan
