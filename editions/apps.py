from django.apps import AppConfig


class EditionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "editions"
    verbose_name = "数字报"

    def ready(self):
        from unionnews import audit, page_cache

        from . import services
        from .models import Edition, Page, Placement

        audit.register(services.ACTIONS)
        page_cache.register(Edition, shown=lambda edition: edition.status == "published")
        page_cache.register(Page, shown=lambda page: page.edition.status == "published")
        page_cache.register(
            Placement, shown=lambda placement: placement.page.edition.status == "published"
        )
        page_cache.register_deadline(next_scheduled_edition)


def next_scheduled_edition(now):
    """When the next edition scheduled after ``now`` comes out: no page rendered at ``now``
    outlives it (the stories of a scheduled edition set the same deadline; an edition's own
    time counts too, so that an edition whose stories were already live appears at its
    moment)."""
    from .models import Edition

    return Edition.objects.scheduled(after=now).values_list("publish_at", flat=True).first()
