"""``manage.py import_pages PATH... [--dry-run] [--json]``: the print-page importer's CLI.

Contract: DESIGN.md, "Print-page import: the contract". With ``--dry-run --json`` nothing is
written and stdout is exactly one JSON array, one object per page that parsed. Pages that fail
are reported on stderr with file and line, and the command exits with status 1. A day's
paper, with its date and page numbers, is imported with ``manage.py import_edition``.
"""

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.services import ImportConflict, NotAllowed, PageParseError, import_page, preview_page
from unionnews.actors import SYSTEM


class Command(BaseCommand):
    help = (
        "把版面文本（UTF-8 或 GB18030）导入为草稿稿件；整期报纸（日期、版次）请用 import_edition。"
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="版面文本文件")
        parser.add_argument("--dry-run", action="store_true", help="只解析，不写入数据库")
        parser.add_argument("--json", action="store_true", help="以 JSON 数组输出解析结果")
        parser.add_argument("--user", help="以此用户的身份导入（记入操作日志）；不填则记为“系统”")

    def handle(self, *paths, **options):
        paths = options["paths"]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"找不到文件：{'、'.join(missing)}")
        self.user = SYSTEM
        if options.get("user"):
            self.user = get_user_model().objects.filter(username=options["user"]).first()
            if self.user is None:
                raise CommandError(f"没有用户 {options['user']}")
        results, failures = [], 0
        for path in paths:
            try:
                results.append(self.one(path, options))
            except (PageParseError, ImportConflict, NotAllowed) as error:
                failures += 1
                self.stderr.write(f"错误：{error}")
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=1))
        if failures:
            sys.exit(1)

    def one(self, path: Path, options) -> dict:
        data = path.read_bytes()
        if options["dry_run"]:
            page = preview_page(data=data, source=path.name)
            if not options["json"]:
                self.stdout.write(f"{path.name}：可导入 {len(page.articles)} 篇稿件（未写入）")
            return page.to_json()
        result = import_page(data=data, source=path.name, user=self.user)
        if not options["json"]:
            if result.unchanged:
                self.stdout.write(f"{path.name}：此前已导入，内容相同，未做改动")
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{path.name}：导入 {len(result.articles)} 篇草稿；"
                        f"新提议工会 {len(result.proposed_unions)} 个，"
                        f"新提议活动 {len(result.proposed_events)} 个，待编辑审核"
                    )
                )
        summary = result.page.to_json()
        summary["unchanged"] = result.unchanged
        summary["article_ids"] = [a.pk for a in result.articles]
        return summary
