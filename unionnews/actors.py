"""Who acts on the desk: a logged-in user, or the system itself (a management command, a
data migration), and the permission check for a whole model.

The system actor (:data:`SYSTEM`) is explicit: a service called without a real user is given
``SYSTEM`` on purpose (``manage.py import_pages`` without ``--user``), never ``None`` by
accident. It may do everything, and the audit log names it 系统.

:class:`ModelPolicy` answers "may this user add/change/delete/view this kind of object at
all" from Django's model permissions, which the roles grant (``articles/roles.py``). It is the
lower apps' tester (``organizations``, ``events``); the newsroom's own tester, for a user and
one story, is ``articles.workflow.StoryTester``, built on it.
"""

from dataclasses import dataclass

from django.db import models


class SystemActor:
    """The desk itself acting, with every permission; stands in for a user in services."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_staff = True
    is_superuser = True
    username = "system"

    def has_perm(self, perm, obj=None) -> bool:
        return True

    def get_full_name(self) -> str:
        return "系统"

    def get_username(self) -> str:
        return self.username

    def __str__(self):
        return "系统"


#: The system as an actor: management commands and data loading act as it.
SYSTEM = SystemActor()


def is_system(user) -> bool:
    return isinstance(user, SystemActor)


def person_name(user) -> str:
    """How the desk names a user on screen and on paper: full name, else login name;
    系统 for the system, （账号已删除） for a user who no longer exists."""
    if user is None:
        return "（账号已删除）"
    if is_system(user):
        return "系统"
    return user.get_full_name().strip() or user.get_username()


def may(user, permission: str) -> bool:
    """Whether ``user`` holds ``permission`` (``app_label.codename``). The one place a Django
    permission is read; the testers above it say what the permissions mean for the desk."""
    return bool(user is not None and user.is_authenticated and user.has_perm(permission))


@dataclass(frozen=True)
class ModelPolicy:
    """Model-level permissions for one model: ``ModelPolicy(Union).user_can(user, "change")``."""

    model: type[models.Model]

    def user_can(self, user, *actions: str) -> bool:
        """Whether ``user`` may take every one of ``actions`` (add, change, delete, view)."""
        opts = self.model._meta
        return all(may(user, f"{opts.app_label}.{action}_{opts.model_name}") for action in actions)


def user_row(user):
    """The user to store in a ``ForeignKey`` to users: ``None`` for the system."""
    if user is None or is_system(user) or not user.is_authenticated:
        return None
    return user
