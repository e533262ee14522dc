"""RSS 2.0 and Atom feeds of the newest published stories: site-wide, per union, per topic
and per event (DESIGN.md, "Public site").

Each feed lists the :data:`FEED_ITEMS` newest stories of ``Article.objects.published()``, the
one visibility rule, so a draft or a story scheduled for later never appears. A union's feed
covers its sub-unions too, as its page does; unreviewed unions and events have no feed, as
they have no page. A feed URL is its page's URL plus ``feed/rss/`` or ``feed/atom/``; an
outdated slug redirects (301) to the current feed URL, as the pages do.

Items come from ``with_listing()`` plus the topics, so a feed makes the same number of
queries however many stories it lists.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.http import http_date
from taggit.models import Tag

from events.models import Event
from organizations.models import Union
from unionnews.web import SITE_NAME, redirect_if_moved

from .models import Article
from .topics import topic_slug, topic_url

#: Stories in every feed, newest first.
FEED_ITEMS = 20


class StoryFeed(Feed):
    """The newest published stories of the whole paper (RSS 2.0).

    Subclasses narrow :meth:`stories` to one union, topic or event, looked up by the
    ``pk`` and ``slug`` of their page's URL. Each item: the title line (引题 主题 副题), the
    story's absolute URL as link and id, the lead-in and first paragraph as description
    (plain text, HTML-escaped, so nothing in a story is ever read as markup), the publish
    time, the credited names as author, and the story's unions and topics as categories.
    """

    feed_type = Rss201rev2Feed
    language = "zh-cn"
    #: Name of the page the feed follows, and of the feed URLs (``<url_name>_rss``/``_atom``).
    url_name = "articles:feed_latest"

    def __call__(self, request, pk=None, slug=None):
        obj = None if pk is None else self.get_object(request, pk)
        if obj is not None:
            canonical = self.feed_url(obj)
            if moved := redirect_if_moved(request, slug, canonical, self.slug_of(obj)):
                return moved
        feedgen = self.get_feed(obj, request)
        response = HttpResponse(content_type=feedgen.content_type)
        # Lets ConditionalGetMiddleware answer 304 Not Modified, as Feed.__call__ does.
        response.headers["Last-Modified"] = http_date(feedgen.latest_post_date().timestamp())
        feedgen.write(response, "utf-8")
        return response

    # -- the feed ------------------------------------------------------------------------------

    def slug_of(self, obj) -> str:
        return obj.slug or "-"

    def stories(self, obj):
        """The published stories this feed follows (any order, not yet limited)."""
        return Article.objects.published()

    def items(self, obj):
        stories = self.stories(obj).with_listing().prefetch_related("tags")
        return list(stories.newest_first()[:FEED_ITEMS])

    def title(self, obj):
        return f"{SITE_NAME} - 最新报道"

    def description(self, obj):
        return f"{SITE_NAME}最新发布的报道。"

    def link(self, obj):
        return reverse("articles:home")

    def feed_url(self, obj):
        suffix = "atom" if self.feed_type is Atom1Feed else "rss"
        args = [] if obj is None else [obj.pk, self.slug_of(obj)]
        return reverse(f"{self.url_name}_{suffix}", args=args)

    # -- each story ------------------------------------------------------------------------------

    def item_title(self, item: Article) -> str:
        return item.title_text

    def item_description(self, item: Article) -> str:
        paragraphs = item.paragraphs
        return escape(item.lead_in() + (paragraphs[0] if paragraphs else ""))

    def item_pubdate(self, item: Article):
        return item.publish_at

    def item_updateddate(self, item: Article):
        return max(item.updated_at, item.publish_at)

    def item_author_name(self, item: Article) -> str:
        names = dict.fromkeys(credit.name for credit in item.credits())  # once each, in order
        return "、".join(names)

    def item_categories(self, item: Article) -> list[str]:
        return [union.name for union in item.unions.all()] + [tag.name for tag in item.tags.all()]


class AtomFeedMixin:
    """Serve the same feed as Atom 1.0: the description becomes the subtitle."""

    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)


class UnionFeed(StoryFeed):
    """A reviewed union's coverage, including the unions below it, as its page shows."""

    url_name = "organizations:union_feed"

    def get_object(self, request, pk):
        return get_object_or_404(Union.objects.reviewed(), pk=pk)

    def stories(self, obj: Union):
        return Article.objects.published().about_unions(Union.objects.subtree(obj).values("pk"))

    def title(self, obj: Union):
        return f"{obj.name} - {SITE_NAME}"

    def description(self, obj: Union):
        return f"{SITE_NAME}关于{obj.name}及其下级工会的最新报道。"

    def link(self, obj: Union):
        return obj.get_absolute_url()


class TopicFeed(StoryFeed):
    """A topic's (taggit tag's) stories. A tag used only on drafts has no feed, as it has no
    page."""

    url_name = "articles:topic_feed"

    def get_object(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        if not Article.objects.published().tagged(tag).exists():
            raise Http404("该话题还没有报道。")
        return tag

    def slug_of(self, obj: Tag) -> str:
        return topic_slug(obj)

    def stories(self, obj: Tag):
        return Article.objects.published().tagged(obj)

    def title(self, obj: Tag):
        return f"话题：{obj.name} - {SITE_NAME}"

    def description(self, obj: Tag):
        return f"{SITE_NAME}关于“{obj.name}”的最新报道。"

    def link(self, obj: Tag):
        return topic_url(obj)


class EventFeed(StoryFeed):
    """A reviewed event's coverage."""

    url_name = "events:event_feed"

    def get_object(self, request, pk):
        return get_object_or_404(Event.objects.reviewed(), pk=pk)

    def stories(self, obj: Event):
        return Article.objects.published().filter(events=obj)

    def title(self, obj: Event):
        return f"{obj} - {SITE_NAME}"

    def description(self, obj: Event):
        return f"{SITE_NAME}关于{obj}的最新报道。"

    def link(self, obj: Event):
        return obj.get_absolute_url()


class LatestAtomFeed(AtomFeedMixin, StoryFeed):
    pass


class UnionAtomFeed(AtomFeedMixin, UnionFeed):
    pass


class TopicAtomFeed(AtomFeedMixin, TopicFeed):
    pass


class EventAtomFeed(AtomFeedMixin, EventFeed):
    pass
