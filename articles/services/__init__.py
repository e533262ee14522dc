"""Every change the desk makes, as services (DESIGN.md, "Architecture").

A service takes the ``user`` (or ``unionnews.actors.SYSTEM``), asks the tester
(``articles/workflow.py``), runs in one transaction, leaves an audit entry and retires the
public page cache when readers' pages change; it raises a domain error (:class:`NotAllowed`,
:class:`EditConflict`, :class:`ImportConflict`), never an HTTP one. The admin, the desk pages
and the commands call these and write nothing themselves.

- ``stories``: file, edit (optimistic, with a three-way merge), restore, delete a story; the
  photo waiver; the typed drafts kept while someone writes;
- ``transitions``: the workflow steps;
- ``photos``: add, change, replace, reorder, delete a story's photos;
- ``notes``: internal notes and public corrections;
- ``imports``: the print-page import;
- ``people``: reporters and correspondents.
"""

from .errors import EditConflict, ImportConflict, NotAllowed, TransitionNotAllowed
from .imports import (
    PageImport,
    PageParseError,
    duplicate_message,
    import_files,
    import_page,
    imported_before,
    preview_page,
    union_directory,
)
from .notes import article_add_correction, article_add_note, correction_delete, note_delete
from .people import correspondents_move, photos_move, stories_move
from .photos import (
    MAX_PHOTOS_PER_STORY,
    alt_text_refusal,
    photo_add,
    photo_clean_upload,
    photo_delete,
    photo_make_renditions,
    photo_reorder,
    photo_replace,
    photo_update,
)
from .stories import (
    EditResult,
    article_create,
    article_delete,
    article_edit,
    article_recover,
    article_restore,
    article_waive_photo,
    content_at,
    draft_discard,
    draft_keep,
    stories_deleted_together,
)
from .transitions import (
    article_approve,
    article_publish,
    article_reopen,
    article_return,
    article_signoff,
    article_submit,
    article_unschedule,
    article_withdraw,
    take_step,
)

#: The actions these services write to the audit log, with their Chinese labels
#: (registered in ``ArticlesConfig.ready()``).
ACTIONS = {
    "article.create": "新建稿件",
    "article.import": "导入稿件",
    "article.edit": "修改稿件",
    "article.restore": "恢复版本",
    "article.delete": "删除稿件",
    "article.recover": "恢复已删除的稿件",
    "article.waive_photo": "无需配图",
    "article.union_merged": "相关工会合并",
    "article.submit": "提交审核",
    "article.approve": "通过（初审）",
    "article.return": "退回修改",
    "article.signoff": "签发（终审）",
    "article.publish": "发布",
    "article.schedule": "定时发布",
    "article.unschedule": "取消定时发布",
    "article.withdraw": "撤回",
    "article.reopen": "重新打开",
    "photo.add": "添加图片",
    "photo.change": "修改图片",
    "photo.replace": "更换图片文件",
    "photo.reorder": "调整图片顺序",
    "photo.delete": "删除图片",
    "note.add": "添加内部备注",
    "note.delete": "删除内部备注",
    "correction.add": "发布更正",
    "correction.delete": "删除更正",
    "import.page": "导入版面",
}

__all__ = [
    "ACTIONS",
    "MAX_PHOTOS_PER_STORY",
    "alt_text_refusal",
    "EditConflict",
    "EditResult",
    "ImportConflict",
    "NotAllowed",
    "PageImport",
    "PageParseError",
    "TransitionNotAllowed",
    "article_add_correction",
    "article_add_note",
    "article_approve",
    "article_create",
    "article_delete",
    "article_edit",
    "article_publish",
    "article_recover",
    "article_reopen",
    "article_restore",
    "article_return",
    "article_signoff",
    "article_submit",
    "article_unschedule",
    "article_waive_photo",
    "article_withdraw",
    "content_at",
    "correction_delete",
    "correspondents_move",
    "stories_move",
    "draft_discard",
    "draft_keep",
    "stories_deleted_together",
    "duplicate_message",
    "import_files",
    "import_page",
    "imported_before",
    "note_delete",
    "photo_add",
    "photo_clean_upload",
    "photo_delete",
    "photo_make_renditions",
    "photo_reorder",
    "photo_replace",
    "photo_update",
    "preview_page",
    "photos_move",
    "take_step",
    "union_directory",
]
