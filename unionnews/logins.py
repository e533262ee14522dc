"""Lifting a login lockout (django-axes, issue 10): the service behind 解除锁定."""

from django.db import transaction

from . import audit
from .actors import ModelPolicy
from .models import LoginLock


class LockNotAllowed(Exception):
    """The user may not lift lockouts."""


def login_unlock(*, user, locks) -> int:
    """Lift the lockouts ``locks`` (LoginLock rows): the user name or address may log in
    again at once. Returns how many were lifted; each is in the audit log. Raises
    :class:`LockNotAllowed` for a user who may not."""
    if not ModelPolicy(LoginLock).user_can(user, "delete"):
        raise LockNotAllowed("你没有权限解除登录锁定。")
    with transaction.atomic():
        chosen = list(LoginLock.objects.filter(pk__in=[lock.pk for lock in locks]))
        for lock in chosen:
            who = lock.username or lock.ip_address
            audit.log(
                user=user,
                action="login.unlock",
                obj=lock,
                summary=f"解除“{who}”的登录锁定（失败 {lock.failures_since_start} 次）",
                username=lock.username,
                ip_address=lock.ip_address,
            )
            lock.delete()
    return len(chosen)


ACTIONS = {"login.unlock": "解除登录锁定"}


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (HTTP 429, django-axes' ``AXES_LOCKOUT_CALLABLE``):
    in Chinese, saying for how long, and who can lift it at once."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = (
        int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
    )
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return render(
        request,
        "registration/locked_out.html",
        {
            "username": username[:150],
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": minutes,
        },
        status=429,
    )
