from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organizations"
    verbose_name = "工会组织"

    def ready(self):
        from unionnews import audit, page_cache

        from . import services
        from .models import Union, UnionAlias

        audit.register(services.ACTIONS)
        # Only reviewed unions have public pages; an alias shows as its union's name.
        page_cache.register(Union, shown=lambda union: union.reviewed)
        page_cache.register(UnionAlias, shown=lambda alias: alias.union.reviewed)
