"""The full-page cache for anonymous readers (整页缓存).

Readers arrive in bursts from search engines and shared links, mostly on the same few pages;
those pages are the same for every anonymous reader, so :class:`PageCacheMiddleware` keeps
whole responses in Django's cache (Redis with ``CACHE_URL``, else per-process memory) and
serves a repeat without a database query.

What is cached: GET and HEAD requests without a session cookie (so never an editor or a
reporter who is logged in) for a 200 response that sets no cookie and is not marked private,
outside the desk's URLs (:data:`NEVER_CACHED`), whose query string names nothing but
:data:`CACHED_PARAMETERS`, and that varies on nothing but the language. A search (``?q=``)
or a URL with any other parameter is rendered fresh each time, so arbitrary URLs cannot fill
the cache.

One key per page (:func:`page_key`: the language and the absolute URL) holds the page's
status, headers and gzip-compressed bytes with the generation it was rendered in; a reader
whose browser takes gzip gets those bytes as they are. A hit is one round trip
to the cache server: the generation and the page in one ``MGET``; a page of another
generation is a miss (issue 11: Django's own cache keys took three round trips, the
generation, the learned ``Vary`` header list and the page, then unpickled a whole
``HttpResponse``).

How a page never goes stale (issue 4, "Speed"):

- **Edits.** Every cached key starts with a *generation* number kept in the cache. Every
  service whose change readers could see calls :func:`retire` (or :func:`retire_for` with
  the objects it changed), which bumps the generation: pages of the old generation are never
  read again and age out. Which models show on public pages, and when, each app says for its
  own models with :func:`register` (``articles/apps.py``, ``organizations/apps.py``,
  ``events/apps.py``); this module knows none of them.
- **Time.** A page is kept at most ``UNIONNEWS_PAGE_CACHE_SECONDS`` (0 turns the cache off),
  and never past the next moment a page changes by itself: each app registers those moments
  with :func:`register_deadline` (the next scheduled publish time, 定时发布; the next midnight,
  when events move from upcoming to past). So a story scheduled for 08:00 is on no cached
  page at 07:59 and on every page from 08:00, with no job to run, as
  ``Article.objects.published()`` promises.

- **A story going live under load** (issue 11, "a publish under load"). A change that only
  adds to readers' pages (a story that was not public and now is) retires pages softly: it
  stamps :data:`ADDED_KEY` with the moment, and a page rendered before that moment is
  *stale* rather than gone. The first reader to ask for a stale page renders it anew; while
  that render runs, for at most :data:`STALE_SECONDS` after the publication, other readers
  get the stale page at once (``X-Cache: stale``) instead of queueing behind fresh renders
  of the same page. So a new story may reach a cached page up to a second late. Every other
  change (a withdrawal, an edit, a deletion) bumps the generation: those pages are never
  served again, not even stale. Scheduled stories keep their exact moment (the deadlines
  below cut the pages' lifetime).

The generation lives in the cache itself, so with the per-process memory cache a change is
seen only by the process that made it: serve with several processes only with
``CACHE_URL`` (the deploy check ``unionnews.W001`` says so). If the cache server is down,
pages are served uncached and the failure is logged; nothing is refused.
"""

import gzip
import logging
import math
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from hashlib import md5

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import models, transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, cc_delim_re, patch_vary_headers

logger = logging.getLogger(__name__)

#: The cache key holding the current generation; bumping it retires every cached page.
GENERATION_KEY = "page-cache:generation"
#: The cache key holding when (``time.time_ns()``) a story last went live: pages rendered
#: before are stale (see the module docstring); absent until the first publication.
ADDED_KEY = "page-cache:added"
#: The most seconds after a story went live that a page rendered before may still be served
#: while one request renders it anew (issue 11: "up to 1 s late").
STALE_SECONDS = 1.0
#: URL prefixes never cached: the admin and the desk's own pages are per user.
NEVER_CACHED = ("/admin/", "/desk/")
#: Query parameters that pick a cached variant of a page (pagination, the sitemap's pages,
#: the event kind filter). A URL with any other parameter is not cached.
CACHED_PARAMETERS = frozenset({"page", "p", "kind"})
#: Response header saying whether the page came from the cache (``hit``) or was rendered
#: and stored (``miss``); absent when the request was not cacheable.
STATUS_HEADER = "X-Cache"


def lifetime_limit() -> int:
    """The most seconds a page is kept (``UNIONNEWS_PAGE_CACHE_SECONDS``); 0 = cache off."""
    return settings.UNIONNEWS_PAGE_CACHE_SECONDS


class _Outage:
    """The cache server's health as this process sees it (issue 10, "Redis trouble"): after a
    failure the cache is left alone for :attr:`RETRY_AFTER` seconds, so that a frozen or
    stopped server costs readers one short timeout, not one per request; the outage is
    logged once when it starts and once when it ends. Coming back, every cached page is
    retired: changes made meanwhile could not retire them."""

    RETRY_AFTER = 5.0

    def __init__(self):
        self.since: float | None = None
        self.retry_at = 0.0

    def open(self) -> bool:
        """Whether to talk to the cache server now."""
        return self.since is None or time.monotonic() >= self.retry_at

    def failed(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if self.since is None:
            self.since = now
            logger.error(
                "page cache: %s failed (%s: %s); serving pages uncached until the cache "
                "server answers again",
                what,
                type(exc).__name__,
                exc,
            )
        self.retry_at = now + self.RETRY_AFTER

    def answered(self) -> None:
        if self.since is not None:
            lasted = time.monotonic() - self.since
            self.since = None
            logger.warning("page cache: the cache server answers again after %.0f s", lasted)
            _bump()


_outage = _Outage()


def forget_outage() -> None:
    """Start over as if the cache server had always answered (tests, and a new process)."""
    _outage.__init__()


def current_generation() -> int:
    """The generation that keys of cached pages carry now; starts at a fresh number when the
    cache has none (first use, or evicted), which also retires every page stored before."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or evicted): any new number retires old pages
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
    except Exception as exc:  # the cache server is down: its pages cannot be served either
        _outage.failed("retiring cached pages", exc)


def _stamp_added() -> None:
    try:
        cache.set(ADDED_KEY, time.time_ns(), timeout=None)
    except Exception as exc:
        _outage.failed("retiring cached pages", exc)


def retire(*, only_added: bool = False) -> None:
    """Retire every cached page: call from a service after any change readers could see.

    Bumps the generation at once, and again when the surrounding transaction commits: a
    reader whose page was rendered from the old rows between the two bumps stored it under
    the generation the commit retires. A transaction that rolls back costs one needless
    round of renders, never a stale page.

    ``only_added=True`` is for a change that only adds to readers' pages (a story going
    live): pages become stale instead, renewed by one request each while others may still
    read them for :data:`STALE_SECONDS` (module docstring). Never for a change that takes
    anything off a page or alters it.
    """
    step = _stamp_added if only_added else _bump
    step()
    transaction.on_commit(step, robust=True)


#: Model → "does this object show on public pages now?", registered by each app.
_PUBLIC_MODELS: dict[type[models.Model], Callable[[models.Model], bool]] = {}
#: Functions of ``now`` giving the next moment public pages change by themselves, or None.
_DEADLINES: list[Callable[[datetime], datetime | None]] = []


def register(model: type[models.Model], *, shown: Callable[[models.Model], bool] | None = None):
    """Say that objects of ``model`` show on public pages: always, or when ``shown(obj)``
    is true (a story only once published). Each app registers its own models in ``ready()``."""
    _PUBLIC_MODELS[model] = shown or (lambda obj: True)


def shows(obj: models.Model) -> bool:
    """Whether ``obj`` shows on public pages, by its model's registration; an object of an
    unregistered model never does."""
    for model in type(obj).__mro__:
        if model in _PUBLIC_MODELS:
            return bool(_PUBLIC_MODELS[model](obj))
    return False


def retire_for(*objects: models.Model) -> bool:
    """:func:`retire` if any of ``objects`` shows on public pages; returns whether it did.
    Pass an object as it was before the change and as it is after, when a change can take it
    on or off the site."""
    if any(shows(obj) for obj in objects):
        retire()
        return True
    return False


def register_deadline(next_change: Callable[[datetime], datetime | None]) -> None:
    """Add a function of ``now`` that gives the next moment public pages change with no write
    (a scheduled story going live, midnight), or ``None``; no cached page outlives it."""
    if next_change not in _DEADLINES:
        _DEADLINES.append(next_change)


def page_expiry(started: datetime) -> datetime:
    """When a page whose rendering began at ``started`` expires: the configured limit from
    then, cut at every registered deadline that comes after ``started`` (the next scheduled
    publish time, the next midnight in Asia/Shanghai). Computed from the start of the
    rendering, not from when the page is stored: a page rendered from rows read before a
    story's time is never kept past that time, however long the rendering took (issue 10)."""
    until = started + timedelta(seconds=lifetime_limit())
    for next_change in _DEADLINES:
        moment = next_change(started)
        if moment is not None:
            until = min(until, moment)
    return until


def page_lifetime(now: datetime | None = None, *, started: datetime | None = None) -> int:
    """Whole seconds, counted from ``now``, that a page whose rendering began at ``started``
    (by default ``now``) may still be served: rounded down so that the page has expired by
    its deadline. 0 means "do not cache"."""
    now = now or timezone.now()
    return max(int((page_expiry(started or now) - now).total_seconds()), 0)


#: A cached parameter's value: one word of a few letters (``kind``) or a page number written
#: the one way (``page=2``, not ``02`` or ``2.0``), so that a URL cannot be varied endlessly.
CACHED_VALUE = re.compile(r"[a-z_]{1,20}|[1-9][0-9]{0,5}")


def _cacheable_request(request) -> bool:
    # ``p`` pages the sitemap only: elsewhere it would be one more copy of the same page.
    allowed = CACHED_PARAMETERS if request.path.startswith("/sitemap-") else {"page", "kind"}
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(NEVER_CACHED)
        and set(request.GET) <= allowed
        and all(
            len(values) == 1 and CACHED_VALUE.fullmatch(values[0])
            for _, values in request.GET.lists()
        )
    )


def _cacheable_response(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    varies = {h.strip().lower() for h in cc_delim_re.split(response.get("Vary", "")) if h}
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and varies <= {"accept-language"}  # the language is in the key; nothing else is
    )


def page_key(request) -> str:
    """The cache key of the page ``request`` asks for: its language and absolute URL (host,
    path and query), hashed."""
    url = md5(request.build_absolute_uri().encode(), usedforsecurity=False).hexdigest()
    # "2": the stored form (compressed bytes); a page stored in another form is never read.
    return f"page:2:{translation.get_language_from_request(request)}:{url}"


def _lookup(request, key: str) -> tuple[tuple[int, int], HttpResponse | None]:
    """The current ``(generation, added)`` marks, and the page stored under ``key`` with its
    ``X-Cache`` status when it may be served: in one round trip for a hit. A stale page costs
    a second one, to elect the request that renders it anew (:data:`STALE_SECONDS`)."""
    found = cache.get_many([GENERATION_KEY, ADDED_KEY, key])
    generation, added = found.get(GENERATION_KEY), found.get(ADDED_KEY, 0)
    if generation is None:
        return (current_generation(), added), None
    marks = (generation, added)
    entry = found.get(key)
    if entry is None or entry[0] != generation:
        return marks, None
    if entry[1] == added:
        status = "hit"
    elif time.time_ns() - added <= STALE_SECONDS * 1e9 and not cache.add(
        f"{key}:renewing:{added}", 1, timeout=math.ceil(STALE_SECONDS)
    ):
        status = "stale"  # another request is rendering this page anew
    else:
        return marks, None  # this request renders it (or it is stale for too long)
    _, _, code, headers, packed = entry
    return marks, _unpacked(request, code, headers, packed, status)


#: A request whose ``Accept-Encoding`` takes gzip gets the stored bytes as they are.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _packed(response) -> tuple:
    """What is stored of a page: status, headers and its bytes gzip-compressed, once when it
    is stored. A 42 KB home page is about a fifth of that: less to read from Redis on every
    hit, and less to send to a reader whose browser takes gzip (every browser does)."""
    headers = [(k, v) for k, v in response.items() if k.lower() != "content-length"]
    return response.status_code, headers, gzip.compress(response.content, compresslevel=6)


def _unpacked(request, code: int, headers: list, packed: bytes, status: str) -> HttpResponse:
    """The stored page as the response to ``request``: compressed for a client that takes
    gzip, else decompressed; ``Vary: Accept-Encoding`` either way."""
    compressed = bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
    response = HttpResponse(packed if compressed else gzip.decompress(packed), status=code)
    for name, value in headers:
        response[name] = value
    patch_vary_headers(response, ["Accept-Encoding"])
    if compressed:
        response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(response.content))
    response[STATUS_HEADER] = status
    return response


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache; see the module docstring for what is
    cached and how it is kept current. Place it as early as it can go, after the middleware
    whose headers every response needs (security headers, static files): a hit skips all
    the middleware after it, whose headers on the page are those stored with it. The key's
    language is read from the request as ``LocaleMiddleware`` reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not lifetime_limit() or not _cacheable_request(request) or not _outage.open():
            return self.get_response(request)
        key = page_key(request)
        try:
            marks, cached = _lookup(request, key)
        except Exception as exc:
            _outage.failed("lookup", exc)
            return self.get_response(request)
        _outage.answered()
        if cached is not None:
            return cached

        started = timezone.now()
        response = self.get_response(request)
        if _cacheable_response(request, response):
            lifetime = page_lifetime(started=started)
            if lifetime > 0:
                entry = (*marks, *_packed(response))
                try:
                    # Counted again just before the page is stored, so that nothing done since
                    # the rendering can carry the page past its deadline.
                    cache.set(key, entry, page_lifetime(started=started))
                    patch_vary_headers(response, ["Accept-Encoding"])  # as its hits will
                    response[STATUS_HEADER] = "miss"
                except Exception as exc:
                    _outage.failed("storing a page", exc)
        return response


class PrivateDeskMiddleware:
    """Every answer under :data:`NEVER_CACHED` is ``private, no-store``, the desk's
    refusals (403, 404) included: Django's ``never_cache`` marks only what a view returns,
    not the page made from an exception it raises."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(NEVER_CACHED):
            add_never_cache_headers(response)
        return response


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """Deploy check: the page cache needs a cache shared by all server processes."""
    backend = settings.CACHES["default"]["BACKEND"]
    if lifetime_limit() and backend.endswith("LocMemCache"):
        return [
            checks.Warning(
                "整页缓存使用的是进程内缓存：多个进程（如 gunicorn 多个 worker）之间，"
                "一个进程发布或撤回稿件后，其他进程仍会显示旧页面。",
                hint="设置 CACHE_URL=redis://… 使用共享的 Redis 缓存，"
                "或设置 UNIONNEWS_PAGE_CACHE_SECONDS=0 关闭整页缓存。",
                id="unionnews.W001",
            )
        ]
    return []
