"""Recognising credits (署名) in layout text.

Forms, from the seed pages and the paper's conventions (DESIGN.md, "Credits"):

* dateline lead-in: ``本报讯（记者 马超）`` or ``本报讯(记者 边磊)``, several names under one
  title: ``（记者 彭程 通讯员 顾爽）``; also ``本报北京7月15日讯（…）`` and a bare ``（记者 X）``;
* standalone byline line of a profile: ``□本报记者 任洁``;
* photo credit line after a story: ``本报记者 于佳 摄``; a photo story's
  ``本报记者 周美玉 通讯员 高岩 摄影报道``;
* the split form ``文/本报记者 张三 图/通讯员 李四``.
"""

import re

from .structures import ParsedCredit

TEXT, PHOTO = "text", "photo"

# Longest first: 实习记者 before 记者, 本报记者 before 记者.
_TITLE = r"(?:本报)?(?:实习记者|实习生|通讯员|特约记者|记者)"
_TITLE_RE = re.compile(rf"^(?P<title>{_TITLE})(?P<rest>.*)$")
_NAME_RE = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff·•]{1,6}$")
_SEPARATORS = re.compile(r"[\s、，,]+")
_TITLE_ALIASES = {"特约记者": "通讯员"}

DATELINE_RE = re.compile(
    r"^(?P<dateline>本报讯|本报[^（()\s，。]{1,12}?讯|新华社[^（()\s，。]{1,12}?电)?"
    r"\s*(?:[（(](?P<credits>[^（）()]{1,80})[）)])?\s*"
)
_BYLINE_MARK_RE = re.compile(r"^[□■◎●○◇◆]\s*(?P<credits>.+)$")
_PHOTO_RE = re.compile(r"^(?P<credits>.+?)\s*(?P<verb>摄影报道|摄)$")
_SPLIT_FORM_RE = re.compile(r"(?P<label>文|图|摄影)\s*[/／:：]\s*")


def parse_credit_groups(
    text: str, contribution: str, *, glued: bool = True
) -> list[ParsedCredit] | None:
    """Parse ``记者 彭程 通讯员 顾爽`` into credits; ``None`` unless the whole text is credits.

    Each name belongs to the title printed before it; with ``glued`` a title may be glued to
    its name (``记者马超``, as inside a lead-in's brackets). The prefix 本报 ("of this paper")
    is dropped from the title.
    """
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    credits: list[ParsedCredit] = []
    title = None
    for token in tokens:
        match = _TITLE_RE.match(token)
        if match:
            title = match["title"].removeprefix("本报")
            title = _TITLE_ALIASES.get(title, title)
            token = match["rest"]
            if not token:
                continue
            if not glued:
                return None
        if title is None or not _NAME_RE.match(token):
            return None
        credits.append(ParsedCredit(token, title, contribution))
    return credits or None


def split_lead_in(paragraph: str) -> tuple[str | None, list[ParsedCredit], str]:
    """Split a first paragraph into ``(dateline, text credits, rest)``.

    ``本报讯（记者 马超）“首都建筑工匠”…`` → ``("本报讯", [马超/记者/text], "“首都建筑工匠”…")``.
    A bracket that does not hold credits is left in the text.
    """
    match = DATELINE_RE.match(paragraph)
    if not match or not (match["dateline"] or match["credits"]):
        return None, [], paragraph
    credits: list[ParsedCredit] = []
    if match["credits"]:
        parsed = parse_credit_groups(match["credits"], TEXT)
        if parsed is None:
            if not match["dateline"]:
                return None, [], paragraph
            # 本报讯（…） with something else in the brackets: keep the brackets in the text.
            rest = paragraph[len(match["dateline"]) :].lstrip()
            return match["dateline"], [], rest
        credits = parsed
    return match["dateline"], credits, paragraph[match.end() :]


def has_lead_in(paragraph: str) -> bool:
    return split_lead_in(paragraph)[0] is not None or bool(split_lead_in(paragraph)[1])


def parse_standalone_byline(line: str) -> list[ParsedCredit] | None:
    """``□本报记者 任洁`` → text credits; ``None`` if the line is not a byline line."""
    match = _BYLINE_MARK_RE.match(line)
    if not match:
        return None
    return parse_split_form(match["credits"]) or parse_credit_groups(match["credits"], TEXT)


def parse_plain_byline(line: str) -> list[ParsedCredit] | None:
    """A byline line without a mark: ``本报记者 任洁`` or ``（记者 张三 通讯员 李四）``.

    Titles must stand apart from the names here, so that a headline such as 记者手记 is not
    read as a credit.
    """
    text = line.strip()
    if text[:1] in "（(" and text[-1:] in "）)":
        text = text[1:-1]
    return parse_credit_groups(text, TEXT, glued=False)


def parse_photo_credit(line: str) -> tuple[list[ParsedCredit], bool] | None:
    """``本报记者 于佳 摄`` → ``(photo credits, False)``; ``… 摄影报道`` → ``(…, True)``.

    The second value says whether the line closes a photo story (摄影报道). ``None`` if the
    line is not a photo credit.
    """
    split = parse_split_form(line)
    if split:
        return split, False
    match = _PHOTO_RE.match(line)
    if not match:
        return None
    credits = parse_credit_groups(match["credits"], PHOTO)
    if credits is None:
        return None
    return credits, match["verb"] == "摄影报道"


def parse_split_form(line: str) -> list[ParsedCredit] | None:
    """``文/本报记者 张三 图/通讯员 李四`` → text and photo credits; ``None`` otherwise."""
    parts = _SPLIT_FORM_RE.split(line.strip())
    if len(parts) < 3 or parts[0].strip():
        return None
    credits: list[ParsedCredit] = []
    for label, body in zip(parts[1::2], parts[2::2], strict=True):
        parsed = parse_credit_groups(body, TEXT if label == "文" else PHOTO)
        if parsed is None:
            return None
        credits.extend(parsed)
    return credits
