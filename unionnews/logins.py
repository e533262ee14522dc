"""Login throttling around django-axes (issue 10): the limits per user name and per address,
what a login clears, the lockout page, and the service behind 解除锁定."""

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Sum

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


def failure_limit(request, credentials=None) -> int:
    """django-axes' ``AXES_FAILURE_LIMIT`` for this login: axes locks when the failures of the
    user name or of the address (whichever is more) reach it. It is the per-name limit
    (``UNIONNEWS_LOGIN_FAILURE_LIMIT``, 10) once the name itself has that many, else the
    higher per-address one (``UNIONNEWS_LOGIN_ADDRESS_FAILURE_LIMIT``, 50): so a name is locked
    after 10 wrong passwords from anywhere, and an address after 50 over all names, not after
    10 typos of several people in one office."""
    name_limit = settings.UNIONNEWS_LOGIN_FAILURE_LIMIT
    attempts = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        attempt_time__gte=get_cool_off_threshold(request),
    )
    failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    return name_limit if failures >= name_limit else settings.UNIONNEWS_LOGIN_ADDRESS_FAILURE_LIMIT


def forget_failures(sender, request, user, **kwargs) -> None:
    """On a login (``user_logged_in``): the failures of this user name are forgotten, from
    every address; other names' failures from the same address stay counted."""
    AccessAttempt.objects.filter(username=user.get_username()).delete()


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (HTTP 429, django-axes' ``AXES_LOCKOUT_CALLABLE``):
    in Chinese, saying for how long, and who can lift it at once."""
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
            "failure_limit": settings.UNIONNEWS_LOGIN_FAILURE_LIMIT,
            "address_limit": settings.UNIONNEWS_LOGIN_ADDRESS_FAILURE_LIMIT,
            "minutes": minutes,
        },
        status=429,
    )
