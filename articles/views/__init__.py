"""The public site's pages and the desk's own pages (views only fetch and arrange; rules
live on the QuerySets and in ``articles/workflow.py``):

- ``stories``: home, story, column, reporter, topic and archive pages;
- ``unions`` and ``events``: the union directory and union pages, the event pages;
- ``search``: site search;
- ``desk``: the desk's preview, sign-off sheet and statistics;
- ``media``: photo files, served to those who may see them.
"""
