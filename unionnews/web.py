"""Web helpers shared by the public pages of every app: the site's name, pagination, and the
301 for a URL whose readable part (the slug) is out of date."""

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponsePermanentRedirect
from django.utils.functional import cached_property

#: The paper's name as readers see it in titles, feeds and structured data.
SITE_NAME = "工会新闻"
#: Items per page on every paginated public list.
PER_PAGE = 20
#: The most pages a public list offers. A reader pages through the newest stories; older ones
#: are found by month (按月浏览) or by search with dates. Counting stops there too, so a list's
#: cost does not grow with the archive (issue 11).
MAX_PAGES = 100
#: ``max_pages`` for a list that offers every page: one month of the archive, where a
#: reader goes for the older stories (its count is bounded by a month's stories).
EVERY_PAGE = 10**9


class CappedPaginator(Paginator):
    """A paginator that counts at most ``max_pages`` pages of items.

    ``count`` is the true number up to ``max_pages * per_page``, and that number when there
    are more; ``capped`` says which. The count is one ``COUNT(*)`` over a ``LIMIT``, so on a
    queryset ordered by an index (``publish_at``) it reads at most that many index entries
    whatever the size of the archive. A list whose number is already known (a count the
    services keep, ``articles/coverage.py``) passes it as ``total`` and makes no count query.
    """

    def __init__(self, object_list, per_page: int, max_pages: int, total: int | None = None):
        super().__init__(object_list, per_page)
        self.limit = max_pages * per_page
        self.total = total

    @cached_property
    def _seen(self) -> int:
        if self.total is not None:
            return self.total
        items = self.object_list
        if isinstance(items, QuerySet):
            # Unordered: the first limit + 1 rows in any order number the same, and the
            # database may stop at whichever it finds first.
            return items.order_by()[: self.limit + 1].count()
        return len(items)

    @cached_property
    def count(self) -> int:
        return min(self._seen, self.limit)

    @cached_property
    def capped(self) -> bool:
        """True when there are more items than the pages offered."""
        return self._seen > self.limit


def paginate(
    request,
    items,
    per_page: int = PER_PAGE,
    max_pages: int | None = None,
    *,
    total: int | None = None,
    param: str = "page",
) -> Page:
    """Page ``?page=N`` of ``items``, ``per_page`` a page (no ``page``: the first), at most
    ``max_pages`` pages (default :data:`MAX_PAGES`; :class:`CappedPaginator`). ``total`` is the
    number of ``items`` when it is known without counting them; ``param`` names the query
    parameter, for a second list on the same page (a union's sub-unions beside its stories).

    A page that does not exist (not a whole number, 0, past the last) is a 404: there is
    nothing to link to, and the page cache never stores it, so a crawler cannot fill the cache
    with made-up page numbers (issue 10)."""
    try:
        paginator = CappedPaginator(items, per_page, max_pages or MAX_PAGES, total)
        return paginator.page(request.GET.get(param) or 1)
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
