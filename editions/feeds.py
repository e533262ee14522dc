"""The digital paper's feed (RSS 2.0): the newest published editions, each with its pages and
their published stories' headlines, so a reader's feed reader says when today's paper is out."""

from collections import defaultdict

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed

from articles.models import Article
from unionnews.dates import date_label
from unionnews.web import SITE_NAME

from .models import Edition

#: Editions in the feed, newest first.
FEED_EDITIONS = 20


class EditionFeed(Feed):
    feed_type = Rss201rev2Feed
    language = "zh-cn"
    title = f"{SITE_NAME} - 数字报"
    description = f"{SITE_NAME}每期报纸的版面和稿件。"

    def link(self):
        return reverse("editions:latest")

    def items(self):
        editions = list(
            Edition.objects.published()
            .order_by("-paper_date")
            .prefetch_related("pages")[:FEED_EDITIONS]
        )
        # The editions' published stories in one query, by page, in layout order.
        headlines = defaultdict(list)
        stories = (
            Article.objects.published()
            .filter(placement__page__edition__in=editions)
            .order_by("placement__position", "pk")
            .values_list("placement__page_id", "headline")
        )
        for page_id, headline in stories:
            headlines[page_id].append(headline)
        for edition in editions:
            edition.lines = [
                f"{page.label}：{'；'.join(headlines[page.pk]) or '（稿件尚未上线）'}"
                for page in edition.pages.all()
            ]
        return editions

    def item_title(self, item: Edition):
        issue = f"（总第 {item.issue_number} 期）" if item.issue_number else ""
        return f"{date_label(item.paper_date)}{issue} 数字报"

    def item_description(self, item: Edition):
        return "\n".join(item.lines)

    def item_pubdate(self, item: Edition):
        return item.publish_at

    def item_link(self, item: Edition):
        return item.get_absolute_url()
