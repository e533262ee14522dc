"""sitemap.xml: every public page a search engine should find (DESIGN.md, "Public site"), as
an index of these sections (``sitemap-articles.xml`` …), stories in pages of 5,000.

Stories come from ``Article.objects.published()``, the one visibility rule, so a draft or a
story scheduled for later is never listed; unions and events only when reviewed, and topics
only with a published story, exactly as their pages are public.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from taggit.models import Tag

from events.models import Event
from organizations.models import Union

from .models import Article, Column
from .topics import topic_url


class ArticleSitemap(Sitemap):
    """Published stories, newest first, last modified when the story was last saved; in
    pages of :attr:`limit` (``sitemap-articles.xml?p=2``)."""

    changefreq = "weekly"
    priority = 0.8
    limit = 5_000

    def items(self):
        return Article.objects.published().only("pk", "slug", "updated_at").newest_first()

    def lastmod(self, item: Article):
        return item.updated_at

    def get_latest_lastmod(self):
        """For the index: one aggregate, not every story read (Django's default)."""
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class UnionSitemap(Sitemap):
    """Reviewed unions (importer proposals have no public page)."""

    changefreq = "weekly"

    def items(self):
        return Union.objects.reviewed().order_by("pk")

    def lastmod(self, item: Union):
        return item.updated_at


class EventSitemap(Sitemap):
    """Reviewed events."""

    changefreq = "weekly"

    def items(self):
        return Event.objects.reviewed().order_by("pk")

    def lastmod(self, item: Event):
        return item.updated_at


class TopicSitemap(Sitemap):
    """Topics (taggit tags) with at least one published story."""

    changefreq = "weekly"

    def items(self):
        published = Article.objects.published()
        return Tag.objects.filter(pk__in=published.values("tags")).order_by("pk")

    def location(self, item: Tag):
        return topic_url(item)


class ColumnSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Column.objects.order_by("pk")


class StaticSitemap(Sitemap):
    """The pages that are not about one object: home, directories and the archive."""

    changefreq = "daily"

    def items(self):
        return [
            "articles:home",
            "organizations:union_list",
            "events:event_list",
            "articles:topic_list",
            "articles:archive",
        ]

    def location(self, item: str):
        return reverse(item)


SITEMAPS = {
    "static": StaticSitemap,
    "articles": ArticleSitemap,
    "unions": UnionSitemap,
    "events": EventSitemap,
    "topics": TopicSitemap,
    "columns": ColumnSitemap,
}
