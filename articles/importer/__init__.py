"""The print-page importer: plain layout text in, dataclasses out (no Django imports).

``parse_page(data, source=..., directory=...)`` turns the bytes of one printed page into a
:class:`ParsedPage`. The Django side (``articles.services.import_pages``) writes the result as
draft articles; the ``import_pages`` management command and the admin upload both use it.
"""

from .errors import PageParseError
from .page import parse_page, parse_text
from .structures import ParsedArticle, ParsedCredit, ParsedEvent, ParsedPage, UnionMention
from .unions import UnionDirectory, UnionEntry

__all__ = [
    "PageParseError",
    "ParsedArticle",
    "ParsedCredit",
    "ParsedEvent",
    "ParsedPage",
    "UnionDirectory",
    "UnionEntry",
    "UnionMention",
    "parse_page",
    "parse_text",
]
