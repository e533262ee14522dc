"""Serve the site as production does, on this machine: nginx in front of gunicorn.

Run with ``make serve`` (which migrates and loads the demo first), or
``.venv/bin/python deploy/serve.py``. The site answers at http://127.0.0.1:8080/ (``PORT``).

- **nginx** (``deploy/nginx.conf``) takes every request, buffers its body in full before
  passing it on, so that a slow upload holds nginx and never a worker, and refuses a body
  over ``UNIONNEWS_MAX_REQUEST_MB`` from its headers with the site's 413 page in Chinese.
  It sends photo files once the site has said who may see them (``X-Accel-Redirect``).
  Installed from Debian's ``nginx-light`` when missing and running as root.
- **gunicorn** runs the site on 127.0.0.1:8001 (``UPSTREAM_PORT``) with ``WEB_WORKERS`` sync
  workers (2) and a 60 s timeout.

Settings are production's (``DEBUG=0``) unless the environment says otherwise, over plain
HTTP on the loopback address: ``SECURE_SSL_REDIRECT=0``, a secret key kept in
``var/secret_key``, Redis at 127.0.0.1:6379 as the shared cache. Everything nginx writes
(its configuration, temporary bodies, logs) is under ``var/nginx/`` (``NGINX_DIR``). Ctrl-C
stops both.
"""

import getpass
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
NGINX_VAR = Path(os.environ.get("NGINX_DIR", VAR / "nginx")).resolve()
PYTHON = sys.executable


def production_environment() -> dict[str, str]:
    """The environment of both processes: the caller's, with production's defaults."""
    key_file = VAR / "secret_key"
    if not key_file.exists():
        VAR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    env = dict(os.environ)
    defaults = {
        "DEBUG": "0",
        "SECRET_KEY": key_file.read_text().strip(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "CACHE_URL": "redis://127.0.0.1:6379/0",
        "UNIONNEWS_PROXY_COUNT": "1",
        "UNIONNEWS_MEDIA_ACCEL_REDIRECT": "/protected-media/",
        "PORT": "8080",
        "UPSTREAM_PORT": "8001",
        "WEB_WORKERS": "2",
    }
    for name, value in defaults.items():
        env.setdefault(name, value)
    return env


def nginx_binary() -> str:
    """The path of nginx, installing Debian's nginx-light first if it is missing. Exits with
    a message when it is missing and cannot be installed here."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("nginx is missing: installing Debian's nginx-light", flush=True)
        quiet = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, "check": True}
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], **quiet)
        subprocess.run(["nginx", "-s", "stop"], capture_output=True)  # the package starts one
        found = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        sys.exit("make serve needs nginx: install it (Debian: apt-get install nginx-light)")
    return found


def write_nginx_config(env: dict[str, str]) -> Path:
    """``deploy/nginx.conf`` filled in for this checkout, and the site's 413 page beside it."""
    pages = NGINX_VAR / "pages"
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (NGINX_VAR / folder).mkdir(parents=True, exist_ok=True)
    pages.mkdir(exist_ok=True)
    manage(env, "render_error_page", "413", str(pages / "413.html"))
    values = {
        "@USER@": f"user {getpass.getuser()};" if os.geteuid() == 0 else "",
        "@VAR@": str(NGINX_VAR),
        "@LISTEN@": f"127.0.0.1:{env['PORT']}",
        "@UPSTREAM@": f"127.0.0.1:{env['UPSTREAM_PORT']}",
        "@MAX_MB@": env.get("UNIONNEWS_MAX_REQUEST_MB", "250"),
        "@STATIC_PAGES@": str(pages),
        "@MEDIA@": str(VAR / "media"),
    }
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    for placeholder, value in values.items():
        config = config.replace(placeholder, value)
    target = NGINX_VAR / "nginx.conf"
    target.write_text(config)
    return target


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def main() -> None:
    env = production_environment()
    nginx = nginx_binary()
    manage(env, "collectstatic", "--noinput", "-v0")
    config = write_nginx_config(env)
    subprocess.run([nginx, "-t", "-q", "-p", str(NGINX_VAR), "-c", str(config)], check=True)
    gunicorn = [
        str(Path(PYTHON).with_name("gunicorn")),
        "unionnews.wsgi",
        f"--bind=127.0.0.1:{env['UPSTREAM_PORT']}",
        f"--workers={env['WEB_WORKERS']}",
        "--timeout=60",
        "--graceful-timeout=10",
        "--access-logfile=-",
        # gunicorn's control socket is one path per user (~/.gunicorn/gunicorn.ctl): a second
        # server on the machine (a bench, a second app server) would take it over.
        "--no-control-socket",
    ]
    processes = [
        subprocess.Popen(gunicorn, env=env, cwd=ROOT),
        subprocess.Popen([nginx, "-p", str(NGINX_VAR), "-c", str(config)], cwd=ROOT),
    ]
    print(f"UnionNews (production settings) at http://127.0.0.1:{env['PORT']}/", flush=True)

    def stop(*_):
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM if process is processes[0] else signal.SIGQUIT)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(process.poll() is None for process in processes):
        time.sleep(0.5)
    print("a server stopped: stopping the other", file=sys.stderr)
    stop()


if __name__ == "__main__":
    main()
