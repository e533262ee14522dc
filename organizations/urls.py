"""Public URLs of the union directory (mounted at ``unions/``)."""

from django.urls import path

from articles import feeds

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.union_list, name="union_list"),
    path("<int:pk>-<str:slug>/", views.union_detail, name="union_detail"),
    path("<int:pk>-<str:slug>/feed/rss/", feeds.UnionFeed(), name="union_feed_rss"),
    path("<int:pk>-<str:slug>/feed/atom/", feeds.UnionAtomFeed(), name="union_feed_atom"),
]
