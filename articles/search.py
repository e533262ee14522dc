"""Chinese full-text search: what a story is indexed by, what a reader's query asks for, and
result highlighting.

Chinese has no spaces between words, and no word list cuts every text the way every reader
thinks of it: jieba cuts 工会主席 in a story's 总工会主席 differently from the query 工会主席,
and a one-character query (会) is no word at all. So search finds text, not words: a query
part (the reader's words between spaces) is found where the story holds it as written.

- **What is indexed** (:func:`tokens`): each run of Chinese characters as its overlapping
  character pairs, in order, then its last character alone (北京市总工会 → 北京 京市 市总 总工
  工会 会); each run of letters or digits as one token, lower-cased (``2023``, ``app``), after
  NFKC (full-width ＡＢＣ１２ is ``abc12``). A story's tokens, in order, space-separated, are
  ``Article.search_text``; PostgreSQL indexes ``to_tsvector('simple', search_text)``.
- **What a query part asks** (:func:`query_phrases`): the same tokens as a phrase: the pairs
  of each Chinese run in order, one after another (工会主席 → 工会 <-> 会主 <-> 主席), so
  only the characters in that order match. A part ending in a single Chinese character
  matches that character at the start of any pair (会 finds 会议, 工会 and 总工会). All parts
  must match.

Pure Python, no Django: text in, tokens, phrases or HTML out. The HTML is escaped here,
piece by piece; a view marks it safe.
"""

import re
import unicodedata
from dataclasses import dataclass
from html import escape

#: Characters of body text shown around the first match in a search result.
SNIPPET_LENGTH = 120

#: The most query parts read (words between spaces); the rest are ignored.
MAX_PARTS = 8

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _runs(text: str) -> list[tuple[bool, str]]:
    """``text`` normalised (NFKC, lower case) as runs of Chinese characters (``True``) and of
    other letters and digits (``False``); everything else separates runs."""
    runs: list[tuple[bool, str]] = []
    current, han = "", False
    for char in unicodedata.normalize("NFKC", text or "").lower():
        kind = True if _HAN.match(char) else False if char.isalnum() else None
        if kind is None or (current and kind != han):
            if current:
                runs.append((han, current))
            current = ""
        if kind is not None:
            current, han = current + char, kind
    if current:
        runs.append((han, current))
    return runs


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> list[str]:
    """The indexed tokens of ``text``, in order (see the module docstring)."""
    found: list[str] = []
    for han, run in _runs(text):
        found += [*_pairs(run), run[-1]] if han else [run]
    return found


def search_text(*parts: str) -> str:
    """The indexed text of a story: the tokens of ``parts`` joined by single spaces, with a
    space at each end, so that ``" 工会 "`` is one whole token and ``" 会"`` the start of one
    (the SQLite match)."""
    found = [token for part in parts for token in tokens(part)]
    return f" {' '.join(found)} " if found else ""


@dataclass(frozen=True)
class Phrase:
    """One query part: ``text`` as the reader typed it, and the ``tokens`` a story must hold
    one after another; when ``open_end``, the last one need only begin a token."""

    text: str
    tokens: tuple[str, ...]
    open_end: bool

    def tsquery(self) -> str:
        """The phrase as PostgreSQL's ``to_tsquery`` reads it: ``工会 <-> 会主 <-> 主席``,
        ``会:*``. Tokens hold only letters and digits, so nothing needs quoting."""
        return " <-> ".join(self.tokens) + (":*" if self.open_end else "")

    def contained(self) -> str:
        """The phrase as a substring of ``search_text``: ``" 工会 会主 主席 "``, ``" 会"``."""
        return " " + " ".join(self.tokens) + ("" if self.open_end else " ")


def query_phrases(query: str) -> list[Phrase]:
    """The phrases of a reader's query, one per part between spaces (the first
    :data:`MAX_PARTS`, repeats dropped); parts with no letter or digit are ignored."""
    phrases: dict[tuple, Phrase] = {}
    for part in (query or "")[:200].split()[:MAX_PARTS]:
        runs = _runs(part)
        if not runs:
            continue
        found: list[str] = []
        for han, run in runs:
            found += (_pairs(run) or [run]) if han else [run]
        open_end = runs[-1][0] and len(runs[-1][1]) == 1
        phrase = Phrase(part, tuple(found), open_end)
        phrases.setdefault((phrase.tokens, open_end), phrase)
    return list(phrases.values())


def query_terms(query: str) -> list[str]:
    """The query parts to mark in results, as typed."""
    return [phrase.text for phrase in query_phrases(query)]


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
