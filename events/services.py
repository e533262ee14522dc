"""Changes to events: the importer's proposals, editing, and the editors' review.

Each change takes the ``user``, is allowed by the events' model permissions, runs in a
transaction, leaves an audit entry and retires the page cache when a public event changes.
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from unionnews import audit, page_cache
from unionnews.actors import ModelPolicy

from .models import Event

POLICY = ModelPolicy(Event)


class EventNotAllowed(Exception):
    """A change to events the user may not make."""


def _require(user, *actions: str) -> None:
    if not POLICY.user_can(user, *actions):
        raise EventNotAllowed("你没有权限修改活动。")


def event_propose(
    *, user, name: str, kind: str, edition_year: int | None, desk_note: str, organizers=()
) -> Event:
    """Add an event the importer found in a page, for an editor to review: unreviewed, so
    that it shows on no public page; ``desk_note`` says where it was found."""
    _require(user, "add")
    with transaction.atomic():
        event = Event.objects.create(
            name=name, kind=kind, edition_year=edition_year, reviewed=False, desk_note=desk_note
        )
        if organizers:
            event.organizers.add(*organizers)
        audit.log(user=user, action="event.propose", obj=event, summary=desk_note)
    return event


def event_save(*, user, event: Event, save_related: Callable[[], None] | None = None) -> Event:
    """Save ``event`` as edited (created when it has no id); ``save_related`` writes its
    organizers in the same transaction. Raises :class:`EventNotAllowed`."""
    creating = event.pk is None
    _require(user, "add" if creating else "change")
    with transaction.atomic():
        was_public = not creating and Event.objects.filter(pk=event.pk, reviewed=True).exists()
        event.save()
        if save_related is not None:
            save_related()
        audit.log(
            user=user,
            action="event.create" if creating else "event.change",
            obj=event,
            summary=("新建活动" if creating else "修改活动") + f"“{event}”",
        )
        if was_public or event.reviewed:
            page_cache.retire()
    return event


def event_delete(*, user, event: Event) -> None:
    _require(user, "delete")
    with transaction.atomic():
        audit.log(user=user, action="event.delete", obj=event, summary=f"删除活动“{event}”")
        shown = event.reviewed
        event.delete()
        if shown:
            page_cache.retire()


def events_mark_reviewed(*, user, events: QuerySet[Event]) -> int:
    """An editor confirms events the importer proposed; they get public pages. Returns how
    many changed."""
    _require(user, "change")
    with transaction.atomic():
        chosen = list(
            Event.objects.filter(pk__in=events.values("pk"), reviewed=False).select_for_update()
        )
        Event.objects.filter(pk__in=[e.pk for e in chosen]).update(
            reviewed=True, updated_at=timezone.now()
        )
        for event in chosen:
            audit.log(user=user, action="event.review", obj=event, summary="审核通过")
        if chosen:
            page_cache.retire()
    return len(chosen)


ACTIONS = {
    "event.propose": "导入程序提议活动",
    "event.create": "新建活动",
    "event.change": "修改活动",
    "event.delete": "删除活动",
    "event.review": "审核活动",
}
