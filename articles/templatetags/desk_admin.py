"""Template tags of the desk's admin pages: the index box (编辑部待办) and links to the desk
pages that may not be installed yet."""

from django import template
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from articles.models import Article
from articles.services import signoff_required
from articles.workflow_ui import local_datetime_label

register = template.Library()

Status = Article.Status


@register.simple_tag
def desk_url(name, *args):
    """``{% url %}`` that gives ``""`` instead of failing when ``name`` is not (yet) routed,
    so that a link to another desk page never breaks the page it is on."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def desk_datetime(moment):
    """``2023年7月15日 08:00`` in the paper's time zone."""
    return local_datetime_label(moment)


@register.simple_tag(takes_context=True)
def desk_todo(context) -> dict:
    """The index box's counts, each only for users who can act on it, in one query:
    待审 (submitted; reviewers), 待签发 (approved, when the desk requires sign-off; chief
    editors), 定时发布 (scheduled; publishers), 退回给我 (returned; reporters, their own).

    ``{"items": [{"label", "count", "url"}], "schedule_url", "stats_url"}``.
    """
    user = context["request"].user
    changelist = reverse("admin:articles_article_changelist")
    counts, wanted = {}, []
    if user.has_perm("articles.approve_article"):
        counts["review"] = Q(status=Status.SUBMITTED)
        wanted.append(("review", "待审"))
    if signoff_required() and user.has_perm("articles.signoff_article"):
        counts["signoff"] = Q(status=Status.APPROVED)
        wanted.append(("signoff", "待签发"))
    if user.has_perm("articles.publish_article"):
        counts["scheduled"] = Q(pk__in=Article.objects.scheduled().order_by().values("pk"))
        wanted.append(("scheduled", "定时发布"))
    if user.has_perm("articles.view_article") and not user.has_perm("articles.approve_article"):
        mine = Article.objects.visible_to(user).filter(status=Status.RETURNED)
        counts["returned"] = Q(pk__in=mine.order_by().values("pk"))
        wanted.append(("returned", "退回给我"))
    if not counts:
        return {"items": []}
    any_of = Q()
    for condition in counts.values():
        any_of |= condition
    totals = (
        Article.objects.filter(any_of)
        .order_by()
        .aggregate(**{key: Count("pk", filter=condition) for key, condition in counts.items()})
    )
    items = [
        {
            "key": key,
            "label": label,
            "count": totals[key] or 0,
            "url": f"{changelist}?{urlencode({'desk': key})}",
        }
        for key, label in wanted
    ]
    stats_url = (
        desk_url("articles:contribution_stats") if user.has_perm("articles.approve_article") else ""
    )
    return {
        "items": items,
        "todo_url": f"{changelist}?{urlencode({'desk': 'todo'})}",
        "schedule_url": reverse("admin:articles_article_schedule")
        if user.has_perm("articles.publish_article")
        else "",
        "stats_url": stats_url,
    }
