"""Web helpers shared by the public pages of every app: the site's name, pagination, and the
301 for a URL whose readable part (the slug) is out of date."""

from django.core.paginator import Page, Paginator
from django.http import HttpResponsePermanentRedirect

#: The paper's name as readers see it in titles, feeds and structured data.
SITE_NAME = "工会新闻"
#: Items per page on every paginated public list.
PER_PAGE = 20


def paginate(request, items, per_page: int = PER_PAGE) -> Page:
    """Page ``?page=N`` of ``items``, ``per_page`` a page; a bad number gives page 1 or the
    last page rather than an error."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def redirect_if_moved(request, slug: str, canonical_url: str, canonical_slug: str):
    """A 301 to ``canonical_url`` when the URL's ``slug`` is not the object's current one.

    The id in the URL finds the object; the slug is only for readers, so an outdated or
    mistyped slug (e.g. after a headline was edited) moves permanently to the current URL,
    keeping the query string. Returns ``None`` when the slug is right.
    """
    if slug == (canonical_slug or "-"):
        return None
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{canonical_url}?{query}" if query else canonical_url)
