"""Changes to events."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import Event


def events_mark_reviewed(*, events: QuerySet[Event]) -> int:
    """An editor confirms events the importer proposed; they get public pages. Returns how
    many changed."""
    return events.filter(reviewed=False).update(reviewed=True, updated_at=timezone.now())
