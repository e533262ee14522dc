"""The desk's people: reporters and correspondents, and what happens to a union's
correspondents when the union is merged into another."""

from ..models import Byline, PhotoCredit, Reporter


def reporter_merge(*, source: Reporter, target: Reporter) -> None:
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


def correspondents_move(source_union, target_union) -> int:
    """When ``source_union`` is merged into ``target_union``: its correspondents write for
    ``target_union`` from now on, and one who has a namesake there already is the same person
    (``reporter_unique_in_union``: two correspondents of one union never share a name), so the
    two are merged (:func:`reporter_merge`). Returns how many correspondents moved. Registered
    with the union merge (``organizations.services.register_merge_handler``)."""
    moved = 0
    for reporter in Reporter.objects.filter(union=source_union).order_by("pk"):
        namesake = Reporter.objects.filter(union=target_union, name=reporter.name).first()
        if namesake is not None:
            reporter_merge(source=reporter, target=namesake)
        else:
            reporter.union = target_union
            reporter.save(update_fields=["union"])
        moved += 1
    return moved
