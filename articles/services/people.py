"""What a union merge (``organizations.services.union_merge``) does to the newsroom's rows:
each story and photo linked to the merged union is linked to the union it joins, as a change of
the story (a new version, in its history and the audit log), and the union's correspondents
write for the other union, two of the same name becoming one. These run only inside the merge,
which has checked the user's permission and logs the merge itself."""

from .. import coverage
from ..models import Article, Byline, Photo, PhotoCredit, Reporter
from .changes import story_change


def _merge_namesakes(*, source: Reporter, target: Reporter) -> None:
    """Make ``source`` and ``target`` one person: ``source``'s credits (bylines and photo
    credits) move to ``target``, a credit ``target`` already has on the same story is kept
    once, ``target`` keeps its login or takes ``source``'s, and ``source`` is deleted. Runs
    inside the caller's transaction."""
    for byline in Byline.objects.filter(reporter=source):
        if Byline.objects.filter(
            article_id=byline.article_id, reporter=target, contribution=byline.contribution
        ).exists():
            byline.delete()
        else:
            byline.reporter = target
            byline.save(update_fields=["reporter"])
    for credit in PhotoCredit.objects.filter(reporter=source):
        if PhotoCredit.objects.filter(photo_id=credit.photo_id, reporter=target).exists():
            credit.delete()
        else:
            credit.reporter = target
            credit.save(update_fields=["reporter"])
    login = source.user_id
    source.delete()
    if target.user_id is None and login is not None:
        target.user_id = login
        target.save(update_fields=["user"])


def correspondents_move(source_union, target_union, user=None) -> int:
    """When ``source_union`` is merged into ``target_union``: its correspondents write for
    ``target_union`` from now on, and one who has a namesake there already is the same person
    (``reporter_unique_in_union``: two correspondents of one union never share a name), so the
    two are merged (:func:`_merge_namesakes`). Returns how many correspondents moved. Registered
    with the union merge (``organizations.services.register_merge_handler``)."""
    moved = 0
    for reporter in Reporter.objects.filter(union=source_union).order_by("pk"):
        namesake = Reporter.objects.filter(union=target_union, name=reporter.name).first()
        if namesake is not None:
            _merge_namesakes(source=reporter, target=namesake)
        else:
            reporter.union = target_union
            reporter.save(update_fields=["union"])
        moved += 1
    return moved


def _relink(manager, source_union, target_union) -> None:
    manager.remove(source_union)
    manager.add(target_union)


def stories_move(source_union, target_union, user) -> int:
    """Link every story about ``source_union`` to ``target_union`` instead, each as a change
    of the story by ``user``. Returns how many stories moved."""
    stories = list(Article.objects.filter(unions=source_union).order_by("pk"))
    with coverage.deferred():  # each month's counts once, after every story's lock
        for story in stories:
            _move_story(story, source_union, target_union, user)
    return len(stories)


def _move_story(story, source_union, target_union, user) -> None:
    with story_change(story, user=user, check=lambda tester: None) as change:
        _relink(change.article.unions, source_union, target_union)
        change.log(
            "article.union_merged",
            f"相关工会“{source_union.name}”已并入“{target_union.name}”",
        )


def photos_move(source_union, target_union, user) -> int:
    """:func:`stories_move` for the photos linked to ``source_union``."""
    photos = list(Photo.objects.filter(unions=source_union).order_by("pk"))
    for photo in photos:
        if photo.article_id is None:
            _relink(photo.unions, source_union, target_union)
            continue
        with story_change(photo.article, user=user, check=lambda tester: None) as change:
            _relink(photo.unions, source_union, target_union)
            change.log(
                "article.union_merged",
                f"图片“{photo}”的相关工会“{source_union.name}”已并入“{target_union.name}”",
            )
    return len(photos)
