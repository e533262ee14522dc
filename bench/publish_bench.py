"""A publication under load: readers of the cached home page while the desk publishes.

Run: .venv/bin/python bench/publish_bench.py [--seconds 10]
Needs the data of ``bench/public_bench.py`` (run that first; this script never builds or
drops it), Redis, and wrk on PATH.

Issue 11, "a publish under load keeps readers fast": under wrk on the cached home page, one
publication keeps p99 ≤ 100 ms; the new story may reach the page up to 1 s late while one
request renders the page anew (``unionnews/page_cache.py``, stale pages); a withdrawn story
is gone at once, always.

What it does, on one gunicorn server with the page cache on (Redis db 1, the bench's key
prefix, the settings of ``public_bench.py``), 2 sync workers, wrk with 1 thread and 8
connections on ``/``:

1. **quiet**: wrk for ``--seconds`` with no change, the baseline p50/p99;
2. **publish**: the same, and a third of the way in, this process publishes an approved
   story through the workflow service (``articles.services.article_publish``, the code the
   desk's button runs) on the same database and Redis. A second client polls ``/`` every
   20 ms and reports how long after the service returned (the commit) the story is first
   on the page; the service's own time is shown too;
3. **withdraw**: the same with the story's withdrawal (``article_withdraw``); the poller
   reports when it is first gone. Withdrawal retires every page at once, so this is also
   the cost of a change that may not be served stale.

The story is made for the run (an approved story, written like the bench's own data) and
deleted through ``article_delete`` at the end, so the data is as before. Prints the commit,
the load average, and each run's requests a second, p50, p99 and errors, against the
100 ms target.
"""

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import public_bench as pb  # noqa: E402  (the shared bench environment and server)

#: The archive measured: public_bench's default size, 100,000 live stories.
SIZE = pb.Size(pb.DEFAULT_STORIES)

TARGET_P99_MS = 100.0
POLL_SECONDS = 0.02
HEADLINE = "压力测试：刚刚发布的稿件"


class Poller(threading.Thread):
    """GET / every :data:`POLL_SECONDS`; records when ``HEADLINE`` is first (or first not)
    on the page after :meth:`arm`."""

    def __init__(self, server, want_present: bool):
        super().__init__(daemon=True)
        self.server, self.want_present = server, want_present
        self.armed_at: float | None = None
        self.seen_after: float | None = None
        self.statuses: list[str] = []
        self.stop = threading.Event()

    def arm(self) -> None:
        self.armed_at = time.monotonic()

    def run(self) -> None:
        while not self.stop.is_set() and self.seen_after is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
            conn.request("GET", "/", headers=pb.HEADERS | {"Accept-Encoding": "identity"})
            response = conn.getresponse()
            present = HEADLINE in response.read().decode("utf-8")
            conn.close()
            if self.armed_at is not None:
                self.statuses.append(response.getheader("X-Cache", "-"))
                if present == self.want_present:
                    self.seen_after = time.monotonic() - self.armed_at
            time.sleep(POLL_SECONDS)


def under_load(server, workdir: Path, seconds: int, change=None, want_present=True) -> dict:
    """wrk on ``/`` for ``seconds``; ``change()`` a third of the way in."""
    script = workdir / "report.lua"
    script.write_text(pb.WRK_SCRIPT, encoding="utf-8")
    wrk = subprocess.Popen(
        pb.wrk_command(server.url("/"), script, seconds), stdout=subprocess.PIPE, text=True
    )
    poller = None
    if change is not None:
        poller = Poller(server, want_present)
        poller.start()
        time.sleep(seconds / 3)
        started = time.monotonic()
        change()
        poller.arm()  # from the commit: the service has returned
        found_change = time.monotonic() - started
    stdout, _ = wrk.communicate(timeout=seconds + 60)
    found = pb.wrk_figures(stdout)
    found["errors"] += found.pop("bad")
    if poller is not None:
        poller.stop.set()
        poller.join(timeout=10)
        found["seen_after"] = poller.seen_after
        found["polls"] = poller.statuses
        found["service"] = found_change
    return found


def make_story():
    """An approved story ready to publish, written as the bench writes its data."""
    from articles.models import Article, Column

    return Article.objects.create(
        headline=HEADLINE,
        body="这是一篇为测量发布时读者等待而写的稿件。\n发布后一秒内，它出现在首页。",
        column=Column.objects.order_by("position", "pk").first(),
        status=Article.Status.APPROVED,
    )


def editor():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    url = pb.database_url(SIZE)
    if not pb.holds(url, SIZE.dataset()):
        sys.exit("no bench data: run bench/public_bench.py first (it builds it once)")
    print(f"{pb.code_version()}\n{pb.load(warn=True)}")
    workdir = Path(tempfile.mkdtemp(prefix="unionnews-publish-bench-"))
    story = None
    try:
        env = pb.prepare_environment(workdir, url)
        cached_env = {
            **env,
            "UNIONNEWS_PAGE_CACHE_SECONDS": "600",
            "CACHE_URL": pb.CACHED_CACHE_URL,
        }
        os.environ.update(cached_env)  # this process publishes into the servers' cache
        import django
        from django.core.management import call_command

        django.setup()
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.db import connections

        from articles import services

        user, story = editor(), make_story()
        connections.close_all()
        pb.clear_bench_cache()
        runs = {}
        with pb.Server(cached_env, workdir, "publish") as server:
            conn = server.connection()
            marks = [pb.request(conn, "/")[1] for _ in range(3)]
            conn.close()
            print(f"X-Cache of GET / before the runs: {marks}\n")
            runs["quiet"] = under_load(server, workdir, args.seconds)
            runs["publish"] = under_load(
                server,
                workdir,
                args.seconds,
                lambda: services.article_publish(article=story, user=user),
            )
            story.refresh_from_db()
            runs["withdraw"] = under_load(
                server,
                workdir,
                args.seconds,
                lambda: services.article_withdraw(article=story, user=user, comment="测量"),
                want_present=False,
            )
        report(runs)
    finally:
        if story is not None:
            from articles import services

            story.refresh_from_db()
            services.article_delete(article=story, user=editor())
        pb.clear_bench_cache()
        shutil.rmtree(workdir, ignore_errors=True)


def report(runs: dict) -> None:
    print(f"wrk, 1 thread, {pb.WRK_CONNECTIONS} connections, on the cached /; {pb.load()}\n")
    head = f"{'run':<10} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}  "
    head += f"{'service':>8} {'story seen':>11}  p99 ≤ {TARGET_P99_MS:.0f} ms"
    print(head)
    print("-" * len(head))
    for name, run in runs.items():
        seen = run.get("seen_after")
        shown = "" if "seen_after" not in run else "never" if seen is None else f"{seen:.2f} s"
        service = f"{run['service']:.2f} s" if "service" in run else ""
        verdict = "pass" if run["p99"] <= TARGET_P99_MS else "MISS"
        print(
            f"{name:<10} {run['rps']:>7.0f} {run['p50']:>7.1f} {run['p99']:>7.1f}"
            f" {run['errors']:>6}  {service:>8} {shown:>11}  {verdict}"
        )
    for name in ("publish", "withdraw"):
        polls = runs[name].get("polls", [])
        print(f"\n{name}: X-Cache of the poller's requests from the change on: {polls[:12]}")


if __name__ == "__main__":
    main()
