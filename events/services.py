"""Changes to events."""

from django.db.models import QuerySet
from django.utils import timezone

from unionnews import page_cache

from .models import Event


def events_mark_reviewed(*, events: QuerySet[Event]) -> int:
    """An editor confirms events the importer proposed; they get public pages. Returns how
    many changed."""
    count = events.filter(reviewed=False).update(reviewed=True, updated_at=timezone.now())
    if count:
        page_cache.invalidate()  # a bulk update sends no signal
    return count
