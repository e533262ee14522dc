"""Chinese full-text search: word segmentation and result highlighting.

Chinese has no spaces between words, so neither PostgreSQL's text search nor a plain
``LIKE`` can find a word on its own. Both the stories and the reader's query are cut into
words with jieba in search mode (``cut_for_search``), which also emits the shorter words
inside a long one: 北京市建筑工会 → 北京, 京市, 北京市, 建筑, 工会. A story's words are kept,
space-separated, in ``Article.search_text``; PostgreSQL indexes them with a GIN index on
``to_tsvector('simple', search_text)``, and SQLite matches whole words in the same text.

Pure Python, no Django: text in, words or HTML out. The HTML is escaped here, piece by
piece; a view marks it safe.
"""

import logging
import re
import threading
from html import escape

import jieba

# jieba logs its dictionary loading at INFO.
jieba.setLogLevel(logging.WARNING)

#: Characters of body text shown around the first match in a search result.
SNIPPET_LENGTH = 120

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _cutter() -> jieba.Tokenizer:
    """A tokenizer of our own with jieba's stock dictionary, so that words the importer adds
    to its tokenizer (union and place names) never change how stories are indexed: the same
    text always gives the same words, in every process."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            _tokenizer = jieba.Tokenizer()
        return _tokenizer


def words(text: str) -> list[str]:
    """The words of ``text`` in search mode, lower-cased, in order, repeats kept; spaces and
    punctuation (anything without a letter or digit) dropped."""
    return [
        word.lower()
        for word in _cutter().cut_for_search(text or "")
        if any(char.isalnum() for char in word)
    ]


def search_text(*parts: str) -> str:
    """The indexed text of a story: the words of ``parts`` joined by single spaces, with a
    space at each end so that ``" 工会 "`` matches a whole word (the SQLite fallback)."""
    found = [word for part in parts for word in words(part)]
    return f" {' '.join(found)} " if found else ""


def query_terms(query: str) -> list[str]:
    """The distinct words of a reader's query, in order; a story must contain all of them."""
    return list(dict.fromkeys(words(query[:200])))


def _pattern(terms: list[str]) -> re.Pattern | None:
    # Longest first, so that 北京市 is marked whole rather than as 北京 + 市.
    alternatives = sorted({t for t in terms if t}, key=len, reverse=True)
    if not alternatives:
        return None
    # A Latin word or number is marked only whole: "b" must not mark the b of "job".
    return re.compile(
        "|".join(
            rf"(?<![a-z0-9]){re.escape(t)}(?![a-z0-9])" if t.isascii() else re.escape(t)
            for t in alternatives
        ),
        re.IGNORECASE,
    )


def highlight(text: str, terms: list[str]) -> str:
    """``text`` as HTML with every occurrence of a term wrapped in ``<mark>``.

    Safe for any text: each piece is escaped first and only our own ``<mark>`` tags are added,
    so a ``<script>`` in a headline or body is shown, never run.
    """
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)  # every piece above is escaped


def snippet(text: str, terms: list[str], length: int = SNIPPET_LENGTH) -> str:
    """About ``length`` characters of ``text`` around the first term found, highlighted, with
    “…” where it was cut. Line breaks (paragraphs) become spaces. Without a match, the
    beginning of the text."""
    flat = " ".join(line.strip() for line in (text or "").splitlines() if line.strip())
    pattern = _pattern(terms)
    match = pattern.search(flat) if pattern else None
    start = max(0, match.start() - length // 3) if match else 0
    end = min(len(flat), start + length)
    start = max(0, min(start, end - length))
    excerpt = highlight(flat[start:end], terms)
    return ("…" if start > 0 else "") + excerpt + ("…" if end < len(flat) else "")
