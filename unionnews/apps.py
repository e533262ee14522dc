from django.apps import AppConfig


class UnionNewsConfig(AppConfig):
    """The project's own base layer: the audit log (操作日志), the page cache, shared web and
    date helpers. It knows no newsroom model: ``organizations``, ``events`` and ``articles``
    build on it and register what it needs to know (their audit actions, their public models,
    the moments their pages change by themselves)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "unionnews"
    verbose_name = "编辑部"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import audit, logins, records

        audit.register(records.ACTIONS)
        audit.register(logins.ACTIONS)
        user_logged_in.connect(logins.forget_failures, dispatch_uid="unionnews.forget_failures")
