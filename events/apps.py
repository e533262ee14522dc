from django.apps import AppConfig


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "活动"

    def ready(self):
        from unionnews import audit, page_cache
        from unionnews.dates import next_midnight

        from . import services
        from .models import Event

        audit.register(services.ACTIONS)
        page_cache.register(Event, shown=lambda event: event.reviewed)
        # The event index sorts by today's date: at midnight events move from upcoming to past.
        page_cache.register_deadline(next_midnight)
