"""Several app servers on one database, one Redis and one photo bucket (issue 11: the way a
desk outgrows one machine).

Two real app servers, A and B (gunicorn, 2 sync workers each, DEBUG off, the page cache on),
share one database (a fresh SQLite file, or with ``DATABASE_URL`` at PostgreSQL a fresh
database beside it), one Redis (database 14, under a key prefix of this run's own) and one
S3-compatible bucket: moto's server (``moto[server]``), run here on a free port, since no
bucket on the internet is reachable or needed. The editor works on A through the admin over
HTTP, as a browser does; a reader reads B, whose pages were cached before. What the reader
sees on B follows A within a second: a story published, a photo uploaded (its ``<img>`` from
the bucket, which serves it), a story withdrawn. The editor logged in through A is logged in
on B too: a load balancer may send any request to either.

The servers' settings are the project's, from the environment the README lists for each app
server, through a small module that changes only the cache key prefix and serves static files
from the apps' folders (no ``collectstatic`` into the repository's ``var/``).
"""

import http.client
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from importlib import reload
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit
from uuid import uuid4

import boto3
import pytest
from django.urls import reverse
from PIL import Image

from tests.factories import redis_reachable
from tests.test_workflow_admin import form_data

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/14"
BUCKET = "unionnews-photos"
EDITOR, PASSWORD = "editor", "两台服务器上的编辑-only-for-tests"
#: How soon, in seconds, a change made through A shows on B's pages (the issue's bar).
WITHIN = 1.0
#: gunicorn sync workers per server, as `make serve` runs them.
WORKERS = 2

SETTINGS_MODULE = "multi_server_settings"
SETTINGS_SOURCE = '''"""The project's settings for the servers of tests/test_multi_server.py."""
import os

from unionnews.settings import *  # noqa: F403
from unionnews.settings import CACHES, STORAGES

# This run's own keys in the shared Redis, removed afterwards.
CACHES["default"]["KEY_PREFIX"] = os.environ["MULTI_SERVER_CACHE_PREFIX"]
# Static files straight from the apps' folders: nothing is collected into the repository.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True
'''

#: Run once against the shared database before the servers start: the tables, and the editor.
SETUP = f"""
import django

django.setup()
from django.core.management import call_command

from articles import roles
from tests.factories import make_user

call_command("migrate", verbosity=0)
editor = make_user({EDITOR!r}, groups=[roles.EDITOR], is_staff=True)
editor.set_password({PASSWORD!r})
editor.save()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- a browser ------------------------------------------------------------------------------


@dataclass
class Page:
    """One answer as a browser gets it (redirects are not followed)."""

    status: int
    headers: http.client.HTTPMessage
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


@dataclass
class Browser:
    """One person's browser talking to the server on ``port``: sends what a Chinese browser
    sends (``Accept-Language``), keeps the cookies the site sets, the Secure ones included
    (the servers speak plain HTTP on the loopback address, which browsers treat as secure)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def on(self, port: int) -> "Browser":
        """The same browser, its cookies shared, sent to another server (a load balancer's
        choice)."""
        other = Browser(port)
        other.cookies = self.cookies
        return other

    def request(self, method: str, path: str, body: bytes = b"", headers=None) -> Page:
        sent = {"Accept-Language": "zh-CN,zh;q=0.9", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body or None, headers=sent)
            answer = conn.getresponse()
            page = Page(answer.status, answer.headers, answer.read())
        finally:
            conn.close()
        for header in page.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page

    def get(self, path: str) -> Page:
        return self.request("GET", path)

    def post(self, path: str, data: dict, files: dict | None = None) -> Page:
        """Post a form: ``data`` as ``{name: value or [values]}``, ``files`` as
        ``{name: (file name, bytes, content type)}`` (then as multipart/form-data)."""
        if not files:
            body = urlencode(data, doseq=True).encode()
            return self.request(
                "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
            )
        boundary = uuid4().hex
        parts = []
        for name, values in data.items():
            for value in values if isinstance(values, list) else [values]:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode()
                )
        for name, (filename, content, content_type) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
            )
            parts.append(head.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )


def fetch(url: str) -> Page:
    """GET an absolute URL (a photo in the bucket) as a reader's browser does: no cookie."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", parts.path)
        answer = conn.getresponse()
        return Page(answer.status, answer.headers, answer.read())
    finally:
        conn.close()


def within(seconds: float, load, shows) -> tuple[Page, float]:
    """``load()`` again and again until ``shows(page)`` or ``seconds`` have passed; returns
    the last page and the seconds it took from the call."""
    started = time.monotonic()
    while True:
        page = load()
        took = time.monotonic() - started
        if shows(page) or took >= seconds:
            return page, took
        time.sleep(0.02)


class Pictures(HTMLParser):
    """The ``<img>`` and ``<source>`` elements of a page, each as its attributes."""

    def __init__(self, page: Page):
        super().__init__()
        self.images: list[dict] = []
        self.sources: list[dict] = []
        self.feed(page.text)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "source":
            self.sources.append(dict(attrs))


def srcset(value: str) -> list[tuple[str, int]]:
    """``"url 480w, url 960w"`` as ``[(url, 480), (url, 960)]``."""
    pairs = [item.strip().rsplit(" ", 1) for item in value.split(",") if item.strip()]
    return [(url, int(width.rstrip("w"))) for url, width in pairs]


# -- what the editor does on A --------------------------------------------------------------

ADD = reverse("admin:articles_article_add")


def log_in(editor: Browser) -> None:
    page = editor.get(reverse("admin:login"))
    data = form_data(page, form_id="login-form", username=EDITOR, password=PASSWORD)
    answer = editor.post(reverse("admin:login"), {**data, "next": reverse("admin:index")})
    assert answer.status == 302, answer.text[:2000]


def add_story(editor: Browser, headline: str) -> int:
    """The editor writes a story in the admin (稿件 → 增加); returns its id."""
    data = form_data(editor.get(ADD), headline=headline, body="第一段。\n第二段。", _continue="1")
    answer = editor.post(ADD, data)
    assert answer.status == 302, answer.text[:3000]
    return int(re.search(r"/(\d+)/change/", answer.headers["Location"]).group(1))


def take_step(editor: Browser, story: int, step: str, comment: str = "") -> None:
    """The editor's workflow button and its confirmation page (通过, 立即发布, 撤回…)."""
    url = reverse("admin:articles_article_transition", args=[story, step])
    data = form_data(editor.get(url), form_id=None)
    if comment:
        data["comment"] = comment
    answer = editor.post(url, data)
    assert answer.status == 302, answer.text[:3000]
    assert "/change/" in answer.headers["Location"], answer.headers["Location"]


def publish_story(editor: Browser, headline: str) -> int:
    story = add_story(editor, headline)
    take_step(editor, story, "approve")
    take_step(editor, story, "publish")
    return story


def link_to(page: Page, headline: str) -> str:
    found = re.search(rf'href="([^"]+)"[^>]*>\s*{re.escape(headline)}', page.text)
    assert found, f"no link to {headline} on the page"
    return found.group(1)


def cached(reader: Browser, path: str) -> Page:
    """``path`` read twice: the second answer, which must come from the cache."""
    reader.get(path)
    page = reader.get(path)
    assert page.status == 200 and page.headers["X-Cache"] == "hit", (path, page.status)
    return page


def warm(port: int, path: str) -> None:
    """Every worker of the server renders ``path`` once (concurrent requests reach each of
    them; the query string keeps them out of the cache), so that the timings measure the
    cache and the database, not a worker's first import of a template."""
    separator = "&" if "?" in path else "?"
    with ThreadPoolExecutor(WORKERS * 2) as pool:
        pages = pool.map(
            lambda n: Browser(port).get(f"{path}{separator}warm={n}"), range(WORKERS * 4)
        )
        assert all(page.status == 200 for page in pages), path


# -- the servers ----------------------------------------------------------------------------


class Service:
    """A process of this test's own, in its own session (so that it and its children stop
    together, by its id), its output in ``<name>.log``."""

    def __init__(self, name: str, command: list[str], env: dict, folder: Path):
        self.name = name
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True
            )

    def wait_until(self, ready, seconds: float = 60) -> None:
        """Poll ``ready()`` (``OSError`` counts as not yet) until true; fail with the log if
        the process ends first or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} stopped:\n{self.tail()}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{self.name} not ready after {seconds:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


@contextmanager
def shared_database(folder: Path):
    """The database both servers use, fresh: a SQLite file, or with ``DATABASE_URL`` at
    PostgreSQL a database of its own beside that one, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    scheme = url.split("://", 1)[0]
    if scheme not in ("postgres", "postgresql", "pgsql"):
        yield f"sqlite:///{folder / 'shared.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)._replace(scheme="postgresql")
    name = f"{parts.path.strip('/') or 'unionnews'}_multi_server_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Stack:
    """The running servers: A's and B's ports, and the bucket's origin
    (``http://127.0.0.1:<port>``) and URL (``<origin>/unionnews-photos/``)."""

    a: int
    b: int
    bucket_origin: str
    bucket_url: str


def make_public_bucket(origin: str) -> bool:
    """Create the photo bucket with a policy that lets anyone read its objects (the README's
    recipe). Raises botocore's ``EndpointConnectionError`` while moto is not listening yet."""
    s3 = boto3.client(
        "s3",
        endpoint_url=origin,
        region_name="us-east-1",
        aws_access_key_id="moto",
        aws_secret_access_key="moto",
    )
    s3.create_bucket(Bucket=BUCKET)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    return True


def server_environment(folder: Path, database_url: str, bucket_origin: str, prefix: str):
    """The environment of both servers: what the README's "Several app servers" gives every
    app server (the same secret key, database, Redis and bucket), over plain HTTP here."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.pop("REDIS_URL", None)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "MULTI_SERVER_CACHE_PREFIX": prefix,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback address
            "DATABASE_URL": database_url,
            "CACHE_URL": REDIS_URL,
            "UNIONNEWS_PAGE_CACHE_SECONDS": "600",
            "MEDIA_S3_BUCKET": BUCKET,
            "MEDIA_S3_ENDPOINT_URL": bucket_origin,
            "MEDIA_S3_REGION": "us-east-1",
            "SERVE_MEDIA": "0",
            "AWS_ACCESS_KEY_ID": "moto",
            "AWS_SECRET_ACCESS_KEY": "moto",
            # Nothing of this machine's own AWS configuration, if it has any.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def server_ready(port: int) -> bool:
    return Browser(port).get("/robots.txt").status == 200


def gunicorn(name: str, port: int, env: dict, folder: Path) -> Service:
    """An app server as ``make serve`` and the bench run it."""
    command = [
        str(BIN / "gunicorn"),
        "unionnews.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--timeout=60",
        f"--chdir={ROOT}",
        # gunicorn's control socket is one path per user: a second server would take it over.
        "--no-control-socket",
    ]
    return Service(name, command, env, folder)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """moto's S3 server with the bucket, the shared database migrated with the editor in it,
    and servers A and B with warm workers; afterwards all stopped, the database dropped and
    this run's Redis keys deleted."""
    if not redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis
    from botocore.exceptions import EndpointConnectionError

    folder = tmp_path_factory.mktemp("multi-server")
    (folder / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE, encoding="utf-8")
    prefix = f"unionnews-multi-{secrets.token_hex(4)}"
    moto_port, a, b = free_port(), free_port(), free_port()
    bucket_origin = f"http://127.0.0.1:{moto_port}"
    services: list[Service] = []
    with shared_database(folder) as database_url:
        env = server_environment(folder, database_url, bucket_origin, prefix)
        try:
            moto_command = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)]
            services.append(moto := Service("moto", moto_command, env, folder))
            services.append(setup := Service("setup", [sys.executable, "-c", SETUP], env, folder))
            if setup.process.wait(timeout=300) != 0:
                pytest.fail(f"migrating the shared database failed:\n{setup.tail()}")

            def bucket_made() -> bool:
                try:
                    return make_public_bucket(bucket_origin)
                except EndpointConnectionError:
                    return False

            moto.wait_until(bucket_made)
            servers = [gunicorn("server-a", a, env, folder), gunicorn("server-b", b, env, folder)]
            services += servers
            for server, port in zip(servers, (a, b), strict=True):
                server.wait_until(lambda port=port: server_ready(port))
                warm(port, reverse("articles:home"))
            yield Stack(a, b, bucket_origin, f"{bucket_origin}/{BUCKET}/")
        finally:
            for service in reversed(services):
                service.stop()
            store = redis.Redis.from_url(REDIS_URL)
            keys = list(store.scan_iter(match=f"{prefix}:*", count=1000))
            if keys:
                store.delete(*keys)


@pytest.fixture
def editor(stack) -> Browser:
    """The editor's browser, logged in on server A."""
    browser = Browser(stack.a)
    log_in(browser)
    return browser


# -- the tests ------------------------------------------------------------------------------


def test_a_story_published_and_withdrawn_on_one_server_shows_on_the_others_cached_pages(
    stack, editor
):
    reader = Browser(stack.b)
    home = reverse("articles:home")
    headline = "职工服务中心在两台服务器上同时开放"
    assert headline not in cached(reader, home).text

    publish_story(editor, headline)
    page, took = within(WITHIN, lambda: reader.get(home), lambda p: headline in p.text)
    assert headline in page.text, f"not on B's home page {took:.2f} s after publication"
    assert took < WITHIN

    story_url = link_to(page, headline)
    warm(stack.b, story_url)
    assert headline in cached(reader, story_url).text
    assert headline in cached(reader, home).text
    story = int(re.search(r"/articles/(\d+)-", story_url).group(1))

    take_step(editor, story, "withdraw", comment="事实有误，撤回核实")
    page, took = within(WITHIN, lambda: reader.get(home), lambda p: headline not in p.text)
    assert headline not in page.text, f"still on B's home page {took:.2f} s after withdrawal"
    assert took < WITHIN
    page, took = within(WITHIN, lambda: reader.get(story_url), lambda p: p.status == 404)
    assert page.status == 404, f"B still serves the story {took:.2f} s after withdrawal"
    assert took < WITHIN
    assert "抱歉，没有找到这个页面" in page.text and headline not in page.text


def test_a_photo_uploaded_on_one_server_shows_on_the_other_from_the_bucket(stack, editor):
    reader = Browser(stack.b)
    headline = "夏送清凉慰问一线建筑工人"
    alt = "工会干部为建筑工人送上清凉饮品"
    story = publish_story(editor, headline)
    story_url = link_to(reader.get(reverse("articles:home")), headline)
    warm(stack.b, story_url)
    before = cached(reader, story_url)
    assert not any(image.get("alt") == alt for image in Pictures(before).images)

    photo = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 80, 40)).save(photo, "JPEG", quality=90)
    change = reverse("admin:articles_article_change", args=[story])
    data = form_data(editor.get(change))
    data.update(
        {
            "photos-TOTAL_FORMS": "1",
            "photos-0-alt_text": alt,
            "photos-0-order": "0",
            "_continue": "1",
        }
    )
    answer = editor.post(
        change, data, files={"photos-0-image": ("工地.jpg", photo.getvalue(), "image/jpeg")}
    )
    assert answer.status == 302, answer.text[:3000]

    def shows_photo(page):
        return any(image.get("alt") == alt for image in Pictures(page).images)

    page, took = within(WITHIN, lambda: reader.get(story_url), shows_photo)
    assert shows_photo(page), f"no photo on B's page {took:.2f} s after the upload"
    assert took < WITHIN

    pictures = Pictures(page)
    image = next(image for image in pictures.images if image.get("alt") == alt)
    # The page's photo comes from the bucket, and the browser is allowed to load it there.
    img_src = dict(
        rule.strip().split(" ", 1)
        for rule in page.headers["Content-Security-Policy"].split(";")
        if rule.strip()
    )["img-src"].split()
    assert stack.bucket_origin in img_src
    urls = [(image["src"], int(image["width"]))]
    urls += srcset(image["srcset"])
    urls += [pair for source in pictures.sources for pair in srcset(source["srcset"])]
    assert {width for _, width in urls} == {480, 960, 1200}  # never wider than the upload
    for url, width in urls:
        assert url.startswith(stack.bucket_url), url
        got = fetch(url)
        assert got.status == 200, (url, got.status)
        assert got.headers["Content-Type"] in ("image/jpeg", "image/webp"), url
        with Image.open(io.BytesIO(got.content)) as served:
            assert served.size == (width, width * 2 // 3), url
            assert served.format.lower() == got.headers["Content-Type"].split("/")[1], url
    assert int(image["height"]) == int(image["width"]) * 2 // 3


def test_the_editor_logged_in_through_one_server_stays_logged_in_on_the_other(stack, editor):
    """Sessions are in the shared database and signed with the shared SECRET_KEY: the
    desk opens on B with the cookie A gave, and B takes a form A served."""
    on_b = editor.on(stack.b)
    desk = on_b.get(reverse("admin:index"))
    assert desk.status == 200, desk.headers.get("Location")
    assert EDITOR in desk.text
    story = add_story(editor, "在甲服务器写、在乙服务器通过的稿件")
    approve = reverse("admin:articles_article_transition", args=[story, "approve"])
    confirmation = form_data(editor.get(approve), form_id=None)  # the page came from A
    answer = on_b.post(approve, confirmation)  # and its form went to B
    assert answer.status == 302, answer.text[:3000]
    change = editor.get(reverse("admin:articles_article_change", args=[story]))
    assert "已通过" in change.text


# -- the bucket's origin in the CSP ---------------------------------------------------------

BUCKETS = {
    "AWS": {"MEDIA_S3_REGION": "us-east-1"},
    "AWS China": {"MEDIA_S3_REGION": "cn-north-1"},
    "MinIO (path style)": {"MEDIA_S3_ENDPOINT_URL": "https://minio.example.org"},
    "Aliyun OSS (virtual-hosted)": {
        "MEDIA_S3_ENDPOINT_URL": "https://oss-cn-beijing.aliyuncs.com",
        "MEDIA_S3_REGION": "oss-cn-beijing",
        "MEDIA_S3_ADDRESSING_STYLE": "virtual",
    },
    "custom domain": {"MEDIA_S3_CUSTOM_DOMAIN": "img.example.org"},
}


@contextmanager
def project_settings_with(environment: dict):
    """The project's settings module evaluated again with ``environment`` added."""
    from unionnews import settings as project_settings

    saved = dict(os.environ)
    os.environ.update({"MEDIA_S3_BUCKET": BUCKET, **environment})
    os.environ.setdefault("AWS_CONFIG_FILE", os.devnull)
    try:
        yield reload(project_settings)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reload(project_settings)


@pytest.mark.parametrize("bucket", BUCKETS.values(), ids=BUCKETS.keys())
def test_the_csp_lets_browsers_load_photos_from_the_bucket(bucket):
    """Every photo URL django-storages gives (no request is sent) is from an origin the CSP's
    img-src allows; before, AWS China's (``amazonaws.com.cn``) and a virtual-hosted bucket's
    were blocked by every browser."""
    from storages.backends.s3 import S3Storage

    with project_settings_with(bucket) as configured:
        options = configured.STORAGES["default"]["OPTIONS"]
        img_src = configured.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
        serve_media = configured.SERVE_MEDIA
    url = S3Storage(**options).url("renditions/0a1b2c-960.webp")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" in img_src, (url, img_src)
    assert not serve_media  # the bucket serves the photos, not the site's /media/
    if bucket.get("MEDIA_S3_ADDRESSING_STYLE") == "virtual":
        assert parts.netloc == f"{BUCKET}.oss-cn-beijing.aliyuncs.com", url


def test_a_mistyped_addressing_style_is_refused_at_start():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="MEDIA_S3_ADDRESSING_STYLE"):
        with project_settings_with({"MEDIA_S3_ADDRESSING_STYLE": "virtual-hosted"}):
            pass
