"""Request limits before Django reads a body (issue 10, "Request limits before Django").

:class:`RequestLimitMiddleware` answers, from the request's headers alone:

- a request body over :func:`max_request_bytes` (the largest legitimate request: a story with
  its photos) with 413 and a page in Chinese, before a byte of it is read;
- a body over :data:`ANONYMOUS_MAX_BYTES` from someone not logged in with 413 too: readers
  never upload, and the login form is a few hundred bytes, so nothing worth calling an upload
  gets through.

The server in front decides how long a slow client may take to send what is allowed: behind
nginx with request buffering (``docs/production.md``), a slow upload never holds a worker.
nginx asks :func:`body_check` (``auth_request``) before it reads a body sent to the desk, so
that only someone really logged in, not merely carrying a cookie, gets one buffered.
"""

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt

#: The most a request from someone not logged in may carry: the login form, with room.
ANONYMOUS_MAX_BYTES = 64 * 1024


def max_request_bytes() -> int:
    """The largest request the desk sends: a story form with its most photos, each at the
    largest size accepted (``UNIONNEWS_MAX_REQUEST_MB``, 250 MB: 12 photos × 20 MB and the
    text)."""
    return settings.UNIONNEWS_MAX_REQUEST_MB * 1024 * 1024


def may_send_a_body(user) -> bool:
    """Whether ``user`` may send more than :data:`ANONYMOUS_MAX_BYTES`, up to
    :func:`max_request_bytes`: people of the desk, logged in."""
    return user.is_authenticated and user.is_active and user.is_staff


@csrf_exempt  # nginx asks with the method of the request it is about to read, without a body
def body_check(request) -> HttpResponse:
    """For nginx's ``auth_request`` in front of the desk (``deploy/nginx.conf``): 204 when
    the request it is about to read (its method in ``X-Original-Method``, its cookies here)
    may carry a body of the desk's size, 403 when not, which nginx answers with the 413 page
    before reading a byte of the body."""
    method = request.headers.get("X-Original-Method", "GET")
    allowed = method in ("GET", "HEAD", "OPTIONS") or may_send_a_body(request.user)
    return HttpResponse(status=204 if allowed else 403)


def over_the_limit() -> str:
    """The reason given by the proxy's own 413 page (``deploy/serve.py``), which cannot tell
    who sent the body nor how large it was: both limits."""
    limit = max_request_bytes() // 1024 // 1024
    anonymous = ANONYMOUS_MAX_BYTES // 1024
    return (
        f"未登录时每次提交不能超过 {anonymous} KB。编辑部每次提交的上限是 {limit} MB"
        "（一篇稿件连同最多 12 张图片），请分几次上传图片。"
    )


def refusal_page(reason: str, request=None) -> str:
    """The 413 page in Chinese, saying ``reason``."""
    return render_to_string("413.html", {"reason": reason}, request=request)


def _too_large(request, reason: str) -> StreamingHttpResponse:
    page = refusal_page(reason, request)
    # Streamed, so without a Content-Length: the server closes the connection after it rather
    # than read the refused body to reach a next request.
    response = StreamingHttpResponse([page.encode()], status=413)
    response["Content-Type"] = "text/html; charset=utf-8"
    stream = request.META.get("wsgi.input")
    if isinstance(stream, LimitedStream):
        # Django's development server (make run) reads what is left of a body into memory
        # once the response is sent; there is nothing left to read of a refused one.
        stream.limit = 0
    return response


class RequestLimitMiddleware:
    """See the module docstring. Place it after ``AuthenticationMiddleware`` (it asks who is
    logged in, which reads the session, not the body) and before anything that reads the
    body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = max_request_bytes()
        if length > limit:
            return _too_large(
                request,
                f"这次提交有 {length // 1024 // 1024} MB，"
                f"超过了每次 {limit // 1024 // 1024} MB 的上限（一篇稿件连同最多 12 张图片）。"
                "请分几次上传图片。",
            )
        if length > ANONYMOUS_MAX_BYTES and not may_send_a_body(request.user):
            return _too_large(request, "未登录时不能上传文件或提交大量内容；请先登录编辑部后台。")
        return self.get_response(request)


def client_address(request) -> str:
    """The reader's address: ``REMOTE_ADDR``, or behind ``UNIONNEWS_PROXY_COUNT`` proxies the
    entry of ``X-Forwarded-For`` that the nearest of them added (the entries before it are
    the client's to make up). Login throttling (``AXES_CLIENT_IP_CALLABLE``) and the search
    limit (``RATELIMIT_IP_META_KEY``) both use it."""
    proxies = settings.UNIONNEWS_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
