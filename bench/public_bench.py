"""Public site speed at 100,000 articles on PostgreSQL: page latency and cached throughput.

Run: .venv/bin/python bench/public_bench.py [--rebuild] [--explain] [--quick]
Needs PostgreSQL (a role that may create databases), Redis for the cached run, and wrk on
PATH for the throughput part (``apt-get install wrk``; without it that part is skipped).

Data. The script works in its own database, ``BENCH_DATABASE_URL`` (default
postgres://root@127.0.0.1:5432/unionnews_bench; the name must end in ``_bench``), never the
developer's. A fresh database is migrated (the data migration loads fixtures/unions.json) and
filled with 104,000 stories, 100,000 of them live: the 17 stories of fixtures/pages/*.txt
(parsed by the importer) are recombined, with the union they are about swapped for another
one of the directory or of 200 generated enterprise unions, paragraphs added or dropped,
varied headlines, real-style bylines (staff reporters and each union's correspondent), eight
columns, the printed topics (taggit tags) and events (yearly editions), publish times spread
over five years (summer stories in summer), 1,000 scheduled in the future and 3,000 drafts or
other desk states. Rows go in with bulk_create. ``search_text`` and ``slug`` are what
``Article.save()`` would store: each distinct paragraph and headline is tokenised once
(``articles.search.tokens``, the function ``search_text()`` uses) and a story's tokens are the
concatenation, which is the same because tokens never span a line break; 300 stories are
checked against ``search_text()`` itself after the build, and the story counts the services
keep are made once (``articles.coverage.rebuild``). The build takes about two minutes
and is then reused (a comment on the database records it); ``--rebuild`` drops and rebuilds
it. ``VACUUM ANALYZE`` runs after loading, ``ANALYZE`` on every later start.

Serving. ``gunicorn unionnews.wsgi`` on 127.0.0.1 and a free port, 2 sync workers (one per
core: PostgreSQL and the load generator share the same two cores), DEBUG=0, a random
SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0, UNIONNEWS_SEARCH_RATE=100000/m
(one client searching all the time). Settings come from a module
written into a temporary directory that imports unionnews.settings and changes only
STATIC_ROOT (a temporary directory for ``collectstatic``) and the cache key prefix
(``unionnews-bench``), so nothing is written into the repository's var/static.

Prints the commit measured and the load average (anything else running on the machine
shows in every figure), then for each public page type: one in-process render's query count
and SQL time, and p50/p95/p99/max latency over loopback with one client (http.client,
sequential requests, up to 200 a page or 15 s, so a page of several seconds gets few
samples; the article page cycles through 2,000 different stories) with the page cache off
(UNIONNEWS_PAGE_CACHE_SECONDS=0), against the design's 50 ms p95. Then requests per second
from wrk (1 thread, 8 connections) on a second server with the page cache on
(UNIONNEWS_PAGE_CACHE_SECONDS=600, Redis db 1): a static CSS file and the cached home page,
alternating five times 4 s each, their medians and ratio against the design's 50 %; and the
uncached home page for comparison. ``--explain`` also prints EXPLAIN ANALYZE of the slowest
query of each page; ``--quick`` measures 50 requests a page. ``migrate`` runs on every start,
so a reused database follows new migrations; rebuild when a migration was rewritten.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://root@127.0.0.1:5432/unionnews_bench"
CACHED_CACHE_URL = "redis://127.0.0.1:6379/1"
CACHE_PREFIX = "unionnews-bench"
#: Recorded as a comment on the database; a different value means the data must be rebuilt.
DATASET = "unionnews-bench dataset v1: 100000 live + 1000 scheduled + 3000 desk"
LIVE, SCHEDULED, DESK = 100_000, 1_000, 3_000
CHUNK = 4_000
TARGET_MS = 50.0
TARGET_RATIO = 0.5
WORKERS = 2

#: Requests a page and seconds a page for the latency runs; wrk settings for throughput:
#: the static file and the cached page alternate ROUNDS times, ROUND_SECONDS each.
MAX_REQUESTS, MAX_SECONDS = 200, 15.0
WRK_CONNECTIONS, WRK_SECONDS = 8, 10
ROUNDS, ROUND_SECONDS = 5, 4

SETTINGS_MODULE = "unionnews_bench_settings"
SETTINGS_SOURCE = f'''"""The project's settings, with a temporary STATIC_ROOT and cache prefix."""
import os
from unionnews.settings import *  # noqa: F403
from unionnews.settings import CACHES

STATIC_ROOT = os.environ["UNIONNEWS_BENCH_STATIC_ROOT"]
CACHES["default"]["KEY_PREFIX"] = "{CACHE_PREFIX}"
'''

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %.0f %.0f %.0f %.0f %.0f %.0f\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


# -- environment ----------------------------------------------------------------------------


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = urlsplit(url).path.lstrip("/")
    if not name.endswith("_bench"):
        sys.exit(f"BENCH_DATABASE_URL must name a database ending in _bench, not {name!r}")
    return url


def prepare_environment(workdir: Path, url: str) -> dict:
    """Settings module and environment shared by this process and the servers."""
    (workdir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE, encoding="utf-8")
    static_root = workdir / "static"
    static_root.mkdir()
    env = {
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "UNIONNEWS_PAGE_CACHE_SECONDS": "0",
        # One client asks hundreds of searches a minute: the readers' rate limit would refuse
        # it (the limit itself is tested in tests/test_search.py).
        "UNIONNEWS_SEARCH_RATE": "100000/m",
        "UNIONNEWS_BENCH_STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "LOG_LEVEL": "WARNING",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    for name in ("CACHE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(workdir))
    return env


def admin_connection(url: str):
    """An autocommit connection to the server's ``postgres`` database (not the bench one)."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def database_state(url: str, rebuild: bool) -> bool:
    """Create the bench database if needed; True when it already holds this dataset."""
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None and row[0] == DATASET and not rebuild:
            return True
        if row is not None:
            print(f"dropping database {name} (rebuild)")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def mark_built(url: str):
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{DATASET}'")


# -- the data -------------------------------------------------------------------------------

STAFF = ["马超", "刘欣欣", "于佳", "陈曦", "周美玉", "宗晓畅", "任洁", "盛丽", "边磊", "孙妍"]
STAFF += ["余翠平"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"]
GIVEN += ["涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "晓东", "海燕", "建华", "雪梅"]
BRANDS = ["华宇", "京港", "恒通", "鼎盛", "瑞丰", "安达", "博远", "嘉禾", "天成", "凯达"]
BRANDS += ["明辉", "永安", "泰和", "宏图", "金桥", "联创", "北辰", "新源", "远航", "恒信"]
TRADES = ["建设", "物业", "物流", "软件", "医药", "餐饮", "汽车", "能源", "环保", "电子"]
COLUMNS = [
    "工会动态",
    "劳模工匠风采",
    "职工服务",
    "基层一线",
    "维权在线",
    "产业工人队伍建设改革",
    "图片新闻",
]
EXTRA_TOPICS = ["困难职工帮扶", "安全生产", "职工之家", "女职工", "法律援助", "疗休养"]
HEADLINE_ACTIONS = [
    "开展“夏送清凉”慰问活动",
    "举办职工职业技能大赛",
    "召开劳模工匠座谈会",
    "为新就业形态劳动者送温暖",
    "举办单身职工联谊活动",
    "举办工会干部培训班",
    "组织一线职工健康体检",
    "扎实推进产业工人队伍建设改革",
    "举办职工文化艺术节",
    "开展困难职工帮扶走访",
    "新建一批职工之家",
    "开展安全生产月劳动竞赛",
    "慰问重点工程一线建设者",
    "举办女职工权益保护讲座",
    "组织劳模疗休养",
    "开展职工诗歌朗诵会",
    "启动职工学历提升计划",
    "为户外劳动者建起爱心驿站",
]
#: Events that come back every year get one row per edition; others one row.
YEARLY = {"北京市职工职业技能大赛", "夏送清凉", "数字经济领域职工职业技能大赛"}
YEARLY |= {"北京市“安康杯”竞赛"}
SUMMER_TOPIC = "夏送清凉"
DESK_STATES = ["draft", "submitted", "returned", "approved", "withdrawn"]


def event_kind(name: str) -> str:
    for words, kind in [
        (("大赛", "竞赛", "杯"), "competition"),
        (("清凉", "慰问"), "welfare"),
        (("培训", "计划"), "training"),
        (("联谊", "交友", "盲盒", "桃花源"), "mixer"),
        (("宣讲",), "lecture"),
    ]:
        if any(word in name for word in words):
            return kind
    return "culture"


@cache
def cut(text: str) -> tuple[str, ...]:
    """The search tokens of one paragraph or title, as ``Article.save()`` computes them."""
    from articles import search as search_rules

    return tuple(search_rules.tokens(text))


@cache
def slug_of(headline: str) -> str:
    from unionnews.slugs import pinyin_slug

    return pinyin_slug(headline)


def seed_stories():
    """The stories of the real printed pages, parsed by the importer, with their column."""
    import json

    from articles.importer import UnionDirectory, UnionEntry, parse_page

    units = json.loads((ROOT / "fixtures" / "unions.json").read_text(encoding="utf-8"))["unions"]
    lookup = UnionDirectory([UnionEntry(u["name"], u["kind"], tuple(u["aliases"])) for u in units])
    stories = []
    for page in sorted((ROOT / "fixtures" / "pages").glob("*.txt")):
        parsed = parse_page(page.read_bytes(), source=page.name, directory=lookup)
        stories += [(parsed.column, story) for story in parsed.articles]
    return stories, {u["name"]: u for u in units}


class Builder:
    """Makes the bench data; every choice comes from one seeded random generator."""

    def __init__(self):
        from django.contrib.contenttypes.models import ContentType

        from articles.models import Article

        self.rng = random.Random(20261122)
        self.now = datetime.now().astimezone()
        self.stories, self.directory = seed_stories()
        self.article_type = ContentType.objects.get_for_model(Article)

    def run(self):
        started = time.perf_counter()
        self.make_unions()
        self.make_people()
        self.make_columns_topics_events()
        plans = self.plans()
        print(f"  planned {len(plans)} stories in {time.perf_counter() - started:.0f} s")
        for first in range(0, len(plans), CHUNK):
            self.insert(plans[first : first + CHUNK])
            done = min(first + CHUNK, len(plans))
            print(f"  {done} stories stored, {time.perf_counter() - started:.0f} s", flush=True)
        print(f"  {cut.cache_info().currsize} distinct paragraphs and titles cut by jieba")

    # -- the groups stories belong to ----------------------------------------------------------

    def make_unions(self):
        from organizations.models import Union

        existing = list(Union.objects.all())
        parents = [u for u in existing if u.kind in ("district", "industry", "park")]
        new = []
        for brand in BRANDS:
            for trade in TRADES:
                name = f"北京{brand}{trade}有限公司工会"
                short = f"{brand}{trade}工会"
                new.append(
                    Union(
                        name=name,
                        short_name=short,
                        kind="grassroots",
                        parent=self.rng.choice(parents),
                        slug=slug_of(short),
                    )
                )
        Union.objects.bulk_create(new)
        self.unions = list(Union.objects.all())
        self.union_by_name = {u.name: u for u in self.unions}
        # Districts and industry unions are written about more often than one company.
        self.union_weights = [
            {"district": 6, "industry": 6, "municipal": 3, "national": 1}.get(u.kind, 1)
            for u in self.unions
        ]

    def make_people(self):
        from articles.models import Reporter

        names = list(STAFF)
        while len(names) < 50:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in names:
                names.append(name)
        staff = [
            Reporter(name=n, title="实习记者" if i % 9 == 8 else "记者", slug=slug_of(n))
            for i, n in enumerate(names)
        ]
        correspondents = []
        for union in self.unions:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            correspondents.append(
                Reporter(name=name, title="通讯员", union=union, slug=slug_of(name))
            )
        self.staff = Reporter.objects.bulk_create(staff)
        created = Reporter.objects.bulk_create(correspondents)
        self.correspondent = {r.union_id: r for r in created}

    def make_columns_topics_events(self):
        from taggit.models import Tag

        from articles.models import Column
        from events.models import Event

        page_columns = {column for column, _ in self.stories if column}
        self.columns = {
            name: Column.objects.create(name=name, position=10 * i)
            for i, name in enumerate([*sorted(page_columns), *COLUMNS])
        }
        topics = {t for _, story in self.stories for t in story.topics} | set(EXTRA_TOPICS)
        self.tags = {name: Tag.objects.create(name=name) for name in sorted(topics)}
        self.events = {}
        first_year = (self.now - timedelta(days=5 * 365)).year
        for _, story in self.stories:
            for found in story.events:
                name = found.name
                if name in self.events:
                    continue
                organizer = self.union_by_name.get(story.unions[0]) if story.unions else None
                years = range(first_year, self.now.year + 1) if name in YEARLY else [None]
                editions = {}
                for year in years:
                    month = 7 if SUMMER_TOPIC in name else self.rng.randint(3, 11)
                    starts = date(year or self.now.year - 1, month, self.rng.randint(1, 20))
                    event = Event.objects.create(
                        name=name,
                        kind=event_kind(name),
                        edition_year=year,
                        starts_on=starts,
                        ends_on=starts + timedelta(days=self.rng.choice([0, 1, 7, 30])),
                        place="北京",
                        description=f"{name}。",
                    )
                    if organizer:
                        event.organizers.add(organizer)
                    editions[year] = event
                self.events[name] = editions

    # -- the stories ---------------------------------------------------------------------------

    def swapper(self, union_name: str | None, union):
        """A function that puts ``union`` wherever a story names ``union_name`` (full name,
        short name or alias), in one pass so that a replacement is never replaced again."""
        if union_name is None or union_name == union.name:
            return lambda text: text
        entry = self.directory.get(union_name, {})
        forms = {union_name, entry.get("short_name") or "", *entry.get("aliases", [])}
        forms = sorted((f for f in forms if f), key=len, reverse=True)
        full = [f for f in forms if f == union_name or f.startswith(("北京", "中华"))]
        pattern = re.compile("|".join(re.escape(f) for f in forms))
        short = union.short_name or union.name

        def swap(text: str) -> str:
            return pattern.sub(lambda m: union.name if m.group() in full else short, text)

        return swap

    def when(self, summer: bool) -> datetime:
        start = self.now - timedelta(days=5 * 365)
        moment = start + timedelta(seconds=self.rng.uniform(0, (self.now - start).total_seconds()))
        if summer:
            year = moment.year
            moment = moment.replace(month=self.rng.choice([6, 7, 8]), day=self.rng.randint(1, 28))
            if moment > self.now:
                moment = moment.replace(year=year - 1)
        moment = moment.replace(hour=self.rng.randint(6, 22), minute=self.rng.randint(0, 59))
        return moment if moment <= self.now else moment - timedelta(days=1)

    def plans(self) -> list[dict]:
        states = ["published"] * LIVE + ["scheduled"] * SCHEDULED
        states += [self.rng.choice(DESK_STATES) for _ in range(DESK)]
        self.rng.shuffle(states)
        return [self.plan(state) for state in states]

    def plan(self, state: str) -> dict:
        rng = self.rng
        column_name, story = rng.choice(self.stories)
        primary = story.unions[0] if story.unions else None
        keep = primary is None or rng.random() < 0.4
        union = self.union_by_name.get(primary) if keep else None
        if union is None:
            union = rng.choices(self.unions, self.union_weights)[0]
        swap = self.swapper(primary, union)
        paragraphs = [swap(p) for p in story.paragraphs]
        if len(paragraphs) > 3 and rng.random() < 0.3:
            del paragraphs[rng.randrange(1, len(paragraphs))]
        if rng.random() < 0.4:
            _, other = rng.choice(self.stories)
            paragraphs.append(rng.choice(other.paragraphs))
        kicker = swap(story.kicker or "")
        subtitle = swap(story.subtitle or "")
        if rng.random() < 0.6:
            headline = (union.short_name or union.name) + rng.choice(HEADLINE_ACTIONS)
            kicker = kicker if rng.random() < 0.3 else ""
        else:
            headline = swap(story.headline)
        summer = SUMMER_TOPIC in story.topics
        if state == "scheduled":
            publish_at = self.now + timedelta(hours=rng.uniform(1, 30 * 24))
        elif state in ("published", "withdrawn"):
            publish_at = self.when(summer)
        else:
            publish_at = None
        if rng.random() < 0.3:
            column = self.columns.get(column_name)
        elif rng.random() < 0.85:
            column = self.columns[rng.choice(COLUMNS)]
        else:
            column = None
        credits = []
        for credit in story.bylines:
            if credit.title == "通讯员":
                reporter = self.correspondent[union.pk]
            else:
                reporter = rng.choice(self.staff)
            key = (reporter.pk, credit.contribution)
            if key not in {(r.pk, c) for r, _, c in credits}:
                credits.append((reporter, reporter.title, credit.contribution))
        others = [self.union_by_name[n] for n in story.unions[1:] if n in self.union_by_name]
        unions = [union, *rng.sample(others, k=rng.randint(0, len(others)))]
        topics = list(story.topics)
        if rng.random() < 0.2:
            topics.append(rng.choice(EXTRA_TOPICS))
        events = []
        if publish_at is not None and rng.random() < 0.7:
            for found in story.events:
                editions = self.events[found.name]
                event = editions.get(publish_at.year) or editions.get(None)
                if event is not None:
                    events.append(event)
        return {
            "state": state,
            "kind": story.kind,
            "dateline": story.dateline or "",
            "section": story.section or "",
            "kicker": kicker,
            "headline": headline,
            "subtitle": subtitle,
            "paragraphs": paragraphs,
            "publish_at": publish_at,
            "column": column,
            "featured": state == "published" and rng.random() < 0.02,
            "credits": credits,
            "unions": list({u.pk: u for u in unions}.values()),
            "topics": list(dict.fromkeys(topics)),
            "events": events,
        }

    def insert(self, plans: list[dict]):
        from django.db import transaction
        from taggit.models import TaggedItem

        from articles.models import Article, Byline

        articles = []
        for plan in plans:
            words = [w for part in ("kicker", "headline", "subtitle") for w in cut(plan[part])]
            words += [w for paragraph in plan["paragraphs"] for w in cut(paragraph)]
            state = plan["state"]
            articles.append(
                Article(
                    kicker=plan["kicker"],
                    headline=plan["headline"],
                    subtitle=plan["subtitle"],
                    slug=slug_of(plan["headline"]),
                    kind=plan["kind"],
                    dateline=plan["dateline"],
                    body="\n".join(plan["paragraphs"]),
                    column=plan["column"],
                    section=plan["section"],
                    status="published" if state == "scheduled" else state,
                    publish_at=plan["publish_at"],
                    featured=plan["featured"],
                    paper_date=plan["publish_at"].date() if plan["publish_at"] else None,
                    search_text=f" {' '.join(words)} " if words else "",
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(articles, batch_size=1000)
            bylines, union_links, event_links, tagged = [], [], [], []
            for article, plan in zip(articles, plans, strict=True):
                for order, (reporter, title, contribution) in enumerate(plan["credits"]):
                    bylines.append(
                        Byline(
                            article=article,
                            reporter=reporter,
                            title=title,
                            contribution=contribution,
                            order=order,
                        )
                    )
                union_links += [
                    Article.unions.through(article_id=article.pk, union_id=u.pk)
                    for u in plan["unions"]
                ]
                event_links += [
                    Article.events.through(article_id=article.pk, event_id=e.pk)
                    for e in plan["events"]
                ]
                tagged += [
                    TaggedItem(
                        content_type=self.article_type,
                        object_id=article.pk,
                        tag=self.tags[name],
                    )
                    for name in plan["topics"]
                ]
            Byline.objects.bulk_create(bylines, batch_size=2000)
            Article.unions.through.objects.bulk_create(union_links, batch_size=5000)
            Article.events.through.objects.bulk_create(event_links, batch_size=5000)
            TaggedItem.objects.bulk_create(tagged, batch_size=5000)


def check_sample():
    """Stored ``search_text`` and ``slug`` of 300 stories equal what ``save()`` computes."""
    from articles import search as search_rules
    from articles.models import Article
    from unionnews.slugs import pinyin_slug

    sample = Article.objects.order_by("?")[:300]
    for article in sample:
        fields = (getattr(article, name) for name in Article.SEARCHED_FIELDS)
        if article.search_text != search_rules.search_text(*fields):
            sys.exit(f"search_text of article {article.pk} differs from Article.save()'s")
        if article.slug != pinyin_slug(article.headline):
            sys.exit(f"slug of article {article.pk} differs from Article.save()'s")


def build(url: str):
    from django.db import connection

    print("building the bench data (once; --rebuild to redo)")
    started = time.perf_counter()
    Builder().run()
    check_sample()
    print("  search_text and slug of 300 random stories match Article.save()")
    from articles import coverage

    # Rows went in around the services, so the kept story counts are made once here.
    print(f"  story counts kept for {coverage.rebuild()} months (articles/coverage.py)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    mark_built(url)
    print(f"  built in {time.perf_counter() - started:.0f} s")


# -- what to request ------------------------------------------------------------------------

#: Searches measured: a word in every story (工会), 2-character words in a third of them, one
#: character, two words, a reporter's name; filtered searches are added in page_list().
SEARCHES = ["工会", "清凉", "工匠", "劳模", "会", "技能 竞赛", "马超"]


def page_list() -> list[tuple[str, list[str], int | None]]:
    """(label, URLs to cycle through, number of matching stories or None): every public page
    type, each at its largest in the bench data."""
    from django.db.models import Count
    from taggit.models import Tag

    from articles.models import Article, Column, Reporter
    from articles.topics import topic_url
    from events.models import Event
    from organizations.models import Union

    public = Article.objects.published()
    rng = random.Random(7)
    ids = list(public.values_list("pk", "slug"))
    sample = rng.sample(ids, k=min(2000, len(ids)))
    articles = [f"/articles/{pk}-{slug or '-'}/" for pk, slug in sample]
    municipal = Union.objects.get(name="北京市总工会")
    counts = public.count_per("tags")
    biggest = Tag.objects.get(pk=max(counts, key=counts.get))

    def largest(model, relation):
        return model.objects.annotate(n=Count(relation)).order_by("-n").first()

    column = largest(Column, "articles")
    reporter = largest(Reporter, "bylines")
    event = largest(Event, "articles")
    pages = [
        ("home", ["/"], public.count()),
        ("article (2,000 different)", articles, None),
        ("union 北京市总工会", [municipal.get_absolute_url()], None),
        (f"topic {biggest.name}", [topic_url(biggest)], counts[biggest.pk]),
        (f"column {column.name}", [column.get_absolute_url()], None),
        (f"reporter {reporter.name}", [reporter.get_absolute_url()], None),
        (f"event {event.name}", [event.get_absolute_url()], None),
        ("union directory", ["/unions/"], None),
        ("topic index", ["/topics/"], None),
        ("event index", ["/events/"], None),
        ("archive index", ["/archive/"], None),
        ("home, page 50", ["/?page=50"], None),
    ]
    for query in SEARCHES:
        found = public.search(query).count()
        pages.append((f"search “{query}”", [f"/search/?q={quote(query)}"], found))
    filtered = f"/search/?q={quote('工会')}&union={municipal.pk}&topic={biggest.pk}"
    pages.append(("search 工会 + union + topic", [filtered], None))
    dated = f"/search/?q={quote('清凉')}&from=2024-07-01&to=2024-08-31"
    pages.append(("search 清凉 + dates", [dated], None))
    return pages


# -- in-process profile ---------------------------------------------------------------------


class QueryTimer:
    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql, params))


def profile(pages, explain: bool) -> dict:
    """One render of each page in this process (after one warm-up): queries and SQL time."""
    from django.db import connection
    from django.test import Client

    client = Client()
    found = {}
    for label, urls, _ in pages:
        client.get(urls[0])
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            response = client.get(urls[0])
        if response.status_code != 200:
            sys.exit(f"{label}: {urls[0]} answered {response.status_code}")
        total = sum(t for t, _, _ in timer.queries)
        found[label] = (len(timer.queries), 1000 * total)
        if explain and timer.queries:
            elapsed, sql, params = max(timer.queries, key=lambda q: q[0])
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = [row[0] for row in cursor.fetchall()]
            print(f"\n== {label}: slowest of {len(timer.queries)} queries, {1000 * elapsed:.1f} ms")
            print(textwrap.shorten(sql, 600, placeholder=" …"))
            print("\n".join(plan[:40]))
    return found


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gunicorn unionnews.wsgi`` in its own process group, stopped on exit or error."""

    def __init__(self, env: dict, workdir: Path, name: str):
        self.port = free_port()
        self.log = workdir / f"gunicorn-{name}.log"
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "unionnews.wsgi",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={WORKERS}",
            "--worker-class=sync",
            "--timeout=60",
            f"--chdir={ROOT}",
            "--no-control-socket",  # one path per user: it would take over another server's
        ]
        full_env = {**os.environ, **env, "PYTHONPATH": str(workdir)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=full_env, stdout=log, stderr=log, start_new_session=True
            )

    def __enter__(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if request(self.connection(), "/robots.txt")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit(f"gunicorn did not start; its log:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc):
        self.stop()

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


HEADERS = {"Accept-Encoding": "gzip, br", "Accept-Language": "zh-CN,zh;q=0.9"}


def request(conn: http.client.HTTPConnection, path: str):
    """GET ``path``: (status, X-Cache header, body length). Reconnects when the server closed
    the connection (gunicorn's sync workers close it after each response)."""
    conn.request("GET", path, headers=HEADERS)
    response = conn.getresponse()
    body = response.read()
    return response.status, response.getheader("X-Cache", ""), len(body)


def latency(server: Server, urls: list[str], max_requests: int) -> dict:
    """Sequential GETs cycling through ``urls``: bounded by count and by time."""
    conn = server.connection()
    for path in (urls * 2)[:2]:
        request(conn, path)  # warm-up: a worker's first request loads code and jieba
    times, errors, hits = [], 0, 0
    deadline = time.monotonic() + MAX_SECONDS
    index = 0
    while len(times) < max_requests and time.monotonic() < deadline:
        path = urls[index % len(urls)]
        index += 1
        started = time.perf_counter()
        status, cached, _ = request(conn, path)
        times.append(1000 * (time.perf_counter() - started))
        errors += status != 200
        hits += cached.lower() == "hit"
    conn.close()
    # quantiles() needs two samples; a page timed once (--quick) has them all equal.
    cuts = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {
        "n": len(times),
        "p50": statistics.median(times),
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(times),
        "errors": errors,
        "hits": hits,
    }


def wrk(server: Server, path: str, workdir: Path, seconds: int) -> dict | None:
    if shutil.which("wrk") is None:
        return None
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    command = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout=5s", "-s"]
    command.append(str(script))
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, server.url(path)], capture_output=True, text=True, timeout=seconds + 60
    )
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", done.stdout, re.M)
    if match is None:
        sys.exit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    count, micros, socket_errors, bad_status, p50, p99 = map(int, match.groups())
    return {
        "rps": count / (micros / 1e6),
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "errors": socket_errors,
        "bad": bad_status,
    }


def clear_bench_cache():
    """Drop this benchmark's own entries (prefix ``unionnews-bench``) from Redis db 1."""
    import redis

    client = redis.Redis.from_url(CACHED_CACHE_URL)
    keys = list(client.scan_iter(match=f"{CACHE_PREFIX}:*", count=1000))
    for first in range(0, len(keys), 1000):
        client.delete(*keys[first : first + 1000])


# -- main -----------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the bench data")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest queries")
    parser.add_argument("--quick", action="store_true", help="50 requests a page")
    args = parser.parse_args()
    # A plain kill runs the clean-up below too (servers stopped, temporary files removed).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    max_requests = 50 if args.quick else MAX_REQUESTS

    url = database_url()
    print(f"{code_version()}\n{load(warn=True)}")
    workdir = Path(tempfile.mkdtemp(prefix="unionnews-bench-"))
    try:
        env = prepare_environment(workdir, url)
        ready = database_state(url, args.rebuild)

        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        if not ready:
            build(url)
        else:  # a new migration may have added a column: the planner needs its statistics
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        call_command("collectstatic", interactive=False, verbosity=0)
        pages = page_list()
        print("profiling each page in-process (queries, SQL time)")
        profiled = profile(pages, args.explain)
        from django.db import connections

        connections.close_all()
        run(pages, profiled, env, workdir, max_requests)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(pages, profiled, env, workdir, max_requests):
    print(f"\nuncached latency: one client, up to {max_requests} requests or {MAX_SECONDS:.0f} s")
    print(f"UNIONNEWS_PAGE_CACHE_SECONDS=0, gunicorn {WORKERS} sync workers, DEBUG=0, {load()}\n")
    head = f"{'page':<28} {'matches':>7} {'queries':>7} {'SQL ms':>7} {'n':>4}"
    head += f" {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  p95 ≤ 50 ms"
    print(head)
    print("-" * len(head))
    with Server(env, workdir, "uncached") as server:
        for label, urls, matches in pages:
            found = latency(server, urls, max_requests)
            queries, sql_ms = profiled[label]
            verdict = "pass" if found["p95"] <= TARGET_MS else f"MISS ×{found['p95'] / 50:.1f}"
            if found["errors"] or found["hits"]:
                verdict += f" ({found['errors']} errors, {found['hits']} cache hits!)"
            shown = "" if matches is None else f"{matches:,}"
            print(
                f"{label:<28} {shown:>7} {queries:>7} {sql_ms:>7.1f} {found['n']:>4}"
                f" {found['p50']:>7.1f} {found['p95']:>7.1f} {found['p99']:>7.1f}"
                f" {found['max']:>7.1f}  {verdict}",
                flush=True,
            )
        static_path = static_css(server)
        uncached_home = wrk(server, "/", workdir, WRK_SECONDS)
    print(f"after the latency runs: {load()}")
    throughput(env, workdir, static_path, uncached_home)


def throughput(env, workdir, static_path, uncached_home):
    """Static file against the cached home page on one server, alternating, ROUNDS times."""
    has_cache = (ROOT / "unionnews" / "page_cache.py").exists()
    cached_env = {**env, "UNIONNEWS_PAGE_CACHE_SECONDS": "600", "CACHE_URL": CACHED_CACHE_URL}
    clear_bench_cache()
    statics, homes = [], []
    try:
        with Server(cached_env, workdir, "cached") as server:
            conn = server.connection()
            before = [request(conn, "/")[1] or "-" for _ in range(3)]
            for _ in range(ROUNDS):
                statics.append(wrk(server, static_path, workdir, ROUND_SECONDS))
                homes.append(wrk(server, "/", workdir, ROUND_SECONDS))
            after = request(conn, "/")[1] or "-"
            conn.close()
    finally:
        clear_bench_cache()

    print(f"\nthroughput: wrk, 1 thread, {WRK_CONNECTIONS} connections; {load()}")
    print(f"unionnews/page_cache.py present: {has_cache}; X-Cache of GET / before: {before}")
    print(f"and after the runs: {after}\n")
    if uncached_home is None:
        print("wrk is not installed (apt-get install wrk): throughput not measured")
        return
    cached = "hit" in [mark.lower() for mark in before] and after.lower() == "hit"
    home_label = "home, cache on (X-Cache: hit)" if cached else "home, NO CACHE HIT SEEN"
    print(f"{'what':<44} {'req/s':>7} {'(range)':>10} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    rows = [
        (f"static {static_path}", statics),
        (home_label, homes),
        ("home, cache off (uncached server, 10 s)", [uncached_home]),
    ]
    for label, runs in rows:
        rates = sorted(run["rps"] for run in runs)
        middle = runs[[run["rps"] for run in runs].index(statistics.median_low(rates))]
        spread = f"{rates[0]:.0f}–{rates[-1]:.0f}" if len(rates) > 1 else ""
        print(
            f"{label:<44} {statistics.median(rates):>7.0f} {spread:>10} {middle['p50']:>7.1f}"
            f" {middle['p99']:>7.1f} {sum(run['errors'] + run['bad'] for run in runs):>6}"
        )
    ratios = sorted(
        home["rps"] / static["rps"] for home, static in zip(homes, statics, strict=True)
    )
    ratio = statistics.median(run["rps"] for run in homes) / statistics.median(
        run["rps"] for run in statics
    )
    verdict = "pass" if ratio >= TARGET_RATIO else f"MISS (needs ×{TARGET_RATIO / ratio:.2f})"
    print(
        f"\ncached home / static file: {100 * ratio:.0f} % of medians, rounds "
        f"{100 * ratios[0]:.0f}–{100 * ratios[-1]:.0f} % (target ≥ 50 %): {verdict}"
    )


def load(warn: bool = False) -> str:
    one, five, _ = os.getloadavg()
    busy = " — the machine is busy: expect slower, noisier figures" if warn and one > 1 else ""
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min){busy}"


def code_version() -> str:
    """The commit measured, when the script runs in a git checkout."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return f"code at {ROOT} (no git checkout)"
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    changed = len(dirty.stdout.splitlines())
    note = f", {changed} paths changed or new in the work tree" if changed else ""
    return f"code at {ROOT}, commit {head.stdout.strip()}{note}"


def static_css(server: Server) -> str:
    """The hashed URL of the site's stylesheet, as the home page links it."""
    conn = server.connection()
    conn.request("GET", "/", headers=HEADERS)
    html = conn.getresponse().read().decode("utf-8")
    conn.close()
    match = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', html)
    if match is None:
        sys.exit("the home page links no hashed /static/css/site.*.css")
    return match.group(1)


if __name__ == "__main__":
    main()
