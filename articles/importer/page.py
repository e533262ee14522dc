"""Finding the stories in a page of layout text.

How a page reads (DESIGN.md, "The newspaper's vocabulary", and the seed pages):

* The page opens with its column banner (栏目), unless the desk's layout left it out.
* Markdown marks may be present: ``#`` column, ``##`` section, ``###`` headline (page 002).
* A story is a title block of one to three short lines (kicker 引题, headline 主题, subtitle
  副题) followed by its paragraphs. The first paragraph may open with the dateline lead-in
  (本报讯（记者 马超）); a profile has a standalone byline line (□本报记者 任洁) instead.
* Photo credit lines (本报记者 于佳 摄, … 摄影报道) follow the story they belong to.
* The layout breaks a paragraph where a text column ends, mid-sentence, with blank lines in
  between. A chunk that does not end a sentence continues in the next chunk.

A short line that does not end a sentence is a title when it starts a story: when a lead-in or
a byline follows it, when it is part of a title block of two or three lines, when a credit line
closed the story before it (（记者 李四）, 本报记者 于佳 摄), or when the story it opens closes
with 摄影报道. Otherwise it is a sub-heading inside the current story and is kept
as a paragraph, so no text is lost.
"""

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from . import credits as credit_parsing
from .errors import PageParseError
from .events import find_events, organizer_of
from .sections import covers
from .structures import ParsedArticle, ParsedCredit, ParsedPage
from .text import decode, digest, normalise_lines
from .topics import suggest_topics
from .unions import UnionDirectory, one_proposal_per_union

#: A headline may end in ？ or ！ (怎么安排？); such a line is short.
#: A page's work is bounded (issue 10): a page beyond these is refused with a message that
#: names the line, never left to run into a server's timeout. A day's page carries one to a
#: few dozen stories of at most a few thousand characters.
MAX_STORIES = 300
MAX_STORY_CHARS = 50_000
MAX_PROPOSED_UNIONS = 60
#: Seconds a page may take to parse; a page that takes longer is refused.
TIME_BUDGET = 15.0
MAX_QUESTION_TITLE = 24
_QUESTION_END_RE = re.compile(r"[？！?!]+[”’\"」』）)]*$")
#: Marks where a column break was joined inside a paragraph, while the page is read; gone from
#: every paragraph once its story is finished (WORD JOINER, never in a page's text:
#: ``normalise_lines`` drops zero-width characters).
COLUMN_JOIN = "\u2060"
#: A page name (版名) such as 职工之家 or 工会工作; a kicker is a longer phrase.
MAX_PAGE_NAME = 6
#: Title lines are short: the longest title line in a year of the paper is about 30 characters.
MAX_TITLE_LENGTH = 40

_MARKDOWN_RE = re.compile(r"^(?P<marks>#{1,6})\s*(?P<text>.*)$")
_SENTENCE_END_RE = re.compile(r"[。！？!?…；;]+[”’\"」』）)]*$")
_DASH_RE = re.compile(r"^[—－─―-]{1,2}\s*")
#: Without a directory every union found is proposed; one shared instance keeps its word list.
_NO_DIRECTORY = UnionDirectory()
EDITORS_NOTE = "编者按"
_END_MARK_RE = re.compile(r"\s*[（(]完[）)]$")
_ENUMERATOR_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．])"
)
_INNER_PUNCTUATION_RE = re.compile(r"[，,、；;：:]")
_SUBTITLE_OPENING_RE = re.compile(r"^(?:为|记|访)")
_SLOGAN_PART_RE = re.compile(r"^[\u4e00-\u9fff“”‘’]{2,10}$")


@dataclass
class _Line:
    number: int  # 1-based line number in the file
    text: str
    level: int = 0  # markdown heading level, 0 for plain text

    @property
    def is_headline_mark(self) -> bool:
        return self.level >= 3


def ends_sentence(text: str) -> bool:
    """Whether a chunk ends a sentence (。！？ or those followed by a closing quote)."""
    return bool(_SENTENCE_END_RE.search(text))


def parse_page(
    data: bytes,
    *,
    source: str,
    directory: UnionDirectory | None = None,
    known_columns: Iterable[str] = (),
) -> ParsedPage:
    """Parse the bytes of one printed page. Raises :class:`PageParseError` naming the line."""
    text, encoding = decode(data, source=source)
    page = parse_text(text, source=source, directory=directory, known_columns=known_columns)
    page.encoding = encoding
    return page


def parse_text(
    text: str,
    *,
    source: str,
    directory: UnionDirectory | None = None,
    known_columns: Iterable[str] = (),
) -> ParsedPage:
    """Parse one page's decoded text into its column and stories.

    ``directory`` resolves union names to canonical ones; without it every union found is
    proposed. Raises :class:`PageParseError` for a page with no story, text before the first
    title, or a title with nothing under it.
    """
    directory = directory or _NO_DIRECTORY
    deadline = time.monotonic() + TIME_BUDGET
    raw = normalise_lines(text)
    lines = [_split_markdown(i + 1, line) for i, line in enumerate(raw) if line]
    if not lines:
        raise PageParseError("页面没有文字", source=source)
    builder = _PageBuilder(source, None)
    first_line = lines[0].number
    builder.column, lines = _find_column(lines, frozenset(known_columns), builder.is_title_like)
    builder.column_line = first_line if builder.column else None
    builder.run(lines)
    builder.finish()
    if not builder.articles:
        raise PageParseError("没有找到任何稿件（标题加正文）", source=source)
    for article in builder.articles:
        if time.monotonic() > deadline:
            raise PageParseError(
                f"版面过于复杂，解析超过 {TIME_BUDGET:.0f} 秒仍未完成"
                f"（到第 {article.position} 篇稿件），已停止；请检查这是不是一个版面的文本",
                source=source,
                line=article.line,
            )
        _finish(article, directory)
    renamed = one_proposal_per_union([article.union_mentions for article in builder.articles])
    for article in builder.articles:
        article.events = [
            replace(event, organizer=renamed.get(event.organizer, event.organizer))
            for event in article.events
        ]
    proposed = {m.name for a in builder.articles for m in a.union_mentions if not m.known}
    if len(proposed) > MAX_PROPOSED_UNIONS:
        raise PageParseError(
            f"这个版面提到 {len(proposed)} 个名录中没有的工会，"
            f"超过每版 {MAX_PROPOSED_UNIONS} 个的上限；"
            "请检查版面文本，或先在工会名录中补充这些工会",
            source=source,
        )
    return ParsedPage(
        source=source,
        column=builder.column,
        articles=builder.articles,
        digest=digest(raw),
        column_line=builder.column_line,
    )


def _split_markdown(number: int, line: str) -> _Line:
    match = _MARKDOWN_RE.match(line)
    if match and match["text"]:
        return _Line(number, match["text"].strip(), len(match["marks"]))
    return _Line(number, line)


def _find_column(
    lines: list[_Line], known_columns: frozenset[str], is_title_like
) -> tuple[str | None, list[_Line]]:
    """Take the column banner off the top of the page; return ``(banner, remaining lines)``.

    The layout exports a page's banner first (all three seed pages). The first line is the
    banner when it is marked ``#``, when the desk already knows it as a column, when it
    heads four short lines (a title block has at most three), or when it is shaped like a
    banner — two or more phrases of four or more characters set apart by a space
    (深入学习贯彻党的二十大精神 奋力开拓首都工会工作新局面) — or a short page name (职工之家,
    at most ``MAX_PAGE_NAME`` characters; kickers are longer phrases) above a title block of
    its own, or when a ``##`` section heading follows it.
    """
    first = lines[0]
    if first.level == 1 or first.text in known_columns:
        return first.text, lines[1:]
    if first.level or not is_title_like(first):
        return None, lines  # body text is never a banner
    if len(lines) > 1 and lines[1].level in (1, 2):
        return first.text, lines[1:]  # a plain banner over a marked-up section
    top = 0
    while top < len(lines) and not lines[top].level and is_title_like(lines[top]):
        top += 1
    if top >= 4 or (top >= 2 and (_is_banner(first.text) or len(first.text) <= MAX_PAGE_NAME)):
        return first.text, lines[1:]
    return None, lines


def _is_banner(text: str) -> bool:
    parts = text.split()
    return len(parts) >= 2 and all(len(p) >= 4 for p in parts) and len(text) >= 14


class _PageBuilder:
    def __init__(self, source: str, column: str | None):
        self.source = source
        self.column = column
        self.column_line: int | None = None
        self.section: str | None = None
        self.section_line: int | None = None
        self.section_stories = 0  # stories under the rubric so far
        self.articles: list[ParsedArticle] = []
        self.lines: list[_Line] = []
        # Per story, what the text said about its kind.
        self._photo_story: set[int] = set()
        self._has_byline_line: set[int] = set()
        # Stories that a credit line after their body has closed (（记者 李四）, … 摄).
        self._closed: set[int] = set()
        # Editors' notes (编者按) seen after a story, waiting for the story they introduce.
        self._pending_notes: list[str] = []
        self._notes: dict[int, list[str]] = {}
        # Sub-headings kept as paragraphs (一、扎根一线) are complete; nothing continues them.
        self._subheads: set[tuple[int, int]] = set()  # (story, paragraph)

    @property
    def current(self) -> ParsedArticle | None:
        return self.articles[-1] if self.articles else None

    def error(self, line: _Line, reason: str) -> PageParseError:
        return PageParseError(reason, source=self.source, line=line.number)

    def run(self, lines: list[_Line]) -> None:
        self.lines = lines
        i = 0
        while i < len(lines):
            i = self.step(i)
        self.check_last()

    def step(self, i: int) -> int:
        line = self.lines[i]
        if line.level == 1:
            if not self.column:
                self.column, self.column_line = line.text, line.number
            self.section = self.section_line = None
            return i + 1
        if line.level == 2:
            self.section, self.section_line = line.text, line.number
            self.section_stories = 0
            return i + 1
        if self.column and line.text == self.column:
            return i + 1  # the banner repeated in the body
        if self.current is not None and self.take_credit_line(line):
            if self.current.paragraphs:
                self._closed.add(self.current.position)  # a credit after the body ends it
            return i + 1
        run = self.title_run(i)
        current = self.current
        unfinished = (
            current is not None
            and current.paragraphs
            and not ends_sentence(current.paragraphs[-1])
            and (current.position, len(current.paragraphs) - 1) not in self._subheads
        )
        if unfinished and not (
            self.confirmed_title(run, i) or (run and self.closes_as_photo_story(run, i))
        ):
            self.continue_paragraph(line)
            return i + 1
        if self.is_note_for_next_story(line, run):
            self._pending_notes.append(line.text)
            return i + 1
        if run and (
            current is None
            or current.position in self._closed
            or self.confirmed_title(run, i)
            or self.opens_story(run, i)
        ):
            self.start_article(run)
            return i + len(run)
        self.add_paragraph(line)
        if run and is_subhead(line.text):
            self._subheads.add((self.current.position, len(self.current.paragraphs) - 1))
        return i + 1

    # -- recognising lines ------------------------------------------------------------------

    def is_title_like(self, line: _Line) -> bool:
        if line.is_headline_mark:
            return True
        if line.level or len(line.text) > MAX_TITLE_LENGTH or ends_sentence(line.text):
            return False
        if credit_parsing.parse_photo_credit(line.text) is not None:
            return False
        if credit_parsing.parse_standalone_byline(line.text) is not None:
            return False
        if credit_parsing.parse_plain_byline(line.text) is not None:
            return False
        dateline, credits, _ = credit_parsing.split_lead_in(line.text)
        return dateline is None and not credits

    def title_run(self, i: int) -> list[_Line]:
        """The title block that starts at line ``i`` (empty when line ``i`` is no title)."""
        run: list[_Line] = []
        while i < len(self.lines) and len(run) < 3 and self.is_title_like(self.lines[i]):
            line = self.lines[i]
            if run and self.column and line.text == self.column:
                break
            run.append(line)
            i += 1
        if i < len(self.lines) and len(run) < 3 and self.is_question_title(i):
            run.append(self.lines[i])  # 职工疗休养怎么安排？ with its lead-in below it
            i += 1
        if run and i < len(self.lines) and self.is_title_like(self.lines[i]):
            # Four or more short lines in a row: only the last three can be one title block.
            return []
        return run

    def is_question_title(self, i: int) -> bool:
        """A short line ending in ？ or ！ is a headline only when a lead-in or a byline
        follows it; otherwise it is a sentence of the story."""
        line = self.lines[i]
        if line.level or len(line.text) > MAX_QUESTION_TITLE or "。" in line.text:
            return False
        if not _QUESTION_END_RE.search(line.text):
            return False
        return self.confirmed_title([line], i)

    def next_after(self, run: list[_Line], i: int) -> _Line | None:
        j = i + len(run)
        return self.lines[j] if j < len(self.lines) else None

    def confirmed_title(self, run: list[_Line], i: int) -> bool:
        """A title block the text itself marks: ``###``, or a lead-in or byline follows it."""
        if not run:
            return False
        if any(line.is_headline_mark for line in run):
            return True
        following = self.next_after(run, i)
        if following is None or following.level:
            return False
        if credit_parsing.parse_standalone_byline(following.text) is not None:
            return True
        if credit_parsing.parse_plain_byline(following.text) is not None:
            return True
        dateline, credits, _ = credit_parsing.split_lead_in(following.text)
        return dateline is not None or bool(credits)

    def opens_story(self, run: list[_Line], i: int) -> bool:
        """Whether an unmarked title block starts a story rather than a sub-heading."""
        return len(run) >= 2 or self.closes_as_photo_story(run, i)

    def closes_as_photo_story(self, run: list[_Line], i: int) -> bool:
        """Whether the text under ``run`` ends with 摄影报道 before the next title: a photo
        story, whose title may follow a paragraph that the layout cut mid-sentence."""
        j = i + len(run)
        while j < len(self.lines):
            line = self.lines[j]
            if line.level or (self.is_title_like(line) and ends_sentence(self.lines[j - 1].text)):
                return False
            photo = credit_parsing.parse_photo_credit(line.text)
            if photo is not None:
                return photo[1]  # a story of its own if it closes with 摄影报道
            j += 1
        return False

    # -- building stories ---------------------------------------------------------------------

    def is_note_for_next_story(self, line: _Line, run: list[_Line]) -> bool:
        """编者按 between two stories introduces the next one (an editor's note)."""
        current = self.current
        return (
            not run
            and line.text.startswith(EDITORS_NOTE)
            and current is not None
            and bool(current.paragraphs)
        )

    def start_article(self, run: list[_Line]) -> None:
        self.check_last()
        if len(self.articles) >= MAX_STORIES:
            raise self.error(
                run[0],
                f"一个版面最多 {MAX_STORIES} 篇稿件，这里已是第 {len(self.articles) + 1} 篇；"
                "请检查这是不是一个版面的文本",
            )
        if self._pending_notes and self.articles:
            self._notes[len(self.articles) + 1] = self._pending_notes
            self._pending_notes = []
        kicker, headline, subtitle = assign_title_roles(run)
        if (
            self.section
            and self.section_stories
            and not covers(self.section, [line.text for line in run])
        ):
            self.section = self.section_line = None  # the rubric's theme ended before this
        self.section_stories += 1
        self.articles.append(
            ParsedArticle(
                position=len(self.articles) + 1,
                line=run[0].number,
                section=self.section,
                section_line=self.section_line,
                kicker=kicker,
                headline=headline,
                subtitle=subtitle,
                title_guessed=title_roles_guessed(run),
            )
        )

    def check_last(self) -> None:
        article = self.current
        if article is None or article.paragraphs or article.bylines:
            return
        raise PageParseError(
            f"标题“{article.headline}”之下没有正文", source=self.source, line=article.line
        )

    def take_credit_line(self, line: _Line) -> bool:
        article = self.current
        if line.level:
            return False
        photo = credit_parsing.parse_photo_credit(line.text)
        if photo is not None:
            credits, photo_story = photo
            self.add_credits(article, credits)
            if photo_story:
                self._photo_story.add(article.position)
            return True
        byline = credit_parsing.parse_standalone_byline(line.text)
        if byline is not None:
            self.add_credits(article, byline)
            self._has_byline_line.add(article.position)
            return True
        byline = credit_parsing.parse_plain_byline(line.text)
        if byline is not None:
            self.add_credits(article, byline)
            return True
        return False

    @staticmethod
    def add_credits(article: ParsedArticle, credits: list[ParsedCredit]) -> None:
        for credit in credits:
            if credit not in article.bylines:
                article.bylines.append(credit)

    def add_paragraph(self, line: _Line) -> None:
        article = self.current
        if article is None:
            raise self.error(line, "正文之前没有找到标题")
        text = line.text
        if not article.paragraphs and article.dateline is None:
            dateline, credits, text = credit_parsing.split_lead_in(text)
            article.dateline = dateline
            self.add_credits(article, credits)
            text = text.strip()
            if not text:
                return
        article.paragraphs.append(text)
        self.check_length(article, line)

    def check_length(self, article: ParsedArticle, line: _Line) -> None:
        if sum(len(p) for p in article.paragraphs) > MAX_STORY_CHARS:
            raise self.error(
                line,
                f"第 {article.position} 篇稿件“{article.headline[:20]}”的正文"
                f"超过 {MAX_STORY_CHARS} 字；请检查是否缺了标题，或把它分成几篇",
            )

    def continue_paragraph(self, line: _Line) -> None:
        paragraphs = self.current.paragraphs
        previous = paragraphs[-1]
        glue = (
            " "
            if previous[-1:].isascii()
            and previous[-1:].isalnum()
            and line.text[:1].isascii()
            and line.text[:1].isalnum()
            else ""
        )
        # The join is marked until the story is finished (_finish): a union name the directory
        # does not know is never read across it.
        paragraphs[-1] = previous + (glue or COLUMN_JOIN) + line.text
        self.check_length(self.current, line)

    def kind_of(self, article: ParsedArticle) -> str:
        if article.position in self._photo_story:
            return "photo"
        text_credits = [c for c in article.bylines if c.contribution == "text"]
        photo_credits = [c for c in article.bylines if c.contribution == "photo"]
        if (
            article.dateline is None
            and not text_credits
            and photo_credits
            and len(article.paragraphs) <= 2
        ):
            return "photo"
        if article.position in self._has_byline_line and article.dateline is None:
            return "profile"
        return "news"

    def finish(self) -> None:
        """Settle kinds, place editors' notes, drop end marks (（完）)."""
        for article in self.articles:
            article.kind = self.kind_of(article)
            article.paragraphs[:0] = self._notes.get(article.position, [])
            if article.paragraphs:
                article.paragraphs[-1] = _END_MARK_RE.sub("", article.paragraphs[-1])
        if self._pending_notes and self.articles:  # a note with no story after it: keep it
            self.articles[-1].paragraphs.extend(self._pending_notes)


def is_subhead(text: str) -> bool:
    """A sub-heading inside a story: a short phrase with no inner punctuation, optionally
    numbered (一、扎根一线). A short chunk with a comma is the head of a broken paragraph."""
    return not _INNER_PUNCTUATION_RE.search(_ENUMERATOR_RE.sub("", text))


def assign_title_roles(run: list[_Line]) -> tuple[str | None, str, str | None]:
    """Give each line of a title block its role: ``(kicker, headline, subtitle)``.

    * ``###`` marks the headline; lines before it are the kicker, after it the subtitle.
    * One line is the headline; three are kicker, headline, subtitle.
    * Two lines: a first line ending in "：" is a kicker (profiles: 北京建筑大学工会副主席梁凯：);
      a second line opening with a dash is a subtitle; a first line of balanced short phrases
      (工会送清凉 防暑保安康) is a kicker; a second line that opens with a purpose or a
      "portrait of" (为加速…, 记…, 访…) explains the first and is its subtitle (page 001);
      otherwise kicker and headline, the commoner pairing (page 000's lead story).
    """
    texts = [line.text for line in run]
    marked = [k for k, line in enumerate(run) if line.is_headline_mark]
    if marked:
        k = marked[0]
        kicker = " ".join(texts[:k]) or None
        subtitle = " ".join(_DASH_RE.sub("", t) for t in texts[k + 1 :]) or None
        return kicker, texts[k], subtitle
    if len(texts) == 1:
        return None, texts[0], None
    if len(texts) >= 3:
        return texts[0], texts[1], _DASH_RE.sub("", texts[2])
    first, second = texts
    if first.endswith(("：", ":")):
        return first, second, None
    if _DASH_RE.match(second):
        return None, first, _DASH_RE.sub("", second)
    if _is_slogan(first):
        return first, second, None
    if _SUBTITLE_OPENING_RE.match(second):
        return None, first, second
    return first, second, None


def title_roles_guessed(run: list[_Line]) -> bool:
    """Whether :func:`assign_title_roles` guessed a two-line block's roles from its wording:
    no ``###``, no kicker ending in "：", no subtitle opening with a dash. The text alone
    cannot always tell 引题 + 主题 from 主题 + 副题 (issue 12: 4 of 12 two-line blocks on
    unseen pages were read the wrong way), so the desk is told."""
    if len(run) != 2 or any(line.is_headline_mark for line in run):
        return False
    first, second = (line.text for line in run)
    return not (first.endswith(("：", ":")) or _DASH_RE.match(second))


def _is_slogan(text: str) -> bool:
    parts = text.split()
    return len(parts) >= 2 and all(_SLOGAN_PART_RE.match(p) for p in parts)


def _finish(article: ParsedArticle, directory: UnionDirectory) -> None:
    titles = [t for t in (article.kicker, article.headline, article.subtitle) if t]
    chunks = [chunk for paragraph in article.paragraphs for chunk in paragraph.split(COLUMN_JOIN)]
    article.paragraphs = [p.replace(COLUMN_JOIN, "") for p in article.paragraphs]
    mentions = directory.find_in(titles + article.paragraphs)
    # A union the directory knows may be split by a column break (北京市建筑 / 工会); a name
    # it does not know, proposed as new, must be printed within one column's chunk: a break
    # joined "交流新" and "一年工会重点工作" into a proposal "交流新一年工会" (issue 12).
    whole = titles + chunks
    article.union_mentions = mentions = [
        m for m in mentions if m.known or any(m.printed in text for text in whole)
    ]
    title_text = "".join(titles)
    organizer = next((m.printed for m in article.union_mentions if m.printed in title_text), None)
    article.events = find_events(titles, article.paragraphs, organizer=organizer)
    article.events = [
        replace(event, organizer=organizer_of(event.name, titles + article.paragraphs, mentions))
        for event in article.events
    ]
    article.topics = suggest_topics(titles, article.paragraphs)
