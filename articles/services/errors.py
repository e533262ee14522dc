"""The desk's domain errors. Services raise these, never HTTP errors; the admin, the desk
pages and the commands turn them into messages."""

from unionnews.quotes import quoted


class NotAllowed(Exception):
    """The user may not do this, or not to the story as it is now; the message says why, in
    Chinese, for the desk."""


#: The name the workflow has always used for a refused step.
TransitionNotAllowed = NotAllowed


class EditConflict(Exception):
    """Someone saved the story after this copy was opened, and the edit is not applied
    (optimistic locking, DESIGN.md "Editorial workflow").

    ``merge`` (:class:`articles.content.Merge`) says what each side changed: the fields only
    they changed, those only this editor changed, and those both changed. ``current`` is the
    story as it is now.
    """

    def __init__(self, current, merge):
        self.current = current
        self.merge = merge
        super().__init__(
            f"稿件{quoted(current.headline)}在你打开之后已被修改（现为第 {current.version} 版）。"
            "为免覆盖他人的修改，本次没有保存。"
        )


class ImportConflict(Exception):
    """A page already imported with different content; importing again would lose edits."""
