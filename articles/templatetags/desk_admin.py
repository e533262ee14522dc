"""Template tags of the desk's admin pages: the index box (编辑部待办), the user's recent
actions, and links to desk pages that may not be installed yet."""

from django import template
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from unionnews.dates import datetime_label
from unionnews.desk_admin import audit_log_url

from ..models import Article
from ..workflow import DeskTester, queues_for

register = template.Library()


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
    return datetime_label(moment)


@register.simple_tag(takes_context=True)
def desk_todo(context) -> dict:
    """The index box: a count for each of the user's queues (``workflow.queues_for``: 待审,
    待签发, 定时发布, 退回给我), in one query, and the desk's pages the user may open.

    ``{"items": [{"key", "label", "count", "url"}], "todo_url", "schedule_url",
    "stats_url", "audit_url"}``.
    """
    user = context["request"].user
    desk = DeskTester(user)
    changelist = reverse("admin:articles_article_changelist")
    queues = queues_for(user)
    totals = {}
    if queues:
        totals = Article.objects.order_by().aggregate(
            **{q.key: Count("pk", filter=q.condition) for q in queues}
        )
    return {
        "items": [
            {
                "key": q.key,
                "label": q.label.replace("（未上线）", ""),
                "count": totals.get(q.key) or 0,
                "url": f"{changelist}?{urlencode({'desk': q.key})}",
            }
            for q in queues
        ],
        "todo_url": f"{changelist}?{urlencode({'desk': 'todo'})}",
        "schedule_url": reverse("admin:articles_article_schedule") if desk.can_publish else "",
        "stats_url": desk_url("articles:contribution_stats") if desk.can_view_statistics else "",
        "audit_url": audit_log_url() if desk.can_view_audit_log else "",
    }


@register.simple_tag(takes_context=True)
def my_recent_actions(context, limit: int = 10) -> list:
    """The user's own latest entries in the audit log, for the index page's sidebar."""
    from unionnews.audit import action_label
    from unionnews.models import AuditEntry

    user = context["request"].user
    entries = AuditEntry.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]
    return [
        {
            "when": datetime_label(e.created_at),
            "action": action_label(e.action),
            "object": e.object_label,
        }
        for e in entries
    ]


@register.simple_tag(takes_context=True)
def desk_permissions(context) -> DeskTester:
    """The user's :class:`~articles.workflow.DeskTester`, for a template that shows a link
    only to those who may use it: ``{% desk_permissions as desk %}``."""
    return DeskTester(context["request"].user)
