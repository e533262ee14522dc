"""``manage.py seed_demo``: the local demo that ``make run`` sets up. Safe to run twice.

Loads the union directory, imports the real printed pages in ``fixtures/pages/`` through the
importer as one demo edition of the paper (2023年7月15日, 第3–5版: the pages are that day's
pages 3 to 5 of a union paper), publishes it through the same workflow services an editor
uses, and creates one demo account per role, printing the user names and passwords. Refuses
to run with DEBUG off: the passwords are public.
"""

import os
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from articles import roles
from articles.models import Article, Reporter
from articles.services import article_approve, article_signoff, article_waive_photo
from articles.workflow import signoff_required
from events.models import Event
from events.services import events_mark_reviewed
from organizations.models import Union
from organizations.services import directory_load
from unionnews.dates import date_label
from unionnews.models import AuditEntry

from ...models import Edition
from ...services import PageFile, edition_import, edition_publish

PAGES = Path(settings.BASE_DIR) / "fixtures" / "pages"
#: The demo edition: the seed pages, in file order, as these pages of this day's paper.
DEMO_DATE, DEMO_FIRST_PAGE = date(2023, 7, 15), 3

#: (user name, password, role, display name, reporter name or None). Local demo only.
DEMO_ACCOUNTS = [
    ("reporter", "reporter-demo", roles.REPORTER, "马超", "马超"),
    ("correspondent", "correspondent-demo", roles.CORRESPONDENT, "高岩", "高岩"),
    ("editor", "editor-demo", roles.EDITOR, "编辑部", None),
    ("chief", "chief-demo", roles.CHIEF_EDITOR, "总编室", None),
    ("admin", "admin-demo", None, "管理员", None),
]


class Command(BaseCommand):
    help = "装入演示数据：工会名录、真实版面、各角色演示账号（仅限本地）。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo 会创建公开密码的演示账号，只能在 DEBUG=1 的本地环境运行。"
            )
        roles.sync_roles()  # the groups match articles/roles.py even on an older database
        count = directory_load()
        self.stdout.write(f"工会名录：{count} 个工会")
        users = {row[0]: self.account(*row) for row in DEMO_ACCOUNTS}
        editor = users["editor"]
        deleted = AuditEntry.objects.filter(
            action="edition.delete", object_label__startswith=date_label(DEMO_DATE)
        )
        if deleted.exists():
            # The desk deleted the demo edition (to import these pages by hand, say): the
            # demo does not bring it back, nor publish what the desk imported since.
            self.stdout.write(
                f"演示期次（{date_label(DEMO_DATE)}）此前在后台删除过，不再导入演示期次。"
            )
        else:
            self.seed_edition(editor, users["chief"])
        self.stdout.write(self.style.SUCCESS("\n演示账号（仅供本地演示）："))
        for username, password, role, _, _ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role or '管理员':<6} 用户名 {username:<14} 密码 {password}")
        site = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"
        self.stdout.write(f"后台：{site}admin/   网站：{site}   数字报：{site}epaper/")

    def seed_edition(self, editor, chief):
        files = [
            PageFile(number=DEMO_FIRST_PAGE + i, source=path.name, data=path.read_bytes())
            for i, path in enumerate(sorted(PAGES.glob("*.txt")))
        ]
        result = edition_import(user=editor, paper_date=DEMO_DATE, issue_number=None, files=files)
        for outcome in result.pages:
            if outcome.error:
                raise CommandError(outcome.error)
            state = "已导入过，未改动" if outcome.imported.unchanged else "导入"
            self.stdout.write(
                f"{outcome.page.label}（{outcome.file.source}）：{state} "
                f"{outcome.page.placements.count()} 篇"
            )
        self.link_correspondent()
        self.publish_edition(result.edition, editor, chief)
        # The demo editor reviews the events the importer proposed, so they get public pages.
        names = PAGES.glob("*.txt")
        reviewed = events_mark_reviewed(
            user=editor,
            events=Event.objects.filter(articles__source_file__in=[p.name for p in names]),
        )
        if reviewed:
            self.stdout.write(f"审核通过导入程序提议的活动 {reviewed} 个")
        self.stdout.write(
            f"要亲手试导入整期：以编辑或总编账号在后台打开 {result.edition}，点“删除本期”，"
            "再在“导入整期”上传 fixtures/pages/ 下的版面文件。"
        )

    def account(self, username, password, role, display_name, reporter_name):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.first_name = display_name
        user.is_staff = True
        user.is_superuser = role is None
        user.set_password(password)
        user.save()
        if role:
            user.groups.set([Group.objects.get(name=role)])
        if reporter_name:
            reporter = Reporter.objects.filter(name=reporter_name).first()
            if reporter is None:
                reporter = Reporter.objects.create(name=reporter_name)
            if reporter.user_id not in (None, user.pk):
                raise CommandError(f"作者 {reporter_name} 已关联其他账号")
            reporter.user = user
            reporter.save()
        return user

    def link_correspondent(self):
        """The demo correspondent writes for the union of the story he is credited on."""
        reporter = Reporter.objects.filter(name="高岩").first()
        union = Union.objects.filter(name="通州商业资产运营集团有限公司工会").first()
        if reporter and union:
            reporter.union = union
            reporter.title = "通讯员"
            reporter.save()

    def publish_edition(self, edition, editor, chief):
        """Approve the edition's drafts (the chief editor signs them off first when the desk
        requires it) and publish the edition now, its stories in page and layout order, so
        that the last page's last story is the newest."""
        drafts = list(
            Article.objects.filter(
                status=Article.Status.DRAFT, placement__page__edition=edition
            ).order_by("placement__page__number", "placement__position")
        )
        # Print photo stories come without their image files (they stay in the layout
        # system): the demo editor lets them go out without one. On a real desk they wait,
        # flagged 待配图, until a photo is uploaded.
        waiting = set(Article.objects.photo_missing().values_list("pk", flat=True))
        waived = [article for article in drafts if article.pk in waiting]
        for article in drafts:
            if article in waived:
                article_waive_photo(article=article, user=editor, comment="演示：版面图片未导入")
            article_approve(article=article, user=editor, comment="演示：版面稿件直接通过")
            if signoff_required():
                article_signoff(article=article, user=chief, comment="演示：签发")
        if edition.status != Edition.Status.PUBLISHED:
            published = edition_publish(user=editor, edition=edition)
            self.stdout.write(f"发布 {edition}：{len(published.published)} 篇稿件")
        if waived:
            self.stdout.write(
                f"其中 {len(waived)} 篇图片稿件的图片文件不在版面文本里，"
                "演示中标记为“无需配图”；在后台为稿件上传图片即可展示。"
            )
