"""Public URLs of the events the unions run (mounted at ``events/``)."""

from django.urls import path

from articles import feeds

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("<int:pk>-<str:slug>/", views.event_detail, name="event_detail"),
    path("<int:pk>-<str:slug>/feed/rss/", feeds.EventFeed(), name="event_feed_rss"),
    path("<int:pk>-<str:slug>/feed/atom/", feeds.EventAtomFeed(), name="event_feed_atom"),
]
