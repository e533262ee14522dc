"""Side by side with Wagtail: UnionNews against a plain Wagtail 8 news site, same stories.

Run: .venv/bin/python bench/wagtail_bench.py [--rebuild] [--rounds N] [--seconds S]
Needs PostgreSQL (a role that may create databases), wrk on PATH (``apt-get install wrk``),
PyPI for the first run, and UnionNews's bench data: ``bench/public_bench.py`` builds it
(database ``unionnews_bench``, BENCH_DATABASE_URL); this script only reads it.

The Wagtail side is not a dependency of UnionNews. ``bench/wagtail_site/`` is a small Wagtail
project (HomePage, one NewsIndexPage, NewsPage with date, intro and a RichTextField body;
templates of its own); its packages, pinned in ``bench/wagtail_site/requirements.txt``, go
into its own virtualenv, ``var/wagtail-bench/venv`` (made on the first run, and again when the
requirements change), and its data into its own database, ``WAGTAIL_BENCH_DATABASE_URL``
(default postgres://root@127.0.0.1:5432/wagtail_bench; the name must end in ``_bench``).

Data. The stories are UnionNews's live ones (``Article.objects.published()``), read here
through UnionNews's models and piped as JSON lines to ``manage.py load_stories`` in the
Wagtail virtualenv: headline as the page title, subtitle as the intro, the body's paragraphs
as ``<p>`` paragraphs of the rich text, the publish time as ``first_published_at`` and its
date as ``date``, the slug ``<id>-<slug>`` (UnionNews's article URL is
``/articles/<id>-<slug>/``, Wagtail's ``/news/<id>-<slug>/``). The rows of the page tree are
made in bulk (see that command); its ``--check`` then checks the tree and renders the home
page and 20 stories on every run, and after a build runs treebeard's own ``find_problems()``
(two queries a page: 2–4 minutes of a build's 3–5, by the machine's load; the rows themselves
take half a minute). A comment on the database records which UnionNews dataset it holds, and
later runs only add the stories that have come due since (scheduled ones) and remove any no
longer live, so both sides always have the same number. ``--rebuild`` drops and rebuilds it.

Serving. Both sites run at the same time under gunicorn 27 with the same settings as
``bench/public_bench.py``'s server (its ``Server`` class for UnionNews): 127.0.0.1 on a free
port, 2 sync workers, DEBUG=0, a random SECRET_KEY, no page cache (UNIONNEWS_PAGE_CACHE_SECONDS=0;
Wagtail has no page cache unless one is added). Static files come from WhiteNoise on both, and
both keep their PostgreSQL connections (CONN_MAX_AGE=60 with health checks, UnionNews's own).

Measured with wrk (1 thread, 8 connections, public_bench's settings), alternating the two
sites in each round (which one goes first alternates too), after a warm-up of each: a static
CSS file, the home page, and the article page, each request the next of the same 2,000
randomly chosen stories (a Lua script) on both sites. Prints the commit and the load average,
each page's size and query count on each side, each round's figures, then the medians over
the rounds, their ranges, the ratio UnionNews/Wagtail against the target of 2×, and the range
and median of the rounds' own ratios (the two runs of a round see about the same load).
"""

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import public_bench as pb

#: The archive measured: public_bench's default size, 100,000 live stories.
SIZE = pb.Size(pb.DEFAULT_STORIES)
ROOT = pb.ROOT
SITE = ROOT / "bench" / "wagtail_site"
REQUIREMENTS = SITE / "requirements.txt"
VENV = ROOT / "var" / "wagtail-bench" / "venv"
DEFAULT_WAGTAIL_URL = "postgres://root@127.0.0.1:5432/wagtail_bench"
#: Recorded on the Wagtail database with the UnionNews dataset it was filled from.
DATASET = "wagtail-bench v1"
ARTICLES = 2_000
ROUNDS, ROUND_SECONDS, WARM_SECONDS = 5, 5, 3
TARGET = 2.0
NAMES = ("unionnews", "wagtail")

WRK_PATHS = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, paths[(counter - 1) %% #paths + 1])
end
"""


# -- the Wagtail virtualenv and database ---------------------------------------------------


def wagtail_url() -> str:
    url = os.environ.get("WAGTAIL_BENCH_DATABASE_URL", DEFAULT_WAGTAIL_URL)
    name = urlsplit(url).path.lstrip("/")
    if not name.endswith("_bench"):
        sys.exit(f"WAGTAIL_BENCH_DATABASE_URL must name a database ending in _bench, not {name!r}")
    return url


def ensure_venv() -> Path:
    """The Wagtail virtualenv, (re)installed when the requirements file changed."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / ".requirements-sha256"
    python = VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    print(f"installing Wagtail into {VENV.relative_to(ROOT)} (once)", flush=True)
    if not python.exists():
        subprocess.run(["python3.11", "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(digest)
    return python


def site_env(url: str, static_root: Path) -> dict:
    return {
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "newssite.settings",
        "PYTHONPATH": str(SITE),
    }


def manage(python: Path, env: dict, *args, **kwargs):
    """``manage.py`` of the Wagtail site, in its virtualenv, without UnionNews's variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "UNIONNEWS_"))}
    command = [str(python), str(SITE / "manage.py"), *args]
    return subprocess.run(command, env={**clean, **env}, cwd=SITE, check=True, **kwargs)


def wagtail_state(url: str, source: str, rebuild: bool) -> bool:
    """Create the Wagtail database if needed; True when it was filled from ``source``."""
    name = urlsplit(url).path.lstrip("/")
    marker = f"{DATASET} of [{source}]"
    with pb.admin_connection(url) as conn:
        row = pb.database_row(conn, name)
        if row is not None and row[0] == marker and not rebuild:
            return True
        if row is not None:
            print(f"dropping database {name} (rebuild)")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def mark_filled(url: str, source: str):
    name = urlsplit(url).path.lstrip("/")
    with pb.admin_connection(url) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{DATASET} of [{source}]'")


def wagtail_story_ids(url: str) -> set[int]:
    """UnionNews ids of the stories the Wagtail site holds (the slug starts with the id)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT p.slug FROM news_newspage n JOIN wagtailcore_page p ON p.id = n.page_ptr_id"
        ).fetchall()
    return {int(slug.split("-", 1)[0]) for (slug,) in rows}


def fill(python: Path, env: dict, url: str, source: str, fresh: bool):
    """Give the Wagtail site exactly UnionNews's live stories, then check its tree."""
    from articles.models import Article

    started = time.perf_counter()
    manage(python, env, "migrate", "--noinput", "-v0")
    print(f"  Wagtail's migrations applied, {time.perf_counter() - started:.0f} s", flush=True)
    live = Article.objects.published()
    wanted = set(live.values_list("pk", flat=True))
    have = set() if fresh else wagtail_story_ids(url)
    add, remove = wanted - have, have - wanted
    if fresh:
        print(f"filling the Wagtail database with {len(add):,} stories (once; --rebuild to redo)")
    elif add or remove:
        print(
            f"bringing the Wagtail site up to date: {len(add)} stories to add, {len(remove)} gone"
        )
    command = [str(python), str(SITE / "manage.py"), "load_stories", "--check", "20"]
    if fresh:
        command.append("--treebeard")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "UNIONNEWS_"))}
    loader = subprocess.Popen(command, env={**clean, **env}, cwd=SITE, stdin=subprocess.PIPE)
    try:
        for story_id in sorted(remove):
            loader.stdin.write(json.dumps({"remove": story_id}).encode() + b"\n")
        rows = live.filter(pk__in=add) if len(add) < 10_000 else live
        fields = ("pk", "slug", "headline", "subtitle", "body", "publish_at")
        for story in rows.order_by("publish_at", "pk").values(*fields).iterator(2_000):
            if story["pk"] not in add:
                continue
            item = {
                "id": story["pk"],
                "slug": story["slug"],
                "headline": story["headline"],
                "subtitle": story["subtitle"],
                "paragraphs": [p.strip() for p in story["body"].splitlines() if p.strip()],
                "publish_at": story["publish_at"].isoformat(),
            }
            loader.stdin.write(json.dumps(item, ensure_ascii=False).encode() + b"\n")
        loader.stdin.close()
    except BrokenPipeError:
        pass
    if loader.wait() != 0:
        sys.exit("load_stories failed (its output is above)")
    if fresh:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE done, {time.perf_counter() - started:.0f} s")
        mark_filled(url, source)
    held = wagtail_story_ids(url)
    if held != wanted:
        sys.exit(f"Wagtail holds {len(held):,} stories, UnionNews {len(wanted):,} live")
    print(f"  Wagtail site ready: {len(held):,} stories, {time.perf_counter() - started:.0f} s")
    return wanted


# -- serving ----------------------------------------------------------------------------------


class WagtailServer(pb.Server):
    """``gunicorn newssite.wsgi`` from the Wagtail virtualenv, with public_bench's settings."""

    def __init__(self, python: Path, env: dict, workdir: Path):
        self.port = pb.free_port()
        self.log = workdir / "gunicorn-wagtail.log"
        command = [
            str(python.with_name("gunicorn")),
            "newssite.wsgi",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={pb.WORKERS}",
            "--worker-class=sync",
            "--timeout=60",
            f"--chdir={SITE}",
            "--no-control-socket",
        ]
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "UNIONNEWS_"))}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, env={**clean, **env}, stdout=log, stderr=log, start_new_session=True
            )

    def __enter__(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if pb.request(self.connection(), "/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit(f"the Wagtail site did not start; its log:\n{self.log.read_text()[-3000:]}")


def get(server: pb.Server, path: str) -> tuple[int, bytes]:
    conn = server.connection()
    conn.request("GET", path, headers=pb.HEADERS)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def wrk_paths(server: pb.Server, paths: list[str], workdir: Path, seconds: int) -> dict:
    """public_bench's wrk run, each request the next path of ``paths`` (one Lua script)."""
    script = workdir / f"paths-{server.port}.lua"
    listed = ",".join(json.dumps(path) for path in paths)
    script.write_text((WRK_PATHS % listed) + pb.WRK_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        pb.wrk_command(server.url(paths[0]), script, seconds),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    found = pb.wrk_figures(done.stdout, done.stderr)
    found["errors"] += found.pop("bad")
    return found


def wagtail_static(server: pb.Server) -> str:
    status, html = get(server, "/")
    match = re.search(r'href="(/static/news/site\.[0-9a-f]+\.css)"', html.decode("utf-8"))
    if status != 200 or match is None:
        sys.exit("the Wagtail home page links no hashed /static/news/site.*.css")
    return match.group(1)


# -- main -------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="refill the Wagtail database")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of each page")
    parser.add_argument("--seconds", type=int, default=ROUND_SECONDS, help="seconds a run")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")

    source_url, url = pb.database_url(SIZE), wagtail_url()
    print(f"{pb.code_version()}\n{pb.load(warn=True)}", flush=True)
    if not pb.holds(source_url, SIZE.dataset()):
        sys.exit("UnionNews's bench data is not built: run .venv/bin/python bench/public_bench.py")
    python = ensure_venv()
    workdir = Path(tempfile.mkdtemp(prefix="wagtail-bench-"))
    try:
        env = pb.prepare_environment(workdir, source_url)
        static_root = workdir / "wagtail-static"
        static_root.mkdir()
        wenv = site_env(url, static_root)

        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        manage(python, wenv, "collectstatic", "--noinput", "-v0")
        fresh = not wagtail_state(url, SIZE.dataset(), args.rebuild)
        live = fill(python, wenv, url, SIZE.dataset(), fresh)
        paths = story_paths(sorted(live))
        profiled = pb.profile(
            [("home", ["/"], None), ("article", [paths["unionnews"][0]], None)], explain=False
        )
        from django.db import connections

        connections.close_all()
        measure(args, env, wenv, python, workdir, paths, profiled, len(live))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def story_paths(live: list[int]) -> dict:
    """The same 2,000 randomly chosen stories' addresses on each site."""
    from articles.models import Article

    chosen = random.Random(7).sample(live, k=min(ARTICLES, len(live)))
    slugs = dict(Article.objects.filter(pk__in=chosen).values_list("pk", "slug"))
    return {
        "unionnews": [f"/articles/{pk}-{slugs[pk] or '-'}/" for pk in chosen],
        "wagtail": [f"/news/{pk}-{slugs[pk]}/" if slugs[pk] else f"/news/{pk}/" for pk in chosen],
    }


def measure(args, env, wenv, python, workdir, paths, profiled, stories):
    with pb.Server(env, workdir, "unionnews") as ours, WagtailServer(python, wenv, workdir) as wag:
        servers = {"unionnews": ours, "wagtail": wag}
        targets = {
            "static CSS file": {
                "unionnews": [pb.static_css(ours)],
                "wagtail": [wagtail_static(wag)],
            },
            "home page, uncached": {"unionnews": ["/"], "wagtail": ["/"]},
            f"article page, uncached ({ARTICLES:,} stories)": paths,
        }
        print(f"\nwhat each side answers ({stories:,} live stories on each):")
        for label, sides in targets.items():
            sizes = []
            for side, urls in sides.items():
                status, body = get(servers[side], urls[0])
                if status != 200:
                    sys.exit(f"{side}: {urls[0]} answered {status}")
                if "article" in label:
                    bodies = [len(get(servers[side], url)[1]) for url in urls[:50]]
                    sizes.append(f"{side} {statistics.mean(bodies) / 1024:.1f} KB (mean of 50)")
                else:
                    sizes.append(f"{side} {len(body) / 1024:.1f} KB")
            print(f"  {label}: {', '.join(sizes)}")
        home = get(ours, "/")[1].decode("utf-8")
        counts = (home.count('class="article-item'), get(wag, "/")[1].count(b"<li>"))
        print(f"  stories listed on the home page: unionnews {counts[0]}, wagtail {counts[1]}")
        for label in ("home", "article"):
            queries, sql_ms = profiled[label]
            print(f"  unionnews {label}: {queries} queries, {sql_ms:.1f} ms of SQL in-process")

        print(f"\nwarm-up, {WARM_SECONDS} s of each page on each side; {pb.load()}", flush=True)
        for sides in targets.values():
            for side, urls in sides.items():
                wrk_paths(servers[side], urls, workdir, WARM_SECONDS)
        results = {label: {"unionnews": [], "wagtail": []} for label in targets}
        print(f"{args.rounds} rounds of {args.seconds} s a page and side; {pb.load()}", flush=True)
        for round_number in range(args.rounds):
            order = ["unionnews", "wagtail"] if round_number % 2 == 0 else ["wagtail", "unionnews"]
            for label, sides in targets.items():
                for side in order:
                    run = wrk_paths(servers[side], sides[side], workdir, args.seconds)
                    results[label][side].append(run)
            figures = ", ".join(
                f"{label.split(' page')[0].split(' CSS')[0]} "
                + " / ".join(f"{results[label][side][-1]['rps']:,.0f}" for side in NAMES)
                for label in targets
            )
            print(f"  round {round_number + 1} (UnionNews / Wagtail req/s): {figures}; {pb.load()}")
    report(results, args)


def report(results, args):
    print(f"\nwrk, 1 thread, {pb.WRK_CONNECTIONS} connections, {args.rounds} × {args.seconds} s")
    print(f"alternating the sites; medians of the rounds (range); {pb.load()}\n")
    head = f"{'what':<38} {'UnionNews req/s':>22} {'Wagtail req/s':>22} {'ratio':>6}  target ×2"
    print(head)
    print("-" * len(head))
    for label, sides in results.items():
        cells, medians = [], {}
        for side in ("unionnews", "wagtail"):
            rates = sorted(run["rps"] for run in sides[side])
            medians[side] = statistics.median(rates)
            errors = sum(run["errors"] for run in sides[side])
            note = f" ({errors} errors!)" if errors else ""
            cells.append(f"{medians[side]:,.0f} ({rates[0]:,.0f}–{rates[-1]:,.0f}){note}")
        ratio = medians["unionnews"] / medians["wagtail"]
        ratios = sorted(
            ours["rps"] / theirs["rps"]
            for ours, theirs in zip(sides["unionnews"], sides["wagtail"], strict=True)
        )
        if label.startswith("static"):
            verdict = "(reference)"
        else:
            verdict = "met" if ratio >= TARGET else f"MISSED (needs ×{TARGET / ratio:.2f})"
        print(f"{label:<38} {cells[0]:>22} {cells[1]:>22} {ratio:>5.2f}×  {verdict}")
        paired = f"each round's ratio {ratios[0]:.2f}–{ratios[-1]:.2f}×, median"
        print(f"{'':<38} {paired:>45} {statistics.median(ratios):>5.2f}×")
    for label, sides in results.items():
        if label.startswith("static"):
            continue
        for side in ("unionnews", "wagtail"):
            static = statistics.median(run["rps"] for run in results["static CSS file"][side])
            page = statistics.median(run["rps"] for run in sides[side])
            latency = statistics.median(run["p50"] for run in sides[side])
            share = 100 * page / static
            print(f"  {side} {label}: {share:.1f} % of its static file, p50 {latency:.1f} ms")


if __name__ == "__main__":
    main()
