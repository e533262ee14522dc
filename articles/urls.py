"""Public URLs of stories and what groups them (mounted at the site root).

Detail URLs are ``<id>-<pinyin slug>/``: the id finds the object, the slug is for readers and
an outdated one redirects (301) to the current URL. Django's ``int`` converter stops at the
first non-digit, so ``12-yong-zhuan-ye`` splits into ``pk=12`` and ``slug="yong-zhuan-ye"``.
"""

from django.urls import path

from . import desk_views, feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:pk>-<str:slug>/", views.article_detail, name="article_detail"),
    path("columns/<int:pk>-<str:slug>/", views.column_detail, name="column_detail"),
    path("reporters/<int:pk>-<str:slug>/", views.reporter_detail, name="reporter_detail"),
    path("topics/", views.topic_list, name="topic_list"),
    path("topics/<int:pk>-<str:slug>/", views.topic_detail, name="topic_detail"),
    path("search/", views.search, name="search"),
    path("archive/", views.archive, name="archive"),
    path("archive/<int:year>/<int:month>/", views.archive_month, name="archive_month"),
    # Feeds (RSS 2.0 and Atom): the newest stories, and each topic's.
    path("feeds/latest/rss/", feeds.StoryFeed(), name="feed_latest_rss"),
    path("feeds/latest/atom/", feeds.LatestAtomFeed(), name="feed_latest_atom"),
    path("topics/<int:pk>-<str:slug>/feed/rss/", feeds.TopicFeed(), name="topic_feed_rss"),
    path("topics/<int:pk>-<str:slug>/feed/atom/", feeds.TopicAtomFeed(), name="topic_feed_atom"),
    # The desk's printable and statistics pages (staff only; log in through the admin).
    path(
        "desk/articles/<int:pk>/signoff-sheet/",
        desk_views.signoff_sheet,
        name="signoff_sheet",
    ),
    path("desk/statistics/", desk_views.contribution_stats, name="contribution_stats"),
]
