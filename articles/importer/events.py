"""Finding the events a story covers: competitions, welfare drives, training, mixers, …

Kinds follow DESIGN.md ("Events the unions run"). A trigger word ends an event's name
(…职业技能大赛, …培训班, …交友活动); the name runs back to the nearest punctuation or to a word
that cannot be part of a name (举办, 参加, 的, …), as for unions. A quoted title is part of the
name: “五月的鲜花”职工诗歌朗诵活动, and a quoted title right after the trigger names it:
联谊活动“爱在·桃花源” → “爱在·桃花源”联谊活动. A year at the head of the name is the edition
(2022年全国职工数字化应用技术技能大赛 → edition 2022); an ordinal (第七届) is dropped.
Recurring welfare drives have fixed names (夏送清凉, 送温暖).

A story is about an event when the event is named in its title block or first paragraph (the
lead says what the story is about), keeping the first such event of each kind, or when it is
named at least twice. Events mentioned once in passing — the other competitions a union took
part in — are not linked.
"""

import logging
import re

import jieba
import jieba.posseg

from .structures import ParsedEvent
from .words import breaks_name

jieba.setLogLevel(logging.WARNING)

WELFARE_DRIVES = {"送清凉": "夏送清凉", "送温暖": "送温暖", "金秋助学": "金秋助学"}

_TRIGGERS: list[tuple[str, str]] = [
    (
        "competition",
        r"(?:职业)?技能(?:大)?赛|(?:劳动和)?技能竞赛|劳动竞赛|技能比武|工匠杯(?!职工)"
        r"|(?<!技能)大赛|(?<!技能)竞赛",
    ),
    ("training", r"(?:专题)?培训班"),
    ("mixer", r"(?:交友|联谊|相亲)(?:联谊)?活动|联谊会"),
    ("lecture", r"宣讲(?:活动|会|团)"),
    (
        "culture",
        r"(?:诗歌)?朗诵(?:活动|会|比赛)|书画展|健步(?:行|走)(?:活动)?|微电影节|文艺汇演"
        r"|漫步活动|运动会",
    ),
    ("education", r"学历提升(?:计划|项目|行动)?|(?:教育)?培训提升计划"),
    ("recuperation", r"疗休养(?:活动)?"),
]
_TRIGGER_RE = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TRIGGERS))
_QUOTE_RE = re.compile(r"“[^“”]{1,40}”")
_BOOK_TITLE_RE = re.compile(r"《[^《》]*》")
_QUOTE_AFTER_RE = re.compile(r"^“(?P<title>[^“”]{2,20})”")
_NAME_CHAR_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·“”（）\uE000-\uF8FF]")
_YEAR_RE = re.compile(r"^(?P<year>(?:19|20)\d{2})年度?")
_ORDINAL_RE = re.compile(r"^第[一二三四五六七八九十百\d]+[届期次]")
_MEASURE_RE = re.compile(r"^[一二三两四五六七八九十百千万\d]+[余多]?[场次个项届期名家]")
#: Event words on their own: they say what kind of event, not which one.
_GENERIC_WORDS = frozenset(
    "劳动 技能 职业 职工 专业 专题 竞赛 大赛 比赛 培训班 培训 交友 联谊 活动 宣讲 朗诵 诗歌 "
    "单身 大型 系列 线上 线下 网络 各类 各项 多项 相关 有关 此类 这次 一场 学历 提升 计划 "
    "劳模".split()
)
_SALIENT_MENTIONS = 2
#: Scope words, generic before 工会 (全国工会), that can begin an event's name.
_SCOPE_WORDS = frozenset("全国 全市 全区 全省".split())
#: One-character place abbreviations that start a name by themselves: 市职工职业技能大赛.
_PLACE_INITIALS = frozenset("市区省县镇")
#: A generic event named right after one of these in a headline is the organizer's own.
_ORGANISING_VERBS = ("举办", "举行", "开展", "组织", "启动", "推出", "召开")
_tokenizer = jieba.posseg.POSTokenizer(jieba.Tokenizer())


def find_events(
    titles: list[str], paragraphs: list[str], *, organizer: str | None = None
) -> list[ParsedEvent]:
    """The events a story is about, in order of first mention.

    ``organizer`` is the union the title names (东湖街道总工会); a headline's generic event
    (举办劳模宣讲活动) is then named after it: 东湖街道总工会劳模宣讲活动.
    """
    lead = [*titles, *paragraphs[:1]]
    counts: dict[tuple[str, str], int] = {}
    in_lead: list[tuple[str, str]] = []
    years: dict[tuple[str, str], int | None] = {}
    fallbacks: set[tuple[str, str]] = set()  # named after the organizer: a last resort
    for index, text in enumerate([*lead, *paragraphs[1:]]):
        prefix = organizer if index < len(titles) else None
        for kind, name, year, fallback in events_in(text, generic_prefix=prefix):
            key = _same_as_known((kind, name), counts, in_lead, years)
            if fallback:
                fallbacks.add(key)
            counts[key] = counts.get(key, 0) + 1
            if year and not years.get(key):
                years[key] = year
            if index < len(lead) and key not in in_lead:
                in_lead.append(key)
    first_of_kind: dict[str, tuple[str, str]] = {}
    for key in sorted(in_lead, key=lambda k: k in fallbacks):  # stable: named ones first
        first_of_kind.setdefault(key[0], key)
    chosen = set(first_of_kind.values()) | {k for k, n in counts.items() if n >= _SALIENT_MENTIONS}
    return [ParsedEvent(k, n, years.get((k, n))) for (k, n) in counts if (k, n) in chosen]


def _same_as_known(key, counts, in_lead, years):
    """市职工职业技能大赛 is the 北京市职工职业技能大赛 named before, and the other way round."""
    kind, name = key
    for known in list(counts):
        known_kind, known_name = known
        if known_kind != kind or not (known_name.endswith(name) or name.endswith(known_name)):
            continue
        if len(name) <= len(known_name):
            return known
        counts[key] = counts.pop(known)  # keep the fuller name
        years[key] = years.pop(known, None)
        if known in in_lead:
            in_lead[in_lead.index(known)] = key
        return key
    return key


def events_in(text: str, *, generic_prefix: str | None = None):
    """Yield ``(kind, name, edition_year)`` for each event name in one paragraph or title.

    A generic name (劳模宣讲活动) is skipped, or, right after an organising verb (举办…),
    named ``generic_prefix`` + name when given. Yields ``(kind, name, edition_year,
    named_after_organizer)``.
    """
    for drive, name in WELFARE_DRIVES.items():
        if drive in text:
            yield "welfare", name, None, False
    # A document title (《…竞赛试点工作方案》) names a document, not an event.
    text = _BOOK_TITLE_RE.sub("，", text)
    # Quoted titles are names whole, even with 的 inside: stand each for one private-use char.
    quotes = _QUOTE_RE.findall(text)
    for quote in quotes:
        inner = _TRIGGER_RE.search(quote[1:-1])
        if inner and inner.end() == len(quote) - 2 and not _is_generic(quote[1:-1], inner.group()):
            name, year = _strip_edition(quote[1:-1])
            yield inner.lastgroup, name, year, False
    masked = _QUOTE_RE.sub(lambda m: chr(0xE000 + quotes.index(m.group())), text)
    for match in _TRIGGER_RE.finditer(masked):
        start = match.start()
        while start > 0 and _NAME_CHAR_RE.match(masked[start - 1]):
            start -= 1
        span = masked[start : match.start()]
        kept = _trim(span)
        organised = span[: len(span) - len(kept)].endswith(_ORGANISING_VERBS)
        name = kept + match.group()
        name = re.sub("[\ue000-\uf8ff]", lambda m: quotes[ord(m.group()) - 0xE000], name)
        after = _QUOTE_AFTER_RE.match(text[_unmasked_end(masked, match.end(), quotes) :])
        if after and not name.startswith("“"):
            name = f"“{after['title']}”{match.group()}"
        name, year = _strip_edition(name)
        if _is_generic(name, match.group()):
            if not (generic_prefix and organised) or len(name) < 4:
                continue
            yield match.lastgroup, generic_prefix + name, year, True
            continue
        yield match.lastgroup, name, year, False


def _strip_edition(name: str) -> tuple[str, int | None]:
    """``2022年第七届X大赛`` → ``("X大赛", 2022)``; counts (10余项) are dropped too."""
    year = None
    year_match = _YEAR_RE.match(name)
    if year_match:
        year = int(year_match["year"])
        name = name[year_match.end() :]
    name = _MEASURE_RE.sub("", _ORDINAL_RE.sub("", name))
    return name, year


def _trim(span: str) -> str:
    """The words of ``span`` after the last one that cannot be part of a name."""
    words = list(_tokenizer.cut(span))
    start = 0
    for k, word in enumerate(words):
        if breaks_name(word.word, word.flag) and not _YEAR_RE.match(word.word):
            start = k + 1
        elif _MEASURE_RE.match(word.word) or word.word in ("用", "以", "让", "场"):
            start = k + 1
    # 全国 ends a union's qualifier (全国工会) but may begin an event's name, which jieba then
    # cuts wrongly: 全国/产/行业职工微电影节 was named 产行业职工微电影节 (issue 12). A name left
    # starting with one dangling character takes the scope word back.
    if 0 < start < len(words) and words[start - 1].word in _SCOPE_WORDS:
        if len(words[start].word) == 1 and words[start].word not in _PLACE_INITIALS:
            start -= 1
    return "".join(w.word for w in words[start:])


def _unmasked_end(masked: str, end: int, quotes: list[str]) -> int:
    """Position in the original text of position ``end`` in the masked text."""
    extra = sum(
        len(quotes[ord(ch) - 0xE000]) - 1 for ch in masked[:end] if "\ue000" <= ch <= "\uf8ff"
    )
    return end + extra


def _is_generic(name: str, trigger: str) -> bool:
    qualifier = name.removesuffix(trigger)
    if "“" in qualifier:
        return False
    words = [w for w in _tokenizer.tokenizer.lcut(qualifier) if w.strip()]
    return len(qualifier) < 2 or all(w in _GENERIC_WORDS for w in words)


_SENTENCE_RE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_QUOTES_RE = re.compile(r"[“”‘’\"'《》「」]")


def organizer_of(name: str, texts: list[str], mentions) -> str | None:
    """The union that runs the event ``name``, or ``None`` when the text does not say.

    - A union printed in the event's own name runs it (东湖街道总工会劳模宣讲活动).
    - Else, in the first sentence of ``texts`` (a story's title lines, then its paragraphs)
      that names the event (or the last three characters of its name: 送清凉 for 夏送清凉),
      the first union printed before the name, the first of a list of organisers (由北京市
      总工会、市金融工会……联合举办的); or else the first one after it; or, when that sentence
      names no union, the last one printed before it in the same paragraph.

    ``mentions`` are the story's :class:`~.structures.UnionMention` rows; the result is the
    mention's ``name``. The organizer is not the story's first union: that gave 夏送清凉 to
    北京市总工会 where 中关村科学城总工会 runs it (issue 12, "Events").
    """
    bare = _QUOTES_RE.sub("", name)
    printed = [(_QUOTES_RE.sub("", m.printed or m.name), m.name) for m in mentions]
    for form, union in printed:
        if form and form in bare:
            return union
    for wanted in dict.fromkeys((bare, bare[-3:])):
        for text in texts:
            text = _QUOTES_RE.sub("", text)
            for match in _SENTENCE_RE.finditer(text):
                sentence = match.group()
                at = sentence.find(wanted)
                if at < 0:
                    continue
                found = sorted(
                    (where, union)
                    for form, union in printed
                    if form and (where := sentence.find(form)) >= 0
                )
                before = [union for where, union in found if where < at]
                after = [union for where, union in found if where > at]
                if before or after:
                    return (before or after)[0]
                # A sentence that names no union continues the one before: 中关村科学城总工会
                # …。成立6个慰问组开展“送清凉”活动 (page 000). The last union printed earlier
                # in the same paragraph runs it.
                earlier = text[: match.start()]
                last = max(
                    ((earlier.rfind(form), union) for form, union in printed if form),
                    default=(-1, None),
                )
                if last[0] >= 0:
                    return last[1]
    return None
