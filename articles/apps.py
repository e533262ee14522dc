from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default = True  # the app's own config; TopicsConfig below is taggit's
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "采编"

    def ready(self):
        from taggit.models import Tag

        from organizations.services import register_merge_handler
        from unionnews import audit, page_cache

        from . import services
        from .models import Article, ArticleStatus, Column, Photo, Reporter

        audit.register(services.ACTIONS)
        # A story shows once published, live or scheduled (a scheduled one sets the pages'
        # deadline); columns, reporters and topics show by name on public pages.
        page_cache.register(Article, shown=lambda story: story.status == ArticleStatus.PUBLISHED)
        page_cache.register(
            Photo,
            shown=lambda p: p.article is not None and p.article.status == ArticleStatus.PUBLISHED,
        )
        for model in (Column, Reporter, Tag):
            page_cache.register(model)
        page_cache.register_deadline(next_scheduled_publication)
        # A union merge records itself on every story and photo it touches (a new version),
        # and merges two correspondents of the same name.
        register_merge_handler(Article._meta.label, services.stories_move)
        register_merge_handler(Photo._meta.label, services.photos_move)
        register_merge_handler(Reporter._meta.label, services.correspondents_move)


def next_scheduled_publication(now):
    """When the next story scheduled after ``now`` goes live (定时发布): no page rendered at
    ``now`` outlives it."""
    from .models import Article

    return Article.objects.scheduled(after=now).values_list("publish_at", flat=True).first()


class TopicsConfig(AppConfig):
    """django-taggit's app under the desk's own name for it: topics (话题)."""

    name = "taggit"
    verbose_name = "话题"
    default_auto_field = "django.db.models.AutoField"
