"""Writing and reading the audit log (操作日志, :class:`unionnews.models.AuditEntry`).

Every service that changes something on the desk ends with :func:`log`: who, which action,
on which object, and a short Chinese summary of what changed. Apps declare their actions with
:func:`register` (``articles/apps.py`` etc.), so that the log page can name and filter them
without knowing the apps.

An entry is about the object a desk user thinks of: a photo's deletion is logged on its
story (``data["photo"]`` names the photo), a merge on the union merged into.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .actors import is_system, person_name

#: Action name → Chinese label, filled by each app's ``ready()`` through :func:`register`.
ACTIONS: dict[str, str] = {}


def register(actions: dict[str, str]) -> None:
    """Declare actions (``{"union.merge": "合并工会"}``); a name may be declared once."""
    for name, label in actions.items():
        if ACTIONS.get(name, label) != label:
            raise ValueError(f"audit action {name!r} is already declared as {ACTIONS[name]!r}")
        ACTIONS[name] = label


def action_label(action: str) -> str:
    """The Chinese label of ``action``, or the name itself when it is not declared."""
    return ACTIONS.get(action, action)


def log(*, user, action: str, obj: models.Model, summary: str = "", **data):
    """Record that ``user`` (a user, or ``SYSTEM``) took ``action`` on ``obj`` now.

    ``summary`` is the one-line description shown in the log (已修改：引题、正文); further
    keyword arguments are kept in ``data`` for the record (they must be JSON values). Call it
    inside the service's transaction, so that the entry exists exactly when the change does.
    Raises ``ValueError`` for an action no app declared: a typo would otherwise hide an
    action from the log's filters.
    """
    from .models import AuditEntry

    if action not in ACTIONS:
        raise ValueError(f"undeclared audit action {action!r}")
    real_user = None if user is None or is_system(user) else user
    return AuditEntry.objects.create(
        action=action,
        user=real_user,
        user_label=person_name(user)[:150],
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_label=str(obj)[:255],
        data={"summary": summary, **data} if summary else data,
    )


def entries_for(obj: models.Model):
    """The log of ``obj``, newest first."""
    from .models import AuditEntry

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
    ).select_related("user")
