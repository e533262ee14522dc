"""Put stories into the news index in bulk, as tree rows Wagtail then serves like any page.

Reads JSON lines on standard input, each either a story
``{"id": 17, "slug": "...", "headline": "...", "subtitle": "...", "paragraphs": [...],
"publish_at": "2025-07-01T08:00:00+08:00"}`` or ``{"remove": 17}``. A story becomes a live
NewsPage, the last child of the one NewsIndexPage, with the slug ``<id>-<slug>`` (the
source's id keeps slugs unique among siblings, as Wagtail requires, and says which story a
page is). ``{"remove": id}`` deletes that story's page.

Creating 100,000 pages one ``add_child()`` at a time takes hours, so the rows are made here
as treebeard and Wagtail would store them: ``path`` the parent's plus the next 4-character
step, ``depth``, ``numchild`` (the index's count updated at the end), ``url_path`` the
parent's plus the slug, ``live``, ``first_published_at`` and ``last_published_at`` the story's
publish time, ``content_type`` NewsPage, the default locale and a fresh ``translation_key``
(Page's own defaults, since the rows are Page instances saved with ``bulk_create``), then the
NewsPage rows with COPY. Pages get no revision and no search-index entry (the bench measures
neither the admin nor search).

``--check N`` then verifies the tree: treebeard's five checks (those of ``find_problems()``,
which ``manage.py fixtree`` reports) as one SQL statement, each url_path against its parent's,
a NewsPage row for every page of that type; then it renders the home page and N random stories
through Django's test client and counts the queries of each. ``--treebeard`` also runs
``find_problems()`` itself, which makes two queries a page (minutes for 100,000).
"""

import json
import random
import sys
import time
from datetime import datetime
from html import escape

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from news.models import HomePage, NewsIndexPage, NewsPage

CHUNK = 2_000

#: treebeard's five checks (``MP_Node.find_problems``) as one statement: counts of pages with
#: characters outside the alphabet, a path not made of 4-character steps, no parent, a depth
#: that is not the path's number of steps, a numchild that is not the number of children.
TREE_CHECK = """
WITH children AS (
    SELECT substr(path, 1, length(path) - 4) AS parent_path, count(*) AS n
    FROM wagtailcore_page WHERE length(path) > 4 GROUP BY 1
)
SELECT
    (SELECT count(*) FROM wagtailcore_page WHERE path !~ '^[0-9A-Z]+$'),
    (SELECT count(*) FROM wagtailcore_page WHERE length(path) % 4 <> 0),
    (SELECT coalesce(sum(c.n), 0) FROM children c
       LEFT JOIN wagtailcore_page p ON p.path = c.parent_path WHERE p.id IS NULL),
    (SELECT count(*) FROM wagtailcore_page WHERE depth <> length(path) / 4),
    (SELECT count(*) FROM wagtailcore_page p
       LEFT JOIN children c ON c.parent_path = p.path WHERE p.numchild <> coalesce(c.n, 0))
"""


class Command(BaseCommand):
    help = "Add (or remove) NewsPages from JSON lines on stdin, in bulk; --check the tree."

    def add_arguments(self, parser):
        parser.add_argument("--check", type=int, default=0, metavar="N", help="render N pages")
        parser.add_argument("--treebeard", action="store_true", help="and find_problems()")

    def handle(self, *args, **options):
        index = self.site_pages()
        started = time.perf_counter()
        added = removed = 0
        batch = []
        for line in sys.stdin:
            if not line.strip():
                continue
            item = json.loads(line)
            if "remove" in item:
                removed += self.remove(index, item["remove"])
                continue
            batch.append(item)
            if len(batch) == CHUNK:
                added += self.add(index, batch)
                batch = []
                self.stdout.write(f"  {added} pages added, {time.perf_counter() - started:.0f} s")
        if batch:
            added += self.add(index, batch)
        index.numchild = Page.objects.child_of(index).count()
        Page.objects.filter(pk=index.pk).update(numchild=index.numchild)
        if added or removed:
            self.stdout.write(
                f"  {added} added, {removed} removed: {index.numchild} stories in "
                f"{time.perf_counter() - started:.0f} s"
            )
        if options["check"]:
            self.check_tree(index, options["check"], options["treebeard"])

    # -- the fixed pages -------------------------------------------------------------------

    def site_pages(self) -> NewsIndexPage:
        """The home page (the site's root) and the news index, made once the normal way."""
        index = NewsIndexPage.objects.first()
        if index is not None:
            return index
        root = Page.get_first_root_node()
        with transaction.atomic():
            # `migrate` leaves Wagtail's welcome page as the default site's root.
            home = root.add_child(instance=HomePage(title="工会新闻", slug="home-news"))
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={"hostname": "localhost", "port": 80, "root_page": home},
            )
            for page in root.get_children().exclude(pk=home.pk):
                page.delete()
            index = home.add_child(instance=NewsIndexPage(title="最新报道", slug="news"))
        self.stdout.write(f"  home page {home.url_path}, news index {index.url_path}")
        return index

    # -- stories ---------------------------------------------------------------------------

    def add(self, index: NewsIndexPage, stories: list[dict]) -> int:
        last = (
            Page.objects.filter(path__startswith=index.path, depth=index.depth + 1)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        step = Page._str2int(last[-Page.steplen :]) if last else 0
        depth = index.depth + 1
        locale = Locale.get_default()
        content_type = ContentType.objects.get_for_model(NewsPage)
        pages, details = [], []
        for story in stories:
            step += 1
            slug = f"{story['id']}-{story['slug']}" if story["slug"] else str(story["id"])
            published = datetime.fromisoformat(story["publish_at"])
            pages.append(
                Page(
                    path=Page._get_path(index.path, depth, step),
                    depth=depth,
                    numchild=0,
                    title=story["headline"],
                    draft_title=story["headline"],
                    slug=slug,
                    url_path=f"{index.url_path}{slug}/",
                    content_type=content_type,
                    locale=locale,
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=published,
                    last_published_at=published,
                )
            )
            body = "".join(f"<p>{escape(p, quote=False)}</p>" for p in story["paragraphs"])
            local_date = timezone.localtime(published).date()
            details.append((local_date, story["subtitle"][:250], body))
        with transaction.atomic():
            Page.objects.bulk_create(pages)
            rows = [(page.pk, *rest) for page, rest in zip(pages, details, strict=True)]
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's own cursor, for COPY
                table = NewsPage._meta.db_table
                copy = f"COPY {table} (page_ptr_id, date, intro, body) FROM STDIN"
                with raw.copy(copy) as stream:
                    for row in rows:
                        stream.write_row(row)
        return len(pages)

    def remove(self, index: NewsIndexPage, story_id: int) -> int:
        pages = NewsPage.objects.child_of(index).filter(slug__regex=rf"^{int(story_id)}(-|$)")
        count = 0
        for page in pages:
            page.delete()
            count += 1
        return count

    # -- checks ----------------------------------------------------------------------------

    def check_tree(self, index: NewsIndexPage, renders: int, treebeard: bool):
        started = time.perf_counter()
        names = ["bad alphabet", "bad path length", "orphans", "bad depth", "bad numchild"]
        with connection.cursor() as cursor:
            cursor.execute(TREE_CHECK)
            counts = cursor.fetchone()
        found = {name: count for name, count in zip(names, counts, strict=True) if count}
        if found:
            raise CommandError(f"the page tree has problems: {found}")
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"  page tree: no problem of any of treebeard's five kinds ({seconds:.1f} s)"
        )
        if treebeard:
            # treebeard's own check (what `manage.py fixtree` reports) makes two queries a
            # page: about 4 minutes for 100,000 on a busy machine, so only after a build.
            problems = Page.find_problems()
            found = {name: ids for name, ids in zip(names, problems, strict=True) if ids}
            if found:
                raise CommandError(f"treebeard finds problems in the page tree: {found}")
            seconds = time.perf_counter() - started
            self.stdout.write(f"  treebeard's find_problems() reports nothing ({seconds:.0f} s)")
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT count(*) FROM wagtailcore_page child
                   JOIN wagtailcore_page parent
                     ON parent.path = substr(child.path, 1, length(child.path) - 4)
                   WHERE child.url_path <> parent.url_path || child.slug || '/'"""
            )
            wrong_urls = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM wagtailcore_page p LEFT JOIN news_newspage n"
                " ON n.page_ptr_id = p.id WHERE p.content_type_id = %s AND n.page_ptr_id IS NULL",
                [ContentType.objects.get_for_model(NewsPage).pk],
            )
            missing = cursor.fetchone()[0]
        if wrong_urls or missing:
            raise CommandError(f"{wrong_urls} pages with a wrong url_path, {missing} without row")
        self.stdout.write(
            "  every url_path is its parent's plus its slug; every NewsPage has a row"
        )
        client = Client(HTTP_HOST="localhost")
        home = client.get("/")
        if home.status_code != 200 or home.content.count(b"<li>") < 2:
            raise CommandError(f"the home page answered {home.status_code}")
        stories = list(NewsPage.objects.child_of(index).live().values_list("pk", flat=True))
        for pk in random.Random(11).sample(stories, k=min(renders, len(stories))):
            page = NewsPage.objects.get(pk=pk)
            response = client.get(page.url)
            if response.status_code != 200 or escape(page.title).encode() not in response.content:
                raise CommandError(f"{page.url} answered {response.status_code}")
        self.stdout.write(f"  home page and {renders} random stories render (200, with titles)")
        for label, url in (("home", "/"), ("article", page.url)):
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            sql_ms = 1000 * sum(float(query["time"]) for query in queries.captured_queries)
            self.stdout.write(f"  wagtail {label}: {len(queries)} queries, {sql_ms:.1f} ms of SQL")
