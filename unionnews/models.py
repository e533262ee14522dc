"""The audit log (操作日志): who did what to which object, and when.

One row per desk action, written only by the services through :func:`unionnews.audit.log`,
never by a signal or a form. The object is named generically (content type and id) and by its
label at the time, so that an entry outlives the object it is about: a deleted photo or a
merged union keeps its history. ``data`` holds the action's details for display (the fields
changed, the comment, the states before and after).
"""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One desk action (Wagtail's audit log is the model): ``action`` is a registered name such
    as ``article.publish`` or ``union.merge`` (:data:`unionnews.audit.ACTIONS` gives its
    Chinese label); ``user`` is who took it (``None`` for the system: a management command
    or a data migration; ``user_label`` keeps the name as it was)."""

    action = models.CharField("操作", max_length=40, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user_label = models.CharField("操作人姓名", max_length=150, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField("对象编号", max_length=64)
    object_label = models.CharField("对象", max_length=255)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["user", "-created_at"], name="audit_user_idx"),
        ]

    def __str__(self):
        from .audit import action_label

        return f"{self.user_label or '系统'} {action_label(self.action)} {self.object_label}"


class LoginLock(AccessAttempt):
    """Repeated failed logins for a user name or from an address (django-axes' record), as
    the desk sees them (登录锁定): who is locked out, since when, after how many failures.
    Deleting a row lifts the lockout (``unionnews.logins.login_unlock``)."""

    class Meta:
        proxy = True
        verbose_name = "登录锁定"
        verbose_name_plural = "登录锁定"
