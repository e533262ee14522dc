"""``manage.py import_edition --date 2023-07-15 [--issue N] [--name 3=要闻] PAGE...``

Imports a day's paper as one edition (期), page by page, each page in its own transaction
(``editions.services.edition_import``). A PAGE is ``3=path/to/page.txt`` (第3版), or a bare
path: bare paths are numbered in order from ``--first-page`` (default 1). Progress is printed
page by page; a page that fails is reported on stderr and writes nothing, and the command
then exits with status 1. The edition stays with the desk (编排中) until it is published.
"""

import sys
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.services import ImportConflict, NotAllowed
from unionnews.actors import SYSTEM

from ...services import PageFile, edition_import


def _numbered(values: list[str], what: str) -> dict[int, str]:
    found = {}
    for value in values or []:
        number, sep, text = value.partition("=")
        if not sep or not number.isdigit():
            raise CommandError(f"{what}“{value}”应写成 版次=内容，如 3=要闻")
        found[int(number)] = text.strip()
    return found


class Command(BaseCommand):
    help = "把一天的报纸导入为一期数字报：每个版面一个版面文本文件。"

    def add_arguments(self, parser):
        parser.add_argument(
            "pages", nargs="+", help="版面文件：3=路径 表示第3版；只写路径则按顺序编号"
        )
        parser.add_argument(
            "--date", required=True, type=date.fromisoformat, help="出版日期，如 2023-07-15"
        )
        parser.add_argument("--issue", type=int, help="总期号（总第 N 期）")
        parser.add_argument("--first-page", type=int, default=1, help="只写路径时第一个文件的版次")
        parser.add_argument("--name", action="append", help="版名，如 3=要闻；可重复")
        parser.add_argument("--editor", action="append", help="版面编辑，如 3=张三；可重复")
        parser.add_argument("--user", help="以此用户的身份导入（记入操作日志）；不填则记为“系统”")

    def handle(self, *args, **options):
        user = SYSTEM
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"没有用户 {options['user']}")
        names = _numbered(options["name"], "版名")
        editors = _numbered(options["editor"], "版面编辑")
        files, next_number = [], options["first_page"]
        for item in options["pages"]:
            number, sep, path = item.partition("=")
            if sep and number.isdigit():
                number = int(number)
            else:
                number, path = next_number, item
            next_number = number + 1
            path = Path(path)
            if not path.is_file():
                raise CommandError(f"找不到版面文件 {path}")
            files.append(
                PageFile(
                    number=number,
                    source=path.name,
                    data=path.read_bytes(),
                    name=names.get(number, ""),
                    editor=editors.get(number, ""),
                )
            )
        if len({f.number for f in files}) != len(files):
            raise CommandError("有两个文件的版次相同。")
        try:
            result = edition_import(
                user=user,
                paper_date=options["date"],
                issue_number=options["issue"],
                files=files,
                on_page=self.report,
            )
        except (ImportConflict, NotAllowed) as error:
            raise CommandError(str(error)) from error
        done = len(result.pages) - len(result.failed)
        self.stdout.write(f"{result.edition}：导入 {done} 个版面，失败 {len(result.failed)} 个")
        if result.failed:
            sys.exit(1)

    def report(self, index, outcome):
        if outcome.error:
            self.stderr.write(f"错误：第{outcome.file.number}版：{outcome.error}")
            return
        state = "此前已导入，未改动" if outcome.imported.unchanged else "导入"
        self.stdout.write(
            f"[{index + 1}] {outcome.page.label}（{outcome.file.source}）：{state} "
            f"{outcome.page.placements.count()} 篇稿件"
        )
