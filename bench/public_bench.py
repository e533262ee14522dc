"""Public site speed on PostgreSQL at an archive of 100,000 stories, or of any size with
``--stories N``: page latency and cached throughput.

Run: .venv/bin/python bench/public_bench.py [--stories N] [--rebuild] [--build-only]
[--explain] [--quick]
Needs PostgreSQL (a role that may create databases), Redis for the cached run, and wrk on
PATH for the throughput part (``apt-get install wrk``; without it that part is skipped).

Sizes. ``--stories N`` live stories (default 100,000), plus 1 % scheduled in the future and
3 % drafts or other desk states: 104,000 rows by default, 10,400 for ``--stories 10000``,
1,040,000 for ``--stories 1000000``. Each size has its own database: ``unionnews_bench`` for
the default (the database of earlier runs), ``unionnews_bench_10k``, ``unionnews_bench_1m``
and so on for others. ``BENCH_DATABASE_URL`` names another one (on the same server; its name
must end in ``_bench`` or ``_bench_<size>``), never the developer's. A comment on the database
records the dataset and its size; a database that holds another size is neither reused nor
dropped without ``--rebuild``. ``--build-only`` builds (or finds) the data and stops.

Data. A fresh database is migrated (the data migration loads the 38 unions of
fixtures/unions.json) and filled with stories made from the 17 stories of
fixtures/pages/*.txt (parsed by the importer), recombined: the union a story is about swapped
for another one of the directory or of the generated enterprise unions, paragraphs added or
dropped, varied headlines, real-style bylines (staff reporters and each union's
correspondent), eight columns, the printed topics (taggit tags) and events (yearly editions),
publish times spread over five years (summer stories in summer). So the archive is the seed
pages' 17 stories many times over in other words' order and with other unions' names, not
new journalism: every size holds the same kinds of text, and what grows is the number of
stories. Up to 100,000 live stories the network is one city paper's: 200 generated enterprise
unions, 50 staff reporters and one correspondent (通讯员) for each union. Beyond, the archive
is a provincial federation's network of papers and grows with it: for every 100,000 stories
200 more enterprise unions, 50 more staff reporters and one more correspondent for each union
(at a million: 2,000 enterprise unions, 500 staff, 10 correspondents a union, so that no one
person has 25,000 credits; the names are made from the same brand, trade and name words).
Topics, columns, events and the directory's 38 unions stay as printed, so their pages grow
with the archive; so does the union directory, which lists every union.

Loading. Stories are made and stored 4,000 at a time, so memory follows that, not the
archive's size (about 0.5 GB at a million stories; printed with the progress). The rows are
model instances as ``bulk_create`` would send them (each field's ``pre_save`` and
``get_db_prep_save``), written with ``COPY`` (psycopg 3), about twice as fast as
``bulk_create`` (10,000 stories: 7 s against 15 s); the stories' tables' indexes that back no
constraint are dropped while they load and made again after (one sorted build each, the GIN
index of the stored search documents with 1 GB of maintenance_work_mem). ``search_text`` and
``slug`` are what ``Article.save()`` would store: each distinct paragraph and headline is
tokenised once (``articles.search.tokens``, the function ``search_text()`` uses) and a story's
tokens are the concatenation, which is the same because tokens never span a line break; 300
random stories are checked against ``search_text()`` itself after the build, and the story
counts the services keep are made once (``articles.coverage.rebuild``). ``VACUUM ANALYZE``
runs after loading, ``ANALYZE`` on every later start. Builds on the project's machine (2
cores, shared with other work): 10,000 stories in about 15 s (134 MB); 100,000 in about two
minutes with ``bulk_create`` (1.4 GB; not yet rebuilt with ``COPY``); a million in 14–17
minutes (11 GB: 10 of storing, 2–3 making the GIN index, under a minute each for VACUUM
ANALYZE and the kept counts).

Serving. ``gunicorn unionnews.wsgi`` on 127.0.0.1 and a free port, 2 sync workers (one per
core: PostgreSQL and the load generator share the same two cores), DEBUG=0, a random
SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0, UNIONNEWS_SEARCH_RATE=100000/m
(one client searching all the time). Settings come from a module
written into a temporary directory that imports unionnews.settings and changes only
STATIC_ROOT (a temporary directory for ``collectstatic``) and the cache key prefix
(``unionnews-bench``), so nothing is written into the repository's var/static.

Prints the commit measured, the dataset and the load average (anything else running on the
machine shows in every figure), then for each public page type, each at its largest in the
data (the topic, column and event with the most stories, from the kept counts; the reporter
with the most bylines): one in-process render's query count and SQL time, and
p50/p95/p99/max latency over loopback with one client (http.client, sequential requests, up
to 200 a page or 15 s, so a page of several seconds gets few samples; a worker may take
120 s on one; the article page cycles through 2,000 different stories) with the page cache
off (UNIONNEWS_PAGE_CACHE_SECONDS=0), against the design's 50 ms p95. Then requests per
second from wrk (1 thread, 8 connections) on a second server with the page cache on
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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER_URL = "postgres://root@127.0.0.1:5432/"
DEFAULT_STORIES = 100_000
CACHED_CACHE_URL = "redis://127.0.0.1:6379/1"
CACHE_PREFIX = "unionnews-bench"
#: Stories made and stored at a time (memory follows this, not the size of the archive).
CHUNK = 4_000
TARGET_MS = 50.0
TARGET_RATIO = 0.5
WORKERS = 2

#: Requests a page and seconds a page for the latency runs; wrk settings for throughput:
#: the static file and the cached page alternate ROUNDS times, ROUND_SECONDS each.
MAX_REQUESTS, MAX_SECONDS = 200, 15.0
#: Seconds a worker may spend on one request (gunicorn's --timeout); the client waits longer.
REQUEST_TIMEOUT = 120
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


# -- sizes and environment ------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """One archive size: its stories, the network of papers they come from, its database."""

    live: int

    @property
    def scheduled(self) -> int:
        return self.live // 100

    @property
    def desk(self) -> int:
        return 3 * self.live // 100

    @property
    def total(self) -> int:
        return self.live + self.scheduled + self.desk

    @property
    def network(self) -> float:
        """How many city papers' worth of stories (100,000 each) the archive holds; never
        fewer than one: a smaller archive is one paper's first years, not a smaller city."""
        return max(1.0, self.live / DEFAULT_STORIES)

    @property
    def enterprises(self) -> int:
        """Generated enterprise unions: 200 a paper (a provincial network has more)."""
        return round(200 * self.network)

    @property
    def staff(self) -> int:
        """Staff reporters: 50 a paper."""
        return round(50 * self.network)

    @property
    def correspondents(self) -> int:
        """Correspondents (通讯员) of each union: one for each paper that writes about it."""
        return round(self.network)

    @property
    def label(self) -> str:
        for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
            if self.live % unit == 0:
                return f"{self.live // unit}{suffix}"
        return str(self.live)

    @property
    def database(self) -> str:
        """``unionnews_bench`` for the default size (the database of earlier runs), else
        ``unionnews_bench_10k``, ``unionnews_bench_1m``…"""
        if self.live == DEFAULT_STORIES:
            return "unionnews_bench"
        return f"unionnews_bench_{self.label}"

    def dataset(self) -> str:
        """Recorded as a comment on the database; another value means other data."""
        text = f"unionnews-bench dataset v1: {self.live} live + {self.scheduled} scheduled"
        text += f" + {self.desk} desk"
        if self.network > 1:
            text += f", {self.enterprises} enterprise unions, {self.staff} staff reporters"
            text += f", {self.correspondents} correspondents a union"
        return text


def database_url(size: Size) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", SERVER_URL + size.database)
    name = urlsplit(url).path.lstrip("/")
    if not re.search(r"_bench(_[0-9a-z]+)?$", name):
        sys.exit(
            "BENCH_DATABASE_URL must name a database ending in _bench or _bench_<size>, "
            f"not {name!r}"
        )
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


def database_row(conn, name: str) -> tuple | None:
    """``(comment,)`` of database ``name`` (the dataset it holds, or None), or None when
    there is no such database; ``conn`` is an :func:`admin_connection`."""
    return conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    ).fetchone()


def holds(url: str, dataset: str) -> bool:
    """Whether the database of ``url`` exists and holds ``dataset`` (read only)."""
    with admin_connection(url) as conn:
        row = database_row(conn, urlsplit(url).path.lstrip("/"))
    return row is not None and row[0] == dataset


def database_state(url: str, size: Size, rebuild: bool) -> bool:
    """Create the bench database if needed; True when it already holds this dataset. A
    database holding another size is neither reused nor dropped without ``--rebuild``."""
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        row = database_row(conn, name)
        held = row[0] if row is not None else None
        if held == size.dataset() and not rebuild:
            return True
        if row is not None:
            other = re.match(r"unionnews-bench dataset v\d+: (\d+) live", held or "")
            if other and int(other.group(1)) != size.live and not rebuild:
                sys.exit(
                    f"database {name} holds another size ({held}): measure it with "
                    f"--stories {other.group(1)}, or replace it with --rebuild"
                )
            why = "--rebuild" if rebuild else "older dataset" if held else "build not finished"
            print(f"dropping database {name} ({why})")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def mark_built(url: str, size: Size):
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{size.dataset()}'")


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
def cut(text: str) -> str:
    """The search tokens of one paragraph or title, as ``Article.save()`` computes them,
    joined by spaces (one string a paragraph keeps the cache small: a tuple of two-character
    strings costs about 30 times the memory)."""
    from articles import search as search_rules

    return " ".join(search_rules.tokens(text))


def enterprise_names(count: int) -> list[tuple[str, str]]:
    """(brand, trade) of ``count`` generated enterprises: the 20 brands in the 10 trades first
    (a city paper's 200), then brands made of two characters of those (华京, 华港…)."""
    chars = list(dict.fromkeys("".join(BRANDS)))
    brands = BRANDS + [a + b for a in chars for b in chars if a != b and a + b not in BRANDS]
    names = [(brand, trade) for brand in brands for trade in TRADES]
    if count > len(names):
        sys.exit(f"{count:,} enterprise unions needed; the generated names stop at {len(names):,}")
    return names[:count]


def elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.0f} s"


def memory() -> str:
    """This process's peak resident memory."""
    import resource

    return f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GB"


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

    def __init__(self, size: Size):
        from django.contrib.contenttypes.models import ContentType

        from articles.models import Article

        self.size = size
        self.rng = random.Random(20261122)
        self.now = datetime.now().astimezone()
        self.stories, self.directory = seed_stories()
        self.article_type = ContentType.objects.get_for_model(Article)

    def run(self):
        started = time.perf_counter()
        self.make_unions()
        self.make_people()
        self.make_columns_topics_events()
        states = self.states()
        print(f"  {len(self.unions)} unions, {len(self.staff)} staff reporters, {elapsed(started)}")
        indexes = drop_indexes()
        loading = time.perf_counter()
        # Planned a chunk at a time, in the same order as the states (and so the same
        # choices of the random generator as planning them all first).
        planning = 0.0
        for first in range(0, len(states), CHUNK):
            step = time.perf_counter()
            plans = [self.plan(state) for state in states[first : first + CHUNK]]
            planning += time.perf_counter() - step
            self.insert(plans)
            done = min(first + CHUNK, len(states))
            if done % (5 * CHUNK) == 0 or done == len(states):
                rate = done / (time.perf_counter() - loading)
                left = (len(states) - done) / rate
                print(
                    f"  {done:,} of {len(states):,} stories stored, {elapsed(started)}, "
                    f"{rate:,.0f} a second, about {left / 60:.0f} min left, {memory()}",
                    flush=True,
                )
        print(f"  {cut.cache_info().currsize:,} distinct paragraphs and titles tokenised")
        storing = time.perf_counter() - loading - planning
        print(f"  planning {planning:.0f} s, tokenising and storing {storing:.0f} s")
        step = time.perf_counter()
        make_indexes(indexes)
        print(f"  {len(indexes)} indexes made again, {elapsed(step)}")

    # -- the groups stories belong to ----------------------------------------------------------

    def make_unions(self):
        from organizations.models import Union, union_sort_key

        existing = list(Union.objects.all())
        parents = [u for u in existing if u.kind in ("district", "industry", "park")]
        new = []
        for brand, trade in enterprise_names(self.size.enterprises):
            name = f"北京{brand}{trade}有限公司工会"
            short = f"{brand}{trade}工会"
            new.append(
                Union(
                    name=name,
                    short_name=short,
                    kind="grassroots",
                    parent=self.rng.choice(parents),
                    slug=slug_of(short),
                    sort_key=union_sort_key("grassroots", name),
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

        names, seen = list(STAFF), set(STAFF)
        while len(names) < self.size.staff:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if len(seen) > 600:  # most two-character names are taken: a three-character one
                name += self.rng.choice(GIVEN)
            if name not in seen:
                names.append(name)
                seen.add(name)
        staff = [
            Reporter(name=n, title="实习记者" if i % 9 == 8 else "记者", slug=slug_of(n))
            for i, n in enumerate(names)
        ]
        correspondents = []
        for union in self.unions:
            chosen = set()
            while len(chosen) < self.size.correspondents:
                name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
                if name not in chosen:
                    chosen.add(name)
                    correspondents.append(
                        Reporter(name=name, title="通讯员", union=union, slug=slug_of(name))
                    )
        self.staff = Reporter.objects.bulk_create(staff)
        self.correspondents = {}
        for reporter in Reporter.objects.bulk_create(correspondents):
            self.correspondents.setdefault(reporter.union_id, []).append(reporter)

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

    @cache  # noqa: B019 (one Builder a run)
    def forms(self, union_name: str):
        """The pattern of every form of ``union_name`` (full name, short name or alias) and
        the forms that are full names."""
        entry = self.directory.get(union_name, {})
        forms = {union_name, entry.get("short_name") or "", *entry.get("aliases", [])}
        forms = sorted((f for f in forms if f), key=len, reverse=True)
        full = {f for f in forms if f == union_name or f.startswith(("北京", "中华"))}
        return re.compile("|".join(re.escape(f) for f in forms)), full

    def swapper(self, union_name: str | None, union):
        """A function that puts ``union`` wherever a story names ``union_name`` (full name,
        short name or alias), in one pass so that a replacement is never replaced again."""
        if union_name is None or union_name == union.name:
            return lambda text: text
        pattern, full = self.forms(union_name)
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

    def states(self) -> list[str]:
        """Every story's state, in the order the stories are made."""
        states = ["published"] * self.size.live + ["scheduled"] * self.size.scheduled
        states += [self.rng.choice(DESK_STATES) for _ in range(self.size.desk)]
        self.rng.shuffle(states)
        return states

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
                # One correspondent a union up to 100,000 stories: no draw (the same data).
                mine = self.correspondents[union.pk]
                reporter = mine[0] if len(mine) == 1 else rng.choice(mine)
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
        from django.db import connection, transaction
        from taggit.models import TaggedItem

        from articles.models import Article, Byline

        articles = []
        for plan in plans:
            parts = [plan["kicker"], plan["headline"], plan["subtitle"], *plan["paragraphs"]]
            words = [found for found in map(cut, parts) if found]
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
                    search_text=f" {' '.join(words)} " if words else "",
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('articles_article', 'id'))"
                " FROM generate_series(1, %s)",
                [len(articles)],
            )
            for article, (pk,) in zip(articles, cursor.fetchall(), strict=True):
                article.pk = pk
            copy_rows(cursor, articles)
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
            for rows in (bylines, union_links, event_links, tagged):
                copy_rows(cursor, rows)


def copy_rows(cursor, objects: list):
    """Store model instances of one model with ``COPY``: the values ``bulk_create`` would
    send (each field's ``pre_save`` and ``get_db_prep_save``: ``auto_now`` times included),
    the primary key when it is set, never a generated column."""
    from django.db import connection

    if not objects:
        return
    meta = type(objects[0])._meta
    fields = [
        f
        for f in meta.concrete_fields
        if not f.generated and not (f.primary_key and objects[0].pk is None)
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with cursor.copy(
        f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    ) as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


#: The tables the stories fill: their indexes that back no constraint are dropped while they
#: load and made again after (one sorted build instead of a million inserts into each).
LOADED_TABLES = [
    "articles_article",
    "articles_byline",
    "articles_article_unions",
    "articles_article_events",
    "taggit_taggeditem",
]


def drop_indexes() -> list[tuple[str, str]]:
    """Drop the loaded tables' indexes that back no constraint: [(name, definition)]."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
            " WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            " ORDER BY 1",
            [LOADED_TABLES],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {name}")
    return found


def make_indexes(indexes: list[tuple[str, str]]):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in indexes:
            started = time.perf_counter()
            cursor.execute(definition)
            print(f"  index {name}, {elapsed(started)}", flush=True)
        cursor.execute("RESET maintenance_work_mem")


def check_sample():
    """Stored ``search_text`` and ``slug`` of 300 stories equal what ``save()`` computes."""
    from django.db.models import Max, Min

    from articles import search as search_rules
    from articles.models import Article
    from unionnews.slugs import pinyin_slug

    # 300 random ids rather than ORDER BY random(), which reads and sorts every row.
    bounds = Article.objects.aggregate(low=Min("pk"), high=Max("pk"))
    ids = range(bounds["low"], bounds["high"] + 1)
    sample = list(Article.objects.filter(pk__in=random.sample(ids, k=min(300, len(ids)))))
    for article in sample:
        fields = (getattr(article, name) for name in Article.SEARCHED_FIELDS)
        if article.search_text != search_rules.search_text(*fields):
            sys.exit(f"search_text of article {article.pk} differs from Article.save()'s")
        if article.slug != pinyin_slug(article.headline):
            sys.exit(f"slug of article {article.pk} differs from Article.save()'s")
    return len(sample)


def build(url: str, size: Size):
    from django.db import connection

    from articles import coverage

    print(f"building the bench data: {size.dataset()} (once; --rebuild to redo)", flush=True)
    started = time.perf_counter()
    Builder(size).run()
    # Statistics first: the counts below and the check are planned with them.
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE, {elapsed(step)}", flush=True)
    step = time.perf_counter()
    checked = check_sample()
    print(f"  search_text and slug of {checked} random stories match save(), {elapsed(step)}")
    # Rows went in around the services, so the kept story counts are made once here.
    step = time.perf_counter()
    months = coverage.rebuild()
    print(f"  story counts kept for {months} months (articles/coverage.py), {elapsed(step)}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_coveragemonth, articles_coveragecount")
    mark_built(url, size)
    print(f"  built in {elapsed(started)}, {memory()}, {database_size()}", flush=True)


def database_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return f"database {cursor.fetchone()[0]}"


# -- what to request ------------------------------------------------------------------------

#: Searches measured: a word in every story (工会), 2-character words in a third of them, one
#: character, two words, a reporter's name; filtered searches are added in page_list().
SEARCHES = ["工会", "清凉", "工匠", "劳模", "会", "技能 竞赛", "马超"]


def page_list() -> list[tuple[str, list[str], int | None]]:
    """(label, URLs to cycle through, number of matching stories or None): every public page
    type, each at its largest in the bench data.

    "Largest" is read from the story counts the services keep (``articles.coverage``), which
    cost the same at any size, not by grouping every story (seconds at a million); the
    reporter with the most bylines is grouped (one pass over the bylines)."""
    from django.db.models import Count
    from taggit.models import Tag

    from articles import coverage
    from articles.models import Article, Column, CoverageCount, Reporter
    from articles.topics import topic_url
    from events.models import Event
    from organizations.models import Union

    started = time.perf_counter()
    public = Article.objects.published()
    rng = random.Random(7)
    ids = list(public.values_list("pk", "slug"))
    sample = rng.sample(ids, k=min(2000, len(ids)))
    articles = [f"/articles/{pk}-{slug or '-'}/" for pk, slug in sample]
    municipal = Union.objects.get(name="北京市总工会")

    def largest(model, kind):
        counts = coverage.counts(kind)
        return model.objects.get(pk=max(counts, key=counts.get)), counts

    biggest, counts = largest(Tag, CoverageCount.Kind.TAG)
    column, _ = largest(Column, CoverageCount.Kind.COLUMN)
    event, _ = largest(Event, CoverageCount.Kind.EVENT)
    reporter = Reporter.objects.annotate(n=Count("bylines")).order_by("-n", "pk").first()
    print(f"pages chosen, {elapsed(started)}")
    pages = [
        ("home", ["/"], public.count()),
        ("article (2,000 different)", articles, None),
        ("union 北京市总工会", [municipal.get_absolute_url()], None),
        (f"topic {biggest.name}", [topic_url(biggest)], counts[biggest.pk]),
        (f"column {short(column.name)}", [column.get_absolute_url()], None),
        (f"reporter {reporter.name} ({reporter.n:,})", [reporter.get_absolute_url()], None),
        (f"event {short(event.name)}", [event.get_absolute_url()], None),
        ("union directory", ["/unions/"], None),
        ("topic index", ["/topics/"], None),
        ("event index", ["/events/"], None),
        ("archive index", ["/archive/"], None),
        ("home, page 50", ["/?page=50"], None),
    ]
    for query in SEARCHES:
        step = time.perf_counter()
        found = public.search(query).count()  # all of them: 工会 takes 15 s at a million
        print(f"search {query}: {found:,} matches, counted in {elapsed(step)}", flush=True)
        pages.append((f"search “{query}”", [f"/search/?q={quote(query)}"], found))
    filtered = f"/search/?q={quote('工会')}&union={municipal.pk}&topic={biggest.pk}"
    pages.append(("search 工会 + union + topic", [filtered], None))
    dated = f"/search/?q={quote('清凉')}&from=2024-07-01&to=2024-08-31"
    pages.append(("search 清凉 + dates", [dated], None))
    return pages


def short(name: str) -> str:
    """A long column or event name cut for the table (a Chinese character is two columns)."""
    return name if len(name) <= 10 else name[:9] + "…"


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
            f"--timeout={REQUEST_TIMEOUT}",
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
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT + 10)

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
        try:
            status, cached, _ = request(conn, path)
        except (OSError, http.client.HTTPException):  # e.g. a worker killed at its timeout
            conn.close()
            conn = server.connection()
            status, cached = 0, ""
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


def wrk_command(url: str, script: Path, seconds: int) -> list[str]:
    """wrk as every bench runs it: 1 thread, :data:`WRK_CONNECTIONS` connections, the
    browser's :data:`HEADERS`, ``script`` ending in :data:`WRK_SCRIPT`'s report."""
    command = ["wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout=5s"]
    command += ["-s", str(script)]
    for name, value in HEADERS.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def wrk_figures(stdout: str, stderr: str = "") -> dict:
    """What :data:`WRK_SCRIPT` reported: requests a second, p50 and p99 in ms, socket
    errors and non-2xx answers. Exits when wrk reported nothing."""
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", stdout, re.M)
    if match is None:
        sys.exit(f"wrk failed:\n{stdout}\n{stderr}")
    count, micros, socket_errors, bad_status, p50, p99 = map(int, match.groups())
    return {
        "rps": count / (micros / 1e6),
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "errors": socket_errors,
        "bad": bad_status,
    }


def wrk(server: Server, path: str, workdir: Path, seconds: int) -> dict | None:
    if shutil.which("wrk") is None:
        return None
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        wrk_command(server.url(path), script, seconds),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    return wrk_figures(done.stdout, done.stderr)


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
    parser.add_argument(
        "--stories",
        type=int,
        default=DEFAULT_STORIES,
        metavar="N",
        help=f"live stories in the archive (default {DEFAULT_STORIES}); each size has its own "
        "database, unionnews_bench_10k, unionnews_bench_1m…",
    )
    parser.add_argument("--build-only", action="store_true", help="build the data and stop")
    args = parser.parse_args()
    if args.stories < 1_000:
        parser.error("--stories: at least 1000 (the home page's page 50 must exist)")
    size = Size(args.stories)
    # A plain kill runs the clean-up below too (servers stopped, temporary files removed).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    max_requests = 50 if args.quick else MAX_REQUESTS

    url = database_url(size)
    print(f"{code_version()}\ndatabase {urlsplit(url).path.lstrip('/')}: {size.dataset()}")
    print(load(warn=True))
    workdir = Path(tempfile.mkdtemp(prefix="unionnews-bench-"))
    try:
        env = prepare_environment(workdir, url)
        ready = database_state(url, size, args.rebuild)

        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        if not ready:
            build(url, size)
        else:  # a new migration may have added a column: the planner needs its statistics
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if args.build_only:
            print(f"{urlsplit(url).path.lstrip('/')}: {size.dataset()}, {database_size()}")
            return
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
    conn.request("GET", "/", headers={**HEADERS, "Accept-Encoding": "identity"})
    html = conn.getresponse().read().decode("utf-8")
    conn.close()
    match = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', html)
    if match is None:
        sys.exit("the home page links no hashed /static/css/site.*.css")
    return match.group(1)


if __name__ == "__main__":
    main()
