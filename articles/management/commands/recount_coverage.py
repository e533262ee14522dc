"""``manage.py recount_coverage``: count every month's stories again (``articles/coverage.py``).

The services keep the counts as they write; run this after loading stories around them
(a database restored from elsewhere, rows inserted in bulk) or to check nothing drifted.
"""

from django.core.management.base import BaseCommand

from articles import coverage


class Command(BaseCommand):
    help = "重新统计各月、各工会、话题、活动和栏目的已发布稿件数。"

    def handle(self, *args, **options):
        months = coverage.rebuild()
        self.stdout.write(f"已重新统计 {months} 个月的稿件数。")
