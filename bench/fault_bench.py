"""Readers' latency while the faults of issue 10 hit the production stack (nginx + gunicorn).

Run: .venv/bin/python bench/fault_bench.py [--seconds 18]   (about four minutes)
Needs PostgreSQL (a role that may create databases), redis-server and nginx on this machine.

The script builds its own stack and stops it at the end (also on Ctrl-C or an error): a Redis
on port 6390 (no persistence), the database ``unionnews_faultbench`` (created if missing,
migrated, ``seed_demo``'s real pages loaded), and ``deploy/serve.py`` with nginx on 8090 and
gunicorn (2 sync workers) on 8091, its files under var/nginx-bench/ (TMPDIR too, so that
its temporary files are not mixed with other test suites' in /tmp) and its output in
var/nginx-bench/serve.log. Four reader threads request a rotation of public pages through
nginx as fast as they can while each phase runs its fault:

  a  baseline, no fault;
  b  two anonymous 2 GB multipart uploads (Content-Length: 2147483648) to /admin/login/,
     sent at 5 MB/s;  c  the same, chunked, to an article's change page;  c-cookie  c with
     a forged session cookie (``sessionid=forged``: no one is logged in with it);
  d  20 clients repeatedly sending POSTs of Content-Length 300 MB (64 KB of it) to /admin/;
  e  20 slow bodies: 60 KB login POSTs at 2 KB/s, with a CSRF cookie and token so that
     Django reads the body, through nginx; e-direct  the same straight at gunicorn;
  f1 the cache's Redis killed for 8 s, then restarted;  f2 frozen (SIGSTOP) for 8 s.

Prints the commit and load average, then a table: per phase the readers' requests, errors
(anything but 200), p50/p99/max latency in ms, share of page-cache hits, the largest
temporary file seen (sampled every 0.5 s, jieba's cache aside: nginx's body folder, the TMPDIR,
files nginx or gunicorn hold open there, under /tmp or deleted) and, below, what the faulty
clients got back and how fast, and the lines nginx added to its error log; for f, the lines
about the cache the server logged. Last, e-direct's reader p99 over e's.
"""

import argparse
import http.client
import os
import re
import select
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "nginx-bench"
LOG, TMP = BENCH / "serve.log", BENCH / "tmp"
NGINX, GUNICORN, REDIS = 8090, 8091, 6390
DATABASE = "unionnews_faultbench"
DATABASE_URL = f"postgres://root@127.0.0.1:5432/{DATABASE}"
CACHE_URL = f"redis://127.0.0.1:{REDIS}/0"
READERS, READ_TIMEOUT, TARGET_MS = 4, 60, 1000
CHUNK = 64 * 1024
ZEROS, NEWLINE = bytes(CHUNK), b"\n"


class Stack:
    """Redis, the database and deploy/serve.py, for this benchmark only."""

    def __enter__(self):
        for port in (NGINX, GUNICORN, REDIS):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    sys.exit(f"port {port} is in use: is another fault_bench running?")
        TMP.mkdir(parents=True, exist_ok=True)
        self.serve = None
        self.start_redis()
        try:
            self.prepare_database()
            env = {**os.environ, "PORT": str(NGINX), "UPSTREAM_PORT": str(GUNICORN)}
            env |= {"NGINX_DIR": str(BENCH), "CACHE_URL": CACHE_URL, "DATABASE_URL": DATABASE_URL}
            env["TMPDIR"] = str(TMP)  # Django's upload files: not among other suites' in /tmp
            with LOG.open("wb") as log:
                self.serve = subprocess.Popen(
                    [sys.executable, "deploy/serve.py"],
                    **{"cwd": ROOT, "env": env, "stdout": log, "stderr": subprocess.STDOUT},
                    start_new_session=True,  # its own session: nginx's and gunicorn's pids
                )
            wait_for(lambda: get(NGINX, "/robots.txt")[0] == 200 == get(GUNICORN, "/")[0], 90)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.serve and self.serve.poll() is None:
            self.serve.send_signal(signal.SIGTERM)  # serve.py stops nginx and gunicorn
            try:
                self.serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.serve.pid, signal.SIGKILL)
        self.stop_redis()

    def start_redis(self):
        command = ["redis-server", "--port", str(REDIS), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.redis = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
        wait_for(redis_ping, 10)

    def stop_redis(self, sig=signal.SIGTERM):
        if self.redis.poll() is None:
            self.redis.send_signal(signal.SIGCONT)  # in case it is frozen
            self.redis.send_signal(sig)
            self.redis.wait(timeout=10)

    def prepare_database(self):
        import psycopg

        with psycopg.connect("postgres://root@127.0.0.1:5432/postgres", autocommit=True) as db:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if not db.execute(query, [DATABASE]).fetchone():
                db.execute(f'CREATE DATABASE "{DATABASE}"')
        env = {**os.environ, "DEBUG": "1", "DATABASE_URL": DATABASE_URL, "CACHE_URL": CACHE_URL}
        with (BENCH / "setup.log").open("wb") as out:
            for command in (["migrate", "--noinput"], ["seed_demo"]):
                options = {"cwd": ROOT, "env": env, "stdout": out, "stderr": out, "check": True}
                subprocess.run([sys.executable, "manage.py", *command], **options)

    def pids(self) -> list[int]:
        """nginx's and gunicorn's processes: those of serve.py's session."""
        found = []
        for entry in Path("/proc").glob("[0-9]*"):
            with suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) == self.serve.pid:
                    found.append(int(entry.name))
        return found


def wait_for(ready, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(OSError, http.client.HTTPException):
            if ready():
                return
        time.sleep(0.3)
    sys.exit(f"not ready after {seconds} s; see {LOG}")


def redis_ping() -> bool:
    with socket.create_connection(("127.0.0.1", REDIS), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def get(port: int, path: str, conn=None):
    """GET ``path`` as a browser would: (status, response, body)."""
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=READ_TIMEOUT)
    conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
    response = conn.getresponse()
    return response.status, response, response.read()


def reader_paths() -> list[str]:
    """Home, feed, archive, search, and a month, a story and a union linked from them."""
    html = get(NGINX, "/")[2].decode() + get(NGINX, "/archive/")[2].decode()
    paths = ["/", "/feeds/latest/rss/", "/archive/", "/search/?q=" + quote("工会")]
    for pattern in (r"/archive/\d{4}/\d{1,2}/", r"/articles/\d+-[^\"/]+/", r"/unions/\d+-[^\"/]+/"):
        match = re.search(f'href="({pattern})"', html)
        if match is None:
            sys.exit(f"no link matching {pattern} on the home or archive page")
        paths.append(match.group(1))
    return paths


def read_loop(paths: list[str], stop: threading.Event, samples: list):
    """One reader, on one keep-alive connection: (seconds, status, cache hit) a request."""
    conn, index = None, 0
    while not stop.is_set():
        conn = conn or http.client.HTTPConnection("127.0.0.1", NGINX, timeout=READ_TIMEOUT)
        started = time.perf_counter()
        try:
            status, response, _ = get(NGINX, paths[index % len(paths)], conn)
            hit = response.getheader("X-Cache") == "hit"
        except (OSError, http.client.HTTPException):
            status, hit = 0, False
            conn.close()
            conn = None
        samples.append((time.perf_counter() - started, status, hit))
        index += 1


def temporary(path: str) -> bool:
    """Whether ``path`` is where a request's body could be kept: nginx's body folder, the
    stack's TMPDIR or /tmp; not jieba's dictionary cache, which a worker writes once."""
    places = ("/tmp/", str(TMP), str(BENCH / "body"))
    return path.startswith(places) and not path.endswith("jieba.cache")


def largest_file(stack: Stack) -> tuple[int, str]:
    """The largest temporary file now, in nginx's body folder or the TMPDIR, or held open by
    nginx or gunicorn there, in /tmp or deleted (nginx unlinks a body file once opened)."""
    found = [(0, "none")]
    for path in [*(BENCH / "body").rglob("*"), *TMP.rglob("*")]:
        with suppress(OSError):
            if path.is_file() and temporary(str(path)):
                found.append((path.stat().st_size, str(path)))
    for pid in stack.pids():
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            with suppress(OSError):
                target = os.readlink(fd)
                if temporary(target) or "(deleted)" in target:
                    found.append((fd.stat().st_size, f"{target}, open in {pid}"))
    return max(found)


def phase(stack: Stack, paths: list[str], label: str, fault) -> dict:
    """Readers, and a watcher of temporary files, while ``fault()`` does its work."""
    stop, samples, largest = threading.Event(), [], [(0, "none")]
    errors_at = (BENCH / "error.log").stat().st_size

    def watch():
        while not stop.wait(0.5):
            largest[0] = max(largest[0], largest_file(stack))

    threads = [threading.Thread(target=watch)]
    threads += [
        threading.Thread(target=read_loop, args=(paths[i:] + paths[:i], stop, samples))
        for i in range(READERS)
    ]
    for thread in threads:
        thread.start()
    try:
        note = fault()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    times = sorted(1000 * seconds for seconds, _, _ in samples)
    with (BENCH / "error.log").open("rb") as log:
        log.seek(errors_at)
        note += f"; nginx error log +{log.read().count(NEWLINE)} lines"
    row = {"phase": label, "n": len(times), "note": note, "largest": largest[0]}
    row["errors"] = sum(status != 200 for _, status, _ in samples)
    row["hits"] = 100 * sum(hit for _, _, hit in samples) / len(times)
    row["p50"], row["max"] = statistics.median(times), times[-1]
    row["p99"] = statistics.quantiles(times, n=100, method="inclusive")[98]
    print(f"  {label}: {len(times)} requests, p99 {row['p99']:.0f} ms; {note}", flush=True)
    return row


def request_head(port: int, path: str, headers: dict[str, str]) -> bytes:
    """A POST's request line and headers."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def send(port: int, head: bytes, pieces, rate: float | None, deadline: float):
    """Send ``head``, then ``pieces`` at ``rate`` bytes/s, until the server answers or closes,
    or ``deadline`` passes: (status or what happened, seconds until then, body bytes sent)."""
    started, sent = time.monotonic(), 0
    with socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT) as sock:
        try:
            sock.sendall(head)
            for piece in pieces:
                if select.select([sock], [], [], 0)[0]:
                    break  # an answer (or the end of the connection) before the whole body
                if time.monotonic() > deadline:
                    return "no answer yet", time.monotonic() - started, sent
                sock.sendall(piece)
                sent += len(piece)
                if rate:
                    time.sleep(max(0.0, started + sent / rate - time.monotonic()))
        except OSError:
            pass  # the server stopped reading: its answer may still be there
        try:
            first = sock.recv(64)
        except OSError as exc:
            return type(exc).__name__, time.monotonic() - started, sent
    status = first.split(b" ")[1].decode() if first.startswith(b"HTTP/") else "closed"
    return status, time.monotonic() - started, sent


def clients(count: int, work) -> list:
    """Run ``work()`` in ``count`` threads at once; their results."""
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: work(), range(count)))


def summary(results) -> str:
    statuses = dict(Counter(status for status, _, _ in results))
    return f"{statuses}, slowest answer {max(seconds for _, seconds, _ in results):.2f} s"


def big_uploads(port: int, seconds: float, chunked: bool, cookie: str = "") -> str:
    """Two anonymous 2 GB uploads at 5 MB/s, with ``cookie`` if given; the readers go on until
    the phase's end."""
    end, size = time.monotonic() + seconds, 2 * 1024**3
    if chunked:
        path, framing = "/admin/articles/article/1/change/", {"Transfer-Encoding": "chunked"}
        piece = f"{CHUNK:x}\r\n".encode() + ZEROS + b"\r\n"
        pieces = [piece] * (size // CHUNK)
    else:
        path, framing = "/admin/login/", {"Content-Length": str(size)}
        framing["Content-Type"] = "multipart/form-data; boundary=B"
        pieces = [b'--B\r\nContent-Disposition: form-data; name="f"; filename="a.jpg"\r\n\r\n']
        pieces += [ZEROS] * (size // CHUNK - 1)
    head = request_head(port, path, framing | ({"Cookie": cookie} if cookie else {}))
    results = clients(2, lambda: send(port, head, pieces, 5e6, end))
    time.sleep(max(0.0, end - time.monotonic()))
    return "; ".join(f"{s} after {t:.2f} s, {n / 1e6:.1f} MB sent" for s, t, n in results)


def oversized(port: int, seconds: float) -> str:
    """20 clients, each sending POSTs of Content-Length 300 MB (64 KB of it) over and over."""
    end = time.monotonic() + seconds
    head = request_head(port, "/admin/", {"Content-Length": str(300 * 1024**2)})

    def client():
        found = []
        while time.monotonic() < end:
            found.append(send(port, head, [ZEROS], None, end + 30))
        return found

    results = [result for found in clients(20, client) for result in found]
    return f"{len(results)} requests: " + summary(results)


def slow_bodies(port: int) -> str:
    """20 anonymous 60 KB login POSTs at 2 KB/s, each with a valid CSRF cookie and token."""
    cookie = get(port, "/admin/login/")[1].getheader("Set-Cookie")
    token = re.search(r"csrftoken=(\w+)", cookie)[1]
    body = f"csrfmiddlewaretoken={token}&note=".encode()
    body += b"x" * (60 * 1024 - len(body))
    headers = {"Content-Length": str(len(body)), "Cookie": f"csrftoken={token}"}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    head = request_head(port, "/admin/login/", headers)
    pieces = [body[i : i + 1024] for i in range(0, len(body), 1024)]
    return summary(clients(20, lambda: send(port, head, pieces, 2048, time.monotonic() + 120)))


def redis_outage(stack: Stack, freeze: bool) -> str:
    """3 s of readers, Redis killed (or frozen) for 8 s, restarted (or thawed), 5 s more."""
    offset = LOG.stat().st_size
    time.sleep(3)
    if freeze:
        stack.redis.send_signal(signal.SIGSTOP)
        time.sleep(8)
        stack.redis.send_signal(signal.SIGCONT)
    else:
        stack.stop_redis(signal.SIGKILL)
        time.sleep(8)
        stack.start_redis()
    time.sleep(5)
    with LOG.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    lines = [line for line in lines if "HTTP/1." not in line]  # not gunicorn's access log
    about = [line for line in lines if re.search(r"cache|redis", line, re.I)]
    for line in about:
        print(f"    log: {line[:150]}")
    return f"{len(about)} log lines about the cache, {len(lines)} non-access lines in all"


def print_table(rows: list[dict]):
    head = f"{'phase':<10} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} "
    head += f"{'max ms':>7} {'hits':>5} {'temp MB':>7}  p99 < 1 s"
    print(f"\n{head}\n{'-' * len(head)}")
    for r in rows:
        verdict = "yes" if r["p99"] < TARGET_MS and not r["errors"] else "NO"
        size, where = r["largest"]
        print(
            f"{r['phase']:<10} {r['n']:>8} {r['errors']:>6} {r['p50']:>7.0f} {r['p99']:>7.0f} "
            f"{r['max']:>7.0f} {r['hits']:>4.0f}% {size / 1e6:>7.1f}  {verdict}"
        )
        print(f"{'':<10} {r['note']}" + (f"; largest file: {where}" if size else ""))


def load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=18, help="length of phases a–d")
    seconds = parser.parse_args().seconds
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on a plain kill too
    git = ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]
    print(f"commit {subprocess.run(git, capture_output=True, text=True).stdout.strip()}; {load()}")
    with Stack() as stack:
        paths = reader_paths()
        for path in paths * 4:
            get(NGINX, path)  # warm-up: fill the page cache, load each worker's code and jieba
        print(f"readers: {READERS} threads through nginx on {', '.join(paths)}")
        faults = [
            ("a", lambda: time.sleep(seconds) or "no fault"),
            ("b", lambda: big_uploads(NGINX, seconds, chunked=False)),
            ("c", lambda: big_uploads(NGINX, seconds, chunked=True)),
            ("c-cookie", lambda: big_uploads(NGINX, seconds, True, "sessionid=forged")),
            ("d", lambda: oversized(NGINX, seconds)),
            ("e", lambda: slow_bodies(NGINX)),
            ("e-direct", lambda: slow_bodies(GUNICORN)),
            ("f1 kill", lambda: redis_outage(stack, freeze=False)),
            ("f2 freeze", lambda: redis_outage(stack, freeze=True)),
        ]
        rows = [phase(stack, paths, label, fault) for label, fault in faults]
    print_table(rows)
    by = {row["phase"]: row for row in rows}
    ratio = by["e-direct"]["p99"] / by["e"]["p99"]
    print(f"\nslow bodies, reader p99 straight at gunicorn / through nginx: ×{ratio:.0f}")
    print(f"after the run: {load()}")


if __name__ == "__main__":
    main()
