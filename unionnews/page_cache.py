"""The full-page cache for anonymous readers (整页缓存).

Readers arrive in bursts from search engines and shared links, mostly on the same few pages;
those pages are the same for every anonymous reader, so :class:`PageCacheMiddleware` keeps
whole responses in Django's cache (Redis with ``CACHE_URL``, else per-process memory) and
serves a repeat without a database query.

What is cached: GET and HEAD requests without a session cookie (so never an editor or a
reporter who is logged in) for a 200 response that sets no cookie and is not marked private,
outside the desk's URLs (:data:`NEVER_CACHED`), whose query string names nothing but
:data:`CACHED_PARAMETERS`. A search (``?q=``) or a URL with any other parameter is rendered
fresh each time, so arbitrary URLs cannot fill the cache. Keys are Django's own
(``django.utils.cache``), so a ``Vary`` header and the active language are respected.

How a page never goes stale (issue 4, "Speed"):

- **Edits.** Every cached key starts with a *generation* number kept in the cache. Any change
  that can show on the public site bumps it (:func:`invalidate`, called by the signal
  receivers of :func:`connect_signals`): a story published, withdrawn or edited while
  published, its credits, corrections, photos (and their credits), unions, events or topics,
  and any union, event, column, reporter or topic. Pages of the old generation are never
  read again and age out.
- **Time.** A page is kept at most ``UNIONNEWS_PAGE_CACHE_SECONDS`` (0 turns the cache off),
  and never past the next scheduled publish time (定时发布) nor past midnight in the paper's
  time zone, when events move from upcoming to past (:func:`page_lifetime`). So a story
  scheduled for 08:00 is on no cached page at 07:59 and on every page from 08:00, with no
  job to run, as ``Article.objects.published()`` promises.

The generation lives in the cache itself, so with the per-process memory cache a change is
seen only by the process that made it: serve with several processes only with
``CACHE_URL`` (the deploy check ``unionnews.W001`` says so). If the cache server is down,
pages are served uncached and the failure is logged; nothing is refused.
"""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.cache import get_cache_key, learn_cache_key

logger = logging.getLogger(__name__)

#: The cache key holding the current generation; bumping it retires every cached page.
GENERATION_KEY = "page-cache:generation"
#: URL prefixes never cached: the admin and the desk's own pages are per user.
NEVER_CACHED = ("/admin/", "/desk/")
#: Query parameters that pick a cached variant of a page (pagination, the event kind
#: filter). A URL with any other parameter is not cached.
CACHED_PARAMETERS = frozenset({"page", "kind"})
#: Response header saying whether the page came from the cache (``hit``) or was rendered
#: and stored (``miss``); absent when the request was not cacheable.
STATUS_HEADER = "X-Cache"


def lifetime_limit() -> int:
    """The most seconds a page is kept (``UNIONNEWS_PAGE_CACHE_SECONDS``); 0 = cache off."""
    return settings.UNIONNEWS_PAGE_CACHE_SECONDS


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
    except Exception:  # the cache server is down: its pages cannot be served either
        logger.exception("page cache: could not retire cached pages")


def invalidate() -> None:
    """Retire every cached page: call after any change readers could see.

    Bumps the generation at once, and again when the surrounding transaction commits: a
    reader whose page was rendered from the old rows between the two bumps stored it under
    the generation the commit retires.
    """
    _bump()
    transaction.on_commit(_bump, robust=True)


def page_lifetime(now: datetime | None = None) -> int:
    """Whole seconds a page rendered at ``now`` may be served: the configured limit, cut at
    the next scheduled publish time and at the next midnight (Asia/Shanghai), rounded down
    so that the page has expired by then. 0 means "do not cache"; costs one query."""
    from articles.models import Article

    now = now or timezone.now()
    until = now + timedelta(seconds=lifetime_limit())
    next_live = Article.objects.scheduled().values_list("publish_at", flat=True).first()
    if next_live is not None:
        until = min(until, next_live)
    local = timezone.localtime(now)
    midnight = timezone.make_aware(datetime(local.year, local.month, local.day)) + timedelta(1)
    until = min(until, midnight)
    return max(int((until - now).total_seconds()), 0)


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(NEVER_CACHED)
        and set(request.GET) <= CACHED_PARAMETERS
    )


def _cacheable_response(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache; see the module docstring for what is
    cached and how it is kept current. Place it after ``LocaleMiddleware`` (the key carries
    the language) and before the middleware that only logged-in users need."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not lifetime_limit() or not _cacheable_request(request):
            return self.get_response(request)
        try:
            prefix = f"page.{current_generation()}"
            key = get_cache_key(request, prefix, "GET", cache=cache)
            cached = cache.get(key) if key is not None else None
        except Exception:
            logger.exception("page cache: lookup failed; serving uncached")
            return self.get_response(request)
        if cached is not None:
            cached[STATUS_HEADER] = "hit"
            return cached

        response = self.get_response(request)
        if _cacheable_response(request, response):
            lifetime = page_lifetime()
            if lifetime > 0:
                try:
                    key = learn_cache_key(request, response, lifetime, prefix, cache=cache)
                    cache.set(key, response, lifetime)
                    response[STATUS_HEADER] = "miss"
                except Exception:
                    logger.exception("page cache: could not store %s", request.path)
        return response


# -- what retires cached pages ------------------------------------------------------------------


def _story_is_or_was_public(article) -> bool:
    """A story whose change readers may see: published (live or scheduled), or withdrawn
    (it was live a moment ago). Drafts under review change nothing public."""
    from articles.models import ArticleStatus

    return article.status in (ArticleStatus.PUBLISHED, ArticleStatus.WITHDRAWN)


def _on_story_change(sender, instance, **kwargs):
    if _story_is_or_was_public(instance):
        invalidate()


def _invalidate_if_story_public(article_id) -> None:
    from articles.models import Article, ArticleStatus

    public = (ArticleStatus.PUBLISHED, ArticleStatus.WITHDRAWN)
    if article_id and Article.objects.filter(pk=article_id, status__in=public).exists():
        invalidate()


def _on_story_part_change(sender, instance, **kwargs):
    """A credit, a correction or a photo: matters when its story is or was public."""
    _invalidate_if_story_public(instance.article_id)


def _on_photo_part_change(sender, instance, **kwargs):
    """A photo's credit: matters when the photo's story is or was public."""
    from articles.models import Photo

    _invalidate_if_story_public(
        Photo.objects.filter(pk=instance.photo_id).values_list("article_id", flat=True).first()
    )


def _on_links_change(sender, instance, action, reverse=False, **kwargs):
    """Unions, events or topics added to or removed from a story (or a story to a union…)."""
    from articles.models import Article

    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not isinstance(instance, Article) or _story_is_or_was_public(instance):
        invalidate()


def _on_directory_change(sender, **kwargs):
    """Unions, events, columns, reporters and topics show on public pages whatever state
    their stories are in (names, the directory tree, event facts): any change counts."""
    invalidate()


def connect_signals() -> None:
    """Connect the receivers that retire cached pages; called once from
    ``ArticlesConfig.ready()``. Bulk ``QuerySet.update()`` sends no signal: services that
    use it on public objects call :func:`invalidate` themselves."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from taggit.models import Tag, TaggedItem

    from articles.models import Article, Byline, Column, Correction, Photo, PhotoCredit, Reporter
    from events.models import Event
    from organizations.models import Union, UnionAlias

    uid = "unionnews.page_cache"
    for signal in (post_save, post_delete):
        signal.connect(_on_story_change, sender=Article, dispatch_uid=f"{uid}.article")
        for model in (Byline, Correction, Photo):
            signal.connect(_on_story_part_change, sender=model, dispatch_uid=f"{uid}.{model}")
        signal.connect(_on_photo_part_change, sender=PhotoCredit, dispatch_uid=f"{uid}.credit")
        for model in (Union, UnionAlias, Event, Column, Reporter, Tag):
            signal.connect(_on_directory_change, sender=model, dispatch_uid=f"{uid}.{model}")
    for through in (Article.unions.through, Article.events.through, TaggedItem):
        m2m_changed.connect(_on_links_change, sender=through, dispatch_uid=f"{uid}.{through}")
    for through in (Event.organizers.through, Photo.events.through, Photo.unions.through):
        m2m_changed.connect(_on_directory_change, sender=through, dispatch_uid=f"{uid}.{through}")


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
