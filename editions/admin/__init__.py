"""The digital paper in the admin: editions with their pages, the import of a day's paper
(:mod:`.imports`) and its publication (:mod:`.publish`). Every write goes through
``editions.services``."""

from .editions import EditionAdmin
from .pages import PageAdmin

__all__ = ["EditionAdmin", "PageAdmin"]
