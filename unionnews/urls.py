"""The site's URLs: the composition of the apps, and so the one module of ``unionnews`` that
knows them (import-linter allows it, and only it)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path
from django.views.generic import TemplateView

from articles.sitemaps import SITEMAPS as STORY_SITEMAPS
from articles.urls import event_urlpatterns, union_urlpatterns
from articles.views.media import photo_file
from editions.sitemaps import SITEMAPS as EDITION_SITEMAPS

from .desk_admin import view_on_site
from .limits import body_check

SITEMAPS = {**STORY_SITEMAPS, **EDITION_SITEMAPS}

urlpatterns = [
    # The admin's 在站点上查看 shortcut, asking who may see the object (Django's asks nobody).
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
    ),
    path("admin/", admin.site.urls),
    # Asked by nginx before it reads a body sent to the desk (deploy/nginx.conf).
    path("desk/body-check/", body_check, name="body_check"),
    path("", include("articles.urls")),
    path("unions/", include((union_urlpatterns, "organizations"))),
    path("events/", include((event_urlpatterns, "events"))),
    path("epaper/", include("editions.urls")),
    # An index of sections, each in pages of at most 5,000 URLs (issue 11: one sitemap of a
    # 100,000-story archive was 10 MB, past the protocol's 50,000 URLs a file).
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots_txt",
    ),
]

if settings.SERVE_MEDIA:
    # Photos and their renditions, each checked against its story (articles/views/media.py);
    # behind nginx the view answers with X-Accel-Redirect (UNIONNEWS_MEDIA_ACCEL_REDIRECT) and
    # nginx sends the file. SERVE_MEDIA=0 is for a bucket, which serves its own URLs.
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", photo_file, name="media")]
