"""The desk's admin for stories, photos and the desk's records, as a package:

- ``story``: ``ArticleAdmin``, its configuration and its save through the services;
- ``listing``: the story list's columns and the print preview;
- ``filters``, ``inlines``, ``forms``: the list's filters, the story page's rows, the forms;
- ``views/``: the desk's own screens, one small class-based view each on one mixin
  (``views/base.py``): the workflow steps and the schedule, revisions, the edit conflict and
  autosave, the print-page import, deleted stories;
- ``photos``, ``records``: the photo admin; reporters, columns, the review and import records.
"""

from . import photos, records, story

__all__ = ["photos", "records", "story"]
