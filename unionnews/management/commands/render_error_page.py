"""``manage.py render_error_page 413 <path>``: write the site's 413 page, for the proxy in
front of the site to show when it refuses a body itself (``deploy/serve.py``)."""

from pathlib import Path

from django.core.management.base import BaseCommand

from unionnews import limits


class Command(BaseCommand):
    help = "写出网站的 413 页面（提交的内容过大），供前端代理使用。"

    def add_arguments(self, parser):
        parser.add_argument("status", choices=["413"])
        parser.add_argument("path", type=Path)

    def handle(self, *args, status, path, **options):
        path.write_text(limits.refusal_page(limits.over_the_limit()), encoding="utf-8")
