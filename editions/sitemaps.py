"""The digital paper's sitemap sections: published editions and their pages, exactly as
public as their pages (``Edition.objects.published()``)."""

from django.contrib.sitemaps import Sitemap

from .models import Edition, Page


class EditionSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Edition.objects.published().order_by("-paper_date")

    def lastmod(self, item: Edition):
        return item.updated_at


class PageSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5_000

    def items(self):
        editions = Edition.objects.published()
        return (
            Page.objects.filter(edition__in=editions)
            .select_related("edition")
            .order_by("-edition__paper_date", "number")
        )


SITEMAPS = {"editions": EditionSitemap, "epaper-pages": PageSitemap}
