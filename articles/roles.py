"""The desk's roles (DESIGN.md, "Who uses it") as Django groups, and what each may do.

Groups are created by the data migration ``0002_roles``; rules check permissions, never group
names, so a desk can grant a permission to one person without a new role.
"""

REPORTER = "记者"
CORRESPONDENT = "通讯员"
EDITOR = "编辑"
CHIEF_EDITOR = "总编"

_WRITE = [
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.add_byline",
    "articles.change_byline",
    "articles.delete_byline",
    "articles.view_byline",
    # Photos on their own stories (the admin lets reporters edit only those).
    *(
        f"articles.{a}_{m}"
        for a in ("add", "change", "delete", "view")
        for m in ("photo", "photocredit")
    ),
    "articles.view_reporter",
    "articles.view_column",
    "organizations.view_union",
    "events.view_event",
    "taggit.view_tag",
    "articles.view_editorialnote",
    "articles.add_editorialnote",
    "articles.view_correction",
    "articles.view_transition",
]
_EDIT = [
    *_WRITE,
    "articles.delete_article",
    "articles.approve_article",
    "articles.publish_article",
    "articles.import_pages",
    "articles.view_importedpage",
    "articles.delete_importedpage",
    *(f"articles.{a}_{m}" for a in ("add", "change", "delete") for m in ("reporter", "column")),
    *(
        f"organizations.{a}_{m}"
        for a in ("add", "change", "delete", "view")
        for m in ("union", "unionalias")
    ),
    *(f"events.{a}_event" for a in ("add", "change", "delete")),
    *(f"taggit.{a}_tag" for a in ("add", "change", "delete")),
    *(f"articles.{a}_correction" for a in ("add", "change", "delete")),
    "articles.delete_editorialnote",
    # The digital paper (数字报): editions are imported and published through their screens.
    *(f"editions.view_{m}" for m in ("edition", "page", "placement")),
    # The desk's audit log (操作日志), read-only; lifting a login lockout (登录锁定).
    "unionnews.view_auditentry",
    "unionnews.view_loginlock",
    "unionnews.delete_loginlock",
]

#: Group name → permissions as ``app_label.codename``.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    REPORTER: _WRITE,
    CORRESPONDENT: _WRITE,
    EDITOR: _EDIT,
    CHIEF_EDITOR: [*_EDIT, "articles.signoff_article"],
}


def sync_roles(apps=None) -> None:
    """Give each role group exactly the permissions listed above that exist so far.

    Used by data migrations with their historical ``apps``: a permission of a model that a
    later migration creates is skipped there and granted by that later migration's sync.
    Called without ``apps`` it uses the project's models (``seed_demo``, tests).
    """
    from django.apps import apps as project_apps
    from django.contrib.auth.management import create_permissions

    if apps is None:
        apps = project_apps
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
    else:
        # A migration's app registry has no models modules; permissions are normally created
        # only after all migrations, and the groups need them now.
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
