"""Public URLs of stories and what groups them, and the desk's own pages.

Detail URLs are ``<id>-<pinyin slug>/``: the id finds the object, the slug is for readers and
an outdated one redirects (301) to the current URL. Django's ``int`` converter stops at the
first non-digit, so ``12-yong-zhuan-ye`` splits into ``pk=12`` and ``slug="yong-zhuan-ye"``.

The union and event pages show stories, so their views live here too; their URL names keep
the namespaces readers' URLs have always had (``organizations:``, ``events:``), mounted by
``unionnews/urls.py`` at ``unions/`` and ``events/``.
"""

from django.urls import path

from . import feeds
from .views import desk, events, search, stories, unions

app_name = "articles"

urlpatterns = [
    path("", stories.home, name="home"),
    path("articles/<int:pk>-<str:slug>/", stories.article_detail, name="article_detail"),
    path("columns/<int:pk>-<str:slug>/", stories.column_detail, name="column_detail"),
    path("reporters/<int:pk>-<str:slug>/", stories.reporter_detail, name="reporter_detail"),
    path("topics/", stories.topic_list, name="topic_list"),
    path("topics/<int:pk>-<str:slug>/", stories.topic_detail, name="topic_detail"),
    path("search/", search.search, name="search"),
    path("archive/", stories.archive, name="archive"),
    path("archive/<int:year>/<int:month>/", stories.archive_month, name="archive_month"),
    # Feeds (RSS 2.0 and Atom): the newest stories, and each topic's.
    path("feeds/latest/rss/", feeds.StoryFeed(), name="feed_latest_rss"),
    path("feeds/latest/atom/", feeds.LatestAtomFeed(), name="feed_latest_atom"),
    path("topics/<int:pk>-<str:slug>/feed/rss/", feeds.TopicFeed(), name="topic_feed_rss"),
    path("topics/<int:pk>-<str:slug>/feed/atom/", feeds.TopicAtomFeed(), name="topic_feed_atom"),
    # The desk's own pages (log in through the admin); never cached.
    path("desk/articles/<int:pk>/preview/", desk.story_preview, name="story_preview"),
    path("desk/articles/<int:pk>/signoff-sheet/", desk.signoff_sheet, name="signoff_sheet"),
    path("desk/statistics/", desk.contribution_stats, name="contribution_stats"),
]

#: ``unions/``, namespace ``organizations``.
union_urlpatterns = [
    path("", unions.union_list, name="union_list"),
    path("<int:pk>-<str:slug>/", unions.union_detail, name="union_detail"),
    path("<int:pk>-<str:slug>/feed/rss/", feeds.UnionFeed(), name="union_feed_rss"),
    path("<int:pk>-<str:slug>/feed/atom/", feeds.UnionAtomFeed(), name="union_feed_atom"),
]

#: ``events/``, namespace ``events``.
event_urlpatterns = [
    path("", events.event_list, name="event_list"),
    path("<int:pk>-<str:slug>/", events.event_detail, name="event_detail"),
    path("<int:pk>-<str:slug>/feed/rss/", feeds.EventFeed(), name="event_feed_rss"),
    path("<int:pk>-<str:slug>/feed/atom/", feeds.EventAtomFeed(), name="event_feed_atom"),
]
