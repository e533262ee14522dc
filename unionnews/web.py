"""Web helpers shared by the public pages of every app: the site's name, pagination, and the
301 for a URL whose readable part (the slug) is out of date."""

from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404, HttpResponsePermanentRedirect

#: The paper's name as readers see it in titles, feeds and structured data.
SITE_NAME = "工会新闻"
#: Items per page on every paginated public list.
PER_PAGE = 20


def paginate(request, items, per_page: int = PER_PAGE) -> Page:
    """Page ``?page=N`` of ``items``, ``per_page`` a page (no ``page``: the first). A page that
    does not exist (not a whole number, 0, past the last) is a 404: there is nothing to link
    to, and the page cache never stores it, so a crawler cannot fill the cache with made-up
    page numbers (issue 10)."""
    try:
        return Paginator(items, per_page).page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("没有这一页。") from exc


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
