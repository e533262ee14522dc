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
    "articles.view_reporter",
    "articles.view_column",
    "organizations.view_union",
    "events.view_event",
    "taggit.view_tag",
]
_EDIT = [
    *_WRITE,
    "articles.delete_article",
    "articles.approve_article",
    "articles.publish_article",
    "articles.import_pages",
    "articles.view_transition",
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
]

#: Group name → permissions as ``app_label.codename``.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    REPORTER: _WRITE,
    CORRESPONDENT: _WRITE,
    EDITOR: _EDIT,
    CHIEF_EDITOR: [*_EDIT, "articles.signoff_article"],
}
