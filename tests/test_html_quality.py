"""Every public page type is valid HTML (W3C Nu checker) and free of serious accessibility
problems (axe-core in Debian's Chromium, at a desktop and a phone width).

The tools come from npm (``package.json``; ``make test`` runs ``npm ci``): ``vnu-jar`` is run
with the machine's Java, ``axe-core`` is injected into the Playwright page. A missing tool
skips its test with the reason; nothing is downloaded at test time.
"""

import io
import json
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Reporter
from articles.services import photo_add
from articles.topics import topic_url
from editions.models import Page
from editions.services import page_attach_scan
from events.models import Event
from organizations.models import Union
from tests.factories import make_user
from tests.pdfs import Box, page_pdf

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE_DIR = Path(__file__).resolve().parent.parent
VNU_JAR = BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 375)
BLOCKING_IMPACTS = ("serious", "critical")


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(out, "JPEG")
    return out.getvalue()


def public_page_paths(articles: list[Article]) -> dict[str, str]:
    """One path of every public page type, built from the published seed objects."""
    public = Article.objects.published()
    story = public.newest_first().first()
    tag = next(t for a in public for t in a.tags.all())
    union = Union.objects.get(name="北京市建筑工会")
    reporter = Reporter.objects.filter(bylines__article__in=public).distinct().first()
    event = Event.objects.reviewed().filter(articles__in=public).distinct().first()
    if event is None:
        # The importer only proposes events; an editor confirms one, as on the real desk.
        event = Event.objects.filter(articles__in=public).distinct().first()
        event.reviewed = True
        event.save(update_fields=["reviewed"])
    month = timezone.localtime(story.publish_at)
    # A story of the event with a real photo: the article's figure, the lists' thumbnails and
    # the event's gallery are checked too.
    pictured = public.filter(events=event).newest_first().first()
    photo_add(
        article=pictured,
        upload=SimpleUploadedFile("photo.jpg", _jpeg(1600, 900), content_type="image/jpeg"),
        user=make_user(is_staff=True, is_superuser=True),
        alt_text="职工在赛场上进行钢筋焊接比赛",
        caption="比赛现场。",
        credits=[(Reporter.objects.first(), "记者")],
    )
    # Page 4 of the edition with its PDF: the page image with its stories' areas is checked too.
    page = Page.objects.get(edition__paper_date="2023-07-15", number=4)
    placed = [p.article for p in page.placements.select_related("article").order_by("position")]
    pdf, _ = page_pdf(
        placed, [Box(40 + 400 * (i % 2), 40 + 300 * (i // 2), 360) for i in range(len(placed))]
    )
    page_attach_scan(
        user=make_user(is_staff=True, is_superuser=True), page=page, name="4.pdf", data=pdf
    )
    return {
        "home": "/",
        "article": pictured.get_absolute_url(),
        "union": union.get_absolute_url(),
        "union directory": "/unions/",
        "topic": topic_url(tag),
        "event": event.get_absolute_url(),
        "reporter": reporter.get_absolute_url(),
        "archive month": f"/archive/{month.year}/{month.month}/",
        "search": "/search/?q=%E5%B7%A5%E4%BC%9A",
        "epaper edition": "/epaper/",
        "epaper page": "/epaper/2023-07-15/4/",
        "404": "/no-such-page/",
    }


@pytest.fixture
def site_pages(live_server, published_seed_pages):
    """``(name, absolute URL)`` of each public page type on a live server with the seed."""
    paths = public_page_paths(published_seed_pages)
    return [(name, live_server.url + path) for name, path in paths.items()]


@pytest.fixture
def axe_page(browser):
    """A page whose context bypasses the site's Content-Security-Policy (``script-src 'self'``)
    so Playwright may inject axe-core; the site's own headers are unchanged."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# The browser tests come first: starting Playwright's sync API (the session ``browser``
# fixture) after a transactional test in the same session breaks the next seed import with a
# FOREIGN KEY error (seen with any transactional test, not only these), so the browser is up
# before this module's first flush.


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_have_no_serious_accessibility_violations(axe_page, site_pages, width):
    page = axe_page
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS.relative_to(BASE_DIR)} is missing: run `npm ci`")
    page.set_viewport_size({"width": width, "height": 900})
    problems = []
    for name, url in site_pages:
        page.goto(url)
        page.add_script_tag(path=str(AXE_JS))
        results = page.evaluate("axe.run()")
        assert results["passes"], f"axe-core checked nothing on {name} {url}"
        for violation in results["violations"]:
            if violation["impact"] not in BLOCKING_IMPACTS:
                continue
            targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            problems.append(
                f"{name} {url} @{width}px: {violation['id']} ({violation['impact']}) "
                f"{violation['help']} -> {targets}"
            )
    assert not problems, "axe-core violations:\n" + "\n".join(problems)


def test_public_pages_are_valid_html(site_pages):
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed: the Nu HTML checker (vnu.jar) needs Java 11+")
    if not VNU_JAR.exists():
        pytest.skip(f"{VNU_JAR.relative_to(BASE_DIR)} is missing: run `npm ci`")

    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for index, (name, url) in enumerate(site_pages):
            status, body = fetch(url)
            assert status == (404 if name == "404" else 200), f"{name} {url}: HTTP {status}"
            path = Path(tmp) / f"page{index:02d}.html"
            path.write_bytes(body)
            files[path.name] = (name, url)
        # One JVM for every page: vnu prints one JSON document with all files' messages.
        result = subprocess.run(
            [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", *sorted(files)],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert result.stdout, f"vnu.jar printed no report (exit {result.returncode}): {result.stderr}"
    report = json.loads(result.stdout)
    errors = []
    for message in report["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        source = message.get("url", "")
        name, url = files.get(source.rsplit("/", 1)[-1], ("?", source))
        errors.append(f"{name} {url} line {message.get('lastLine', '?')}: {message['message']}")
    assert not errors, "Nu HTML checker errors:\n" + "\n".join(errors)
