"""A plain Wagtail news site: a home page, one news index and its stories.

The home page lists the newest stories of the whole site (HOME_STORIES of them, about what
UnionNews's home page shows); the index lists them all, 20 to a page. Queries are the ones
Wagtail's documentation teaches: ``live()`` pages of the specific model, newest first by
``first_published_at`` (a field Wagtail indexes), so one query fetches a whole list.
"""

from django.core.paginator import Paginator
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

HOME_STORIES = 65
PER_PAGE = 20


class HomePage(Page):
    max_count = 1
    subpage_types = ["news.NewsIndexPage"]

    class Meta:
        verbose_name = "首页"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        latest = NewsPage.objects.live().order_by("-first_published_at")
        context["latest"] = latest[:HOME_STORIES]
        context["news_index"] = NewsIndexPage.objects.live().first()
        return context


class NewsIndexPage(Page):
    intro = RichTextField("简介", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["news.HomePage"]
    subpage_types = ["news.NewsPage"]

    class Meta:
        verbose_name = "新闻栏目"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        stories = NewsPage.objects.child_of(self).live().order_by("-first_published_at")
        context["page_obj"] = Paginator(stories, PER_PAGE).get_page(request.GET.get("page"))
        return context


class NewsPage(Page):
    date = models.DateField("发布日期")
    intro = models.CharField("导语", max_length=250, blank=True)
    body = RichTextField("正文", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("intro")]
    content_panels += [FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["news.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "新闻"
