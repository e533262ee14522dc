"""The proxy `make serve` runs in front of the site (deploy/serve.py, deploy/nginx.conf), run for
real: what it refuses before a byte reaches a worker, and what it passes on.

Skipped where nginx is not installed (`make serve` installs it)."""

import http.server
import importlib.util
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def load_serve():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "deploy" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Upstream(http.server.ThreadingHTTPServer):
    """A stand-in for gunicorn that notes every request it receives."""

    def __init__(self):
        self.seen: list[tuple[str, str, int]] = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/desk/body-check/":  # the site's answer: a real session?
                    upstream.seen.append(("check", self.headers["X-Original-Method"], 0))
                    valid = "sessionid=valid" in self.headers.get("Cookie", "")
                    return self.reply(204 if valid else 403)
                upstream.seen.append((self.command, self.path, 0))
                self.reply()

            def do_POST(self):
                if self.path == "/desk/body-check/":
                    return self.do_GET()
                length = int(self.headers.get("Content-Length") or 0)
                upstream.seen.append(("POST", self.path, len(self.rfile.read(length))))
                self.reply()

            def reply(self, status=200):
                self.send_response(status)
                self.send_header("Content-Length", "0" if status == 204 else "2")
                self.end_headers()
                if status != 204:
                    self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if NGINX is None:
        pytest.skip("nginx is not installed")
    serve = load_serve()
    serve.NGINX_VAR = tmp_path_factory.mktemp("proxy") / "nginx"
    upstream = Upstream()
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    env = {
        **serve.production_environment(),
        "PORT": str(free_port()),
        "UPSTREAM_PORT": str(upstream.server_address[1]),
        "DEBUG": "1",  # the 413 page is rendered without collected static files
    }
    config = serve.write_nginx_config(env)
    process = subprocess.Popen([NGINX, "-p", str(serve.NGINX_VAR), "-c", str(config)])
    port = int(env["PORT"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port, upstream, serve.NGINX_VAR
    process.terminate()
    process.wait(timeout=10)
    upstream.shutdown()


def exchange(port: int, head: str, body: bytes = b"") -> str:
    """Send ``head`` (and ``body``) and return the whole answer as text."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head.encode() + body)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer.decode("utf-8", "replace")


def post_head(path: str, length: int, cookie: str = "") -> str:
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}"
        f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"
    )


def test_a_2_gb_upload_is_refused_from_its_headers_with_the_chinese_page(proxy):
    port, upstream, folder = proxy
    upstream.seen.clear()
    answer = exchange(port, post_head("/admin/login/", 2 * 1024**3), b"x" * 1000)
    assert answer.startswith("HTTP/1.1 413")
    assert "提交的内容过大" in answer and "250 MB" in answer
    assert upstream.seen == []
    assert all(p.stat().st_size < 1024 for p in (folder / "body").rglob("*") if p.is_file())


def test_without_a_real_session_the_desk_takes_no_body_and_readers_none_over_64_kb(proxy):
    port, upstream, folder = proxy
    upstream.seen.clear()
    change = "/admin/articles/article/1/change/"
    answer = exchange(port, post_head(change, 10))
    assert answer.startswith("HTTP/1.1 413") and "提交的内容过大" in answer
    # A made-up session cookie: the site is asked, says no, and nothing of the body is read.
    forged = exchange(port, post_head(change, 200_000_000, "sessionid=forged"), b"x" * 100_000)
    assert forged.startswith("HTTP/1.1 413") and "提交的内容过大" in forged
    assert all(p.stat().st_size < 1024 for p in (folder / "body").rglob("*") if p.is_file())
    search = exchange(port, post_head("/search/", 70_000), b"x" * 70_000)
    assert search.startswith("HTTP/1.1 413")
    assert upstream.seen == [("check", "POST", 0), ("check", "POST", 0)]


def test_a_desk_body_over_the_cap_gets_the_chinese_page_even_logged_in(proxy):
    """nginx's own English page answered this before (acceptance of issue 10)."""
    port, upstream, _ = proxy
    upstream.seen.clear()
    head = post_head("/admin/articles/article/1/change/", 300 * 1024**2, "sessionid=valid")
    answer = exchange(port, head, b"x" * 1000)
    assert answer.startswith("HTTP/1.1 413")
    assert "提交的内容过大" in answer and "nginx" not in answer.split("\r\n\r\n", 1)[1]
    assert upstream.seen == []


def test_the_login_form_and_the_desks_uploads_pass_through_whole(proxy):
    port, upstream, _ = proxy
    upstream.seen.clear()
    assert "200 OK" in exchange(port, post_head("/admin/login/", 50), b"u" * 50)
    photo = b"p" * 3_000_000
    head = post_head("/admin/articles/article/1/change/", len(photo), "sessionid=valid")
    assert "200 OK" in exchange(port, head, photo)
    assert "200 OK" in exchange(
        port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert upstream.seen == [
        ("POST", "/admin/login/", 50),
        ("check", "POST", 0),
        ("POST", "/admin/articles/article/1/change/", 3_000_000),
        ("GET", "/", 0),
    ]


def test_the_proxys_413_page_names_the_desks_limit(tmp_path, settings):
    settings.UNIONNEWS_MAX_REQUEST_MB = 120
    from django.core.management import call_command

    call_command("render_error_page", "413", str(tmp_path / "413.html"))
    page = (tmp_path / "413.html").read_text(encoding="utf-8")
    assert "提交的内容过大" in page and "每次提交的上限是 120 MB" in page
    assert os.path.getsize(tmp_path / "413.html") > 500


@pytest.mark.django_db
def test_the_site_tells_the_proxy_who_may_send_a_body_to_the_desk(client):
    from tests import factories

    check = "/desk/body-check/"
    assert client.post(check, HTTP_X_ORIGINAL_METHOD="POST").status_code == 403
    assert client.get(check, HTTP_X_ORIGINAL_METHOD="GET").status_code == 204
    client.cookies["sessionid"] = "made-up"
    assert client.post(check, HTTP_X_ORIGINAL_METHOD="POST").status_code == 403
    client.force_login(factories.make_user("editor", is_staff=True))
    assert client.post(check, HTTP_X_ORIGINAL_METHOD="POST").status_code == 204
