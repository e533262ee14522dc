"""The public event pages: the events the unions run, and the coverage of each (they show
stories, so they live with the stories, above the ``events`` app).

Events the importer proposed (``reviewed=False``) have no public page until an editor
confirms them, as with unions.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from events.models import Event, EventKind
from unionnews.web import paginate, redirect_if_moved

from .. import coverage
from ..models import Article, CoverageCount, Photo


def event_list(request):
    """Upcoming and past events, optionally of one kind (``?kind=competition``).

    Upcoming events (under way or still to come) are few and all shown; past events are
    paginated, newest first; events without dates yet (日期待定) are listed apart, neither
    past nor upcoming, paginated with ``?undated=N``. Each shows its number of published
    stories.
    """
    kind = request.GET.get("kind", "")
    if kind and kind not in EventKind.values:
        raise Http404("没有这一类活动。")  # not a page: never cached under a made-up kind
    events = Event.objects.reviewed()
    if kind:
        events = events.filter(kind=kind)
    today = timezone.localdate()
    upcoming = list(events.upcoming(today))
    page_obj = paginate(request, events.past(today))
    undated = paginate(request, events.undated(), param="undated")
    shown = [*upcoming, *page_obj, *undated]
    counts = coverage.counts(CoverageCount.Kind.EVENT, [event.pk for event in shown])
    for event in shown:
        event.story_count = counts.get(event.pk, 0)
    return render(
        request,
        "events/event_list.html",
        {
            "kind": kind,
            "kind_label": EventKind(kind).label if kind else "",
            "kinds": EventKind.choices,
            "upcoming": upcoming,
            "page_obj": page_obj,
            "undated": undated,
        },
    )


#: Photos in an event page's gallery (图集), newest stories first.
GALLERY_SIZE = 12


def event_detail(request, pk: int, slug: str):
    """An event's page: dates, place, organizers, figures, a gallery of the photos of its
    published coverage (:data:`GALLERY_SIZE` newest), and the coverage itself."""
    event = get_object_or_404(Event.objects.reviewed(), pk=pk)
    if moved := redirect_if_moved(request, slug, event.get_absolute_url(), event.slug):
        return moved
    stories = Article.objects.published().filter(events=event).with_listing().newest_first()
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "organizers": list(event.organizers.reviewed().in_directory_order()),
            "gallery": list(
                Photo.objects.public()
                .of_event(event)
                .prefetch_related("renditions")
                .order_by("-article__publish_at", "order", "pk")[:GALLERY_SIZE]
            ),
            "page_obj": paginate(
                request, stories, total=coverage.count(CoverageCount.Kind.EVENT, event.pk)
            ),
        },
    )
