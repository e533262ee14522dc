"""The mixin of the desk's own admin screens (Wagtail's admin viewsets are the model: one
small class-based view per screen, each with its permission policy).

:class:`DeskView` renders a template of ``admin/articles/article/`` inside the admin, with the
admin's context, after :meth:`DeskView.check` has said the user may be here;
:class:`StoryView` is a screen about one story: the story is found among those the user may
open (else 404, saying nothing about it) and its tester is at hand. Views call the services
for every change and turn their refusals into messages.
"""

from functools import cached_property

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from ...content import credits_summary
from ...models import Article
from ...workflow import DeskTester, StoryTester, tester_for


def change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[quote(article.pk)])


class DeskView(TemplateView):
    """A desk screen in the admin. Subclasses set ``template`` (a file name in
    ``admin/articles/article/``) and ``title``, and refuse users in :meth:`check`."""

    #: The ``ArticleAdmin`` the view belongs to (``as_view(model_admin=…)``).
    model_admin = None
    template = ""
    title = ""

    def dispatch(self, request, *args, **kwargs):
        self.check()
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def desk(self) -> DeskTester:
        return DeskTester(self.request.user)

    def check(self) -> None:
        """Raise ``PermissionDenied`` (or ``Http404``) for a user who may not be here."""

    def get_title(self) -> str:
        return self.title

    def get_template_names(self):
        opts = self.model_admin.opts
        return [f"admin/{opts.app_label}/{opts.model_name}/{self.template}"]

    def get_context_data(self, **kwargs):
        return {
            **self.model_admin.admin_site.each_context(self.request),
            "opts": self.model_admin.opts,
            "title": self.get_title(),
            "subtitle": None,
            **super().get_context_data(**kwargs),
        }

    def back_url(self, default: str) -> str:
        """``?next=`` when it points into this site, else ``default``."""
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return target
        return default


def permission_denied(refusal: str | None) -> None:
    if refusal:
        raise PermissionDenied(refusal)


class StoryView(DeskView):
    """A desk screen about the story of the URL's ``object_id``."""

    def check(self) -> None:
        if not self.tester.can_view():
            raise Http404("没有这篇稿件，或你无权查看。")

    @cached_property
    def story(self) -> Article:
        article = self.model_admin.get_object(self.request, unquote(str(self.kwargs["object_id"])))
        if article is None:
            raise Http404("没有这篇稿件，或你无权查看。")
        return article

    @cached_property
    def tester(self) -> StoryTester:
        return tester_for(self.request.user, self.story)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            article=self.story,
            original=self.story,
            credits=credits_summary(self.story.credits()),
            change_url=change_url(self.story),
            **kwargs,
        )
