"""Deleted stories (恢复已删除的稿件): the list, and bringing one back
(``services.article_recover``). For those who may delete stories."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from reversion.models import Version

from unionnews.dates import datetime_label
from unionnews.quotes import quoted

from ...models import Article
from ...services import NotAllowed, article_recover
from .base import DeskView, change_url


class RecoverListView(DeskView):
    """The deleted stories, most recently deleted first, each with the time of its last
    revision."""

    template = "recover_list.html"
    title = "恢复已删除的稿件"

    def check(self) -> None:
        if not self.desk.can_delete_stories:
            raise PermissionDenied("只有可以删除稿件的编辑才能恢复已删除的稿件。")

    def get_context_data(self, **kwargs):
        deleted = Version.objects.get_deleted(Article).select_related("revision__user")[:200]
        rows = [
            {
                "id": version.pk,
                "headline": version.field_dict.get("headline", version.object_repr),
                "saved_at": datetime_label(version.revision.date_created),
            }
            for version in deleted
        ]
        return super().get_context_data(rows=rows, **kwargs)


class RecoverView(RecoverListView):
    """POST: bring back the deleted story of the URL's ``version``."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        version = Version.objects.get_deleted(Article).filter(pk=kwargs["version"]).first()
        if version is None:
            raise Http404("没有这篇已删除的稿件。")
        try:
            article = article_recover(user=request.user, version=version)
        except NotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("admin:articles_article_recoverlist")
        messages.success(request, f"已恢复稿件{quoted(article.headline)}（草稿）。")
        return redirect(change_url(article))
