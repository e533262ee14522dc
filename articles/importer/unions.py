"""Finding the unions a story names, and linking them to the union directory.

The paper prints a union in several forms (DESIGN.md, "Unions form a tree"): the full name
(北京市建筑工会), the short 市X工会 for 北京市X工会, district names without 北京市, enterprise
short names. :class:`UnionDirectory` holds the directory's names and aliases; ``find_in`` reads
a story and returns each union it names once, in order of first mention, as the canonical
name, or as a proposal when the directory lacks it.

How a mention is found: every 工会 / 总工会 in the text ends a candidate. Its start is found by
reading back to the nearest punctuation and then forward past the words that cannot begin a
name (prepositions, verbs such as 会同 or 考虑, time words). The candidate is dropped when it
is generic — introduced by a determiner (各级工会, 该公司工会, 全系统工会) or a bare category
(区级工会, 基层工会, 企业工会, 校工会) — or when it names an institution rather than a union
(北京市工会干部学院). A candidate that shares its head with a list
(博彦科技公司、亿赛通科技公司工会) is ambiguous and is dropped too.
"""

import logging
import re
import threading
from dataclasses import dataclass, field, replace

import jieba
import jieba.posseg

from .structures import UnionMention
from .words import DETERMINERS, STOP_WORDS, breaks_name, is_determiner

# jieba logs its dictionary loading at INFO on the root of its own logger.
jieba.setLogLevel(logging.WARNING)

NATIONAL, MUNICIPAL, DISTRICT = "national", "municipal", "district"
SUBDISTRICT, PARK, INDUSTRY, GRASSROOTS = "subdistrict", "park", "industry", "grassroots"
FEDERATION_KINDS = (MUNICIPAL, DISTRICT, SUBDISTRICT, PARK)

_UNION_RE = re.compile(r"总?工会")
# Characters a union name is made of: CJK, Latin, digits, middle dot, brackets (市工业（国防）工会).
_NAME_CHAR_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9０-９·（）]")
# 工会 followed by these is part of an institution's name, not a union: 北京市工会干部学院.
_INSTITUTION_AFTER_RE = re.compile(
    r"^(?:干部)?(?:学院|大学|学校|医院|疗养院|大厦|宾馆|酒店|报社?|出版社|网|干部教育培训网)"
)
# 工会分会 / 工会小组 are branches inside a union, always generic here.
_BRANCH_AFTER_RE = re.compile(r"^(?:分会|小组)")
# （以下简称“经开区”）: the text defines an abbreviation used later in the story.
_ABBREVIATION_RE = re.compile(r"[（(]以下简称[“\"]?(?P<short>[^”\"）)]{1,12})[”\"]?[）)]")

#: A qualifier made only of these words names a category, not a union: 企业工会, 区级工会.
GENERIC_QUALIFIERS = frozenset(
    """
    基层 企业 单位 机关 事业单位 公司 集团 学校 校 院 所 厂 中心 部门 班组 车间 项目部 项目 支队
    大队 队 街道 乡镇 乡 镇 村 社区 园区 区 市 县 省 区级 市级 县级 行业 产业 系统 市场 协会
    分会 职工 女职工 会员 新时代 时代 建筑 金融 教育 交通 交通运输 卫生 文化 科技 商业 工业
    农业 新 老
    """.split()
)

#: Heads of organisation names, declared nouns for jieba, which tags some as verbs (支行/v).
ORGANISATION_WORDS = (
    "支行 分行 银行 分公司 子公司 公司 有限公司 集团 支队 大队 中队 中心 项目部 大学 学院 医院 "
    "研究院 研究所 工厂 分厂 车间 管理处 管理局 分局 委员会 协会 街道 社区 园区 科学城 工作站"
).split()

_COUNT_RE = re.compile(r"^[\d０-９一二三四五六七八九十百千万余多几]+[名个家位所]")


@dataclass(frozen=True)
class UnionEntry:
    """A directory union as the parser sees it: canonical ``name``, ``kind``, ``aliases``."""

    name: str
    kind: str = GRASSROOTS
    aliases: tuple[str, ...] = ()


@dataclass
class UnionDirectory:
    """The directory's names, for linking mentions. Build it from the database or a fixture.

    ``entries`` are the known unions. Derived on construction: a lookup from every name and
    alias to the canonical name, and the place abbreviations the federations' aliases imply
    (北京市总工会 / 市总工会 → 市 stands for 北京市; 北京经济技术开发区总工会 / 经开区总工会 →
    经开区 stands for 北京经济技术开发区).
    """

    entries: list[UnionEntry] = field(default_factory=list)

    def __post_init__(self):
        self.lookup: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.places: dict[str, str] = {}  # federation place → canonical federation name
        self.abbreviations: dict[str, str] = {}  # 经开区 → 北京经济技术开发区
        for entry in self.entries:
            self.kinds[entry.name] = entry.kind
            for form in (entry.name, *entry.aliases):
                self.lookup[normalise_name(form)] = entry.name
            if entry.kind in FEDERATION_KINDS and entry.name.endswith("总工会"):
                place = entry.name.removesuffix("总工会")
                self.places[place] = entry.name
                for alias in entry.aliases:
                    short = alias.removesuffix("总工会")
                    if alias.endswith("总工会") and short and short != place:
                        self.abbreviations[short] = place
        self._tokenizer = None
        self._pos_tokenizer = None
        self._lock = threading.Lock()

    # -- public -------------------------------------------------------------------------------

    def resolve(self, name: str) -> str | None:
        """The canonical name for a printed form, or ``None`` if the directory lacks it."""
        return self.lookup.get(normalise_name(name))

    def find_in(self, texts: list[str]) -> list[UnionMention]:
        """The unions ``texts`` (a story's title lines and paragraphs) name, first mention first."""
        found: dict[str, UnionMention] = {}
        abbreviations = dict(self.abbreviations)
        for text in texts:
            for match in _ABBREVIATION_RE.finditer(text):
                head = text[: match.start()]
                full = _trailing_place(head, match["short"])
                if full:
                    abbreviations[match["short"]] = full
            text = _ABBREVIATION_RE.sub("", _fold_brackets(text))
            for printed in self._candidates(text):
                mention = self._mention(printed, abbreviations, found)
                if mention and mention.name not in found:
                    found[mention.name] = mention
        return _place_orphans(list(found.values()))

    # -- candidates ---------------------------------------------------------------------------

    def _candidates(self, text: str):
        for match in _UNION_RE.finditer(text):
            after = text[match.end() :]
            if _INSTITUTION_AFTER_RE.match(after) or _BRANCH_AFTER_RE.match(after):
                continue
            start = match.start()
            while start > 0 and _NAME_CHAR_RE.match(text[start - 1]):
                start -= 1
            span = text[start : match.end()]
            if start > 0 and text[start - 1] == "、" and _shares_head(text[: start - 1]):
                continue
            candidate = self._trim(span)
            if candidate:
                yield candidate

    def _trim(self, span: str) -> str | None:
        """Cut the words before the name off ``span``; ``None`` if what is left is generic.

        The name starts after the last word that cannot be part of one: a stop word, a
        determiner, a year (2023年), or a verb, adverb, preposition, conjunction, pronoun,
        particle or time word of two or more characters (jieba's part-of-speech tags; single
        characters are too often part of a name, as in 拉卡拉 or 鸿运承). A directory name or
        alias the span ends with, starting on a word boundary, wins over the generic test:
        市总工会 is a union although 市 alone is no name.
        """
        suffix = "总工会" if span.endswith("总工会") else "工会"
        words = self.pos_tokenizer().lcut(span)
        tokens = [w.word for w in words]
        start = 0
        for k, word in enumerate(words[:-1]):
            if breaks_name(word.word, word.flag):
                start = k + 1
        known = self._known_suffix(tokens, start)
        if known:
            return known
        name = "".join(tokens[start:])
        if start > 0 and is_determiner(tokens[start - 1]):
            return None
        if "某" in name:
            return None  # 某物流公司工会: the copy withholds which union
        qualifier = name.removesuffix(suffix)
        if _is_generic(qualifier, words[start:]):
            return None
        return name

    def _known_suffix(self, tokens: list[str], start: int) -> str | None:
        """The longest directory name or alias that the words from ``start`` on end with.

        A form starting with a place word (市总工会) must follow a stop word or open the
        span, so that 天津市总工会 is not read as 市总工会.
        """
        for k in range(start, len(tokens)):
            tail = "".join(tokens[k:])
            if normalise_name(tail) not in self.lookup:
                continue
            if k > start and tail[0] in "市区县省":
                continue
            return tail
        return None

    def _mention(self, printed, abbreviations, found):
        canonical = self.resolve(printed)
        if canonical:
            return UnionMention(canonical, True, self.kinds[canonical], printed=printed)
        expanded = _expand(printed, abbreviations, self.tokenizer())
        canonical = self.resolve(expanded)
        if canonical:
            return UnionMention(canonical, True, self.kinds[canonical], printed=printed)
        # A short form of a union the story named in full before: 物业管理中心工会 after
        # 北京公交集团鸿运承物业管理中心工会.
        for earlier in found.values():
            if earlier.name.endswith(expanded) and earlier.name != expanded:
                return earlier
        # 海淀区工会 (会员): the district's unions, i.e. its federation.
        federation = self.places.get(expanded.removesuffix("工会"))
        if federation and not expanded.endswith("总工会"):
            return UnionMention(federation, True, self.kinds[federation], printed=printed)
        if expanded.removesuffix("总工会").removesuffix("工会") in self.places:
            return None
        return UnionMention(
            expanded, False, guess_kind(expanded), self._parent_of(expanded), printed=printed
        )

    def _parent_of(self, name: str) -> str | None:
        """The federation the name's place prefix shows: 朝阳区东湖街道总工会 → 朝阳区总工会."""
        best = None
        for place, federation in self.places.items():
            if name.startswith(place) and name != federation and len(place) >= 2:
                if best is None or len(place) > len(best[0]):
                    best = (place, federation)
        return best[1] if best else None

    def pos_tokenizer(self) -> "jieba.posseg.POSTokenizer":
        """Part-of-speech tagging over :meth:`tokenizer`."""
        if self._pos_tokenizer is None:
            self._pos_tokenizer = jieba.posseg.POSTokenizer(self.tokenizer())
        return self._pos_tokenizer

    def tokenizer(self) -> jieba.Tokenizer:
        """A jieba tokenizer that knows the directory's names and the stop words as words."""
        with self._lock:
            if self._tokenizer is None:
                tokenizer = jieba.Tokenizer()
                for word in (*STOP_WORDS, *DETERMINERS, *GENERIC_QUALIFIERS):
                    if len(word) > 1:
                        tokenizer.add_word(word, freq=2000)
                for place in (*self.places, *self.abbreviations):
                    tokenizer.add_word(place, freq=5000)
                for word in ORGANISATION_WORDS:
                    tokenizer.add_word(word, freq=5000, tag="n")
                self._tokenizer = tokenizer
            return self._tokenizer


def _place_orphans(mentions: list[UnionMention]) -> list[UnionMention]:
    """A proposed street or township federation printed without its district (古城街道总工会)
    goes under the district federation when the story names exactly one."""
    districts = [m.name for m in mentions if m.known and m.kind == DISTRICT]
    if len(districts) != 1:
        return mentions
    return [
        replace(m, parent=districts[0])
        if not m.known and m.kind == SUBDISTRICT and m.parent is None
        else m
        for m in mentions
    ]


def normalise_name(name: str) -> str:
    """Fold the forms a name is printed in: half-width brackets to full-width, no spaces."""
    return _fold_brackets(re.sub(r"\s+", "", name))


def _fold_brackets(text: str) -> str:
    return text.replace("(", "（").replace(")", "）")


def guess_kind(name: str) -> str:
    """The kind a proposed union's name suggests; an editor confirms it on review."""
    if re.search(r"(街道|乡|镇|地区)总工会$", name):
        return SUBDISTRICT
    if re.search(r"(园|园区|科学城|开发区)总工会$", name):
        return PARK
    if re.search(r"区总工会$", name):
        return DISTRICT
    return GRASSROOTS


def _is_generic(qualifier: str, words) -> bool:
    """Whether a union name's qualifier (the name without 工会) names no particular union."""
    if len(qualifier) < 2 or _COUNT_RE.match(qualifier):
        return True
    words = [w for w in words if w.word not in ("工会", "总工会")]
    if not words:
        return True
    if is_determiner(words[0].word):
        return True
    if words[-1].word in ("基层", "各级", "所属", "区级", "市级", "县级", "下属"):
        return True
    if all(w.flag in ("m", "q", "mq") for w in words):
        return True
    if words[0].word == "市" and len(words) > 1:
        return False  # 市交通运输工会: the municipal union of an industry
    return all(w.word in GENERIC_QUALIFIERS for w in words)


def _shares_head(before: str) -> bool:
    """In ``A、B工会``, whether A lacks its own 工会 (so 工会 is shared and B is ambiguous)."""
    item = re.split(r"[，。；：！？“”\s]", before)[-1].split("、")[-1]
    return "工会" not in item


def _trailing_place(head: str, short: str) -> str | None:
    """The full place an abbreviation stands for: the name chars just before （以下简称…）."""
    start = len(head)
    while start > 0 and _NAME_CHAR_RE.match(head[start - 1]):
        start -= 1
    full = head[start:]
    return full if len(full) > len(short) else None


def _expand(name: str, abbreviations: dict[str, str], tokenizer) -> str:
    """Spell out a leading place abbreviation: 市自来水集团工会 → 北京市自来水集团工会."""
    for short in sorted(abbreviations, key=len, reverse=True):
        if name.startswith(short) and not name.startswith(abbreviations[short]):
            first_word = tokenizer.lcut(name)[0]
            if len(short) == 1 and first_word != short:
                continue  # 市场工会 is not 北京市场工会
            return abbreviations[short] + name[len(short) :]
    return name


#: Banks' short names as the paper prints them (中行北京分行工会 for 中国银行北京市分行工会).
BANK_SHORT_NAMES = {
    "中行": "中国银行",
    "工行": "中国工商银行",
    "建行": "中国建设银行",
    "农行": "中国农业银行",
    "交行": "交通银行",
    "邮储银行": "中国邮政储蓄银行",
}


#: Forms of a company's legal name a story may print or leave out (XX集团有限公司工会 and
#: XX集团工会 are one union), longest first.
_COMPANY_FORMS = [
    ("股份有限公司", "公司"),
    ("有限责任公司", "公司"),
    ("有限公司", "公司"),
    ("集团公司", "集团"),
]
#: A city or province before a branch (北京市分行, 四川省分公司), or opening the name (北京市…,
#: 河北省…): printed with or without 市 / 省.
_PLACE_LEVEL_RE = re.compile(r"^(\w{2})[省市](?!场)|(\w{2})[省市](分行|分公司|分局|分院|支行)")


def proposal_key(name: str) -> str:
    """What two printed forms of one new union share, for :func:`one_proposal_per_union`:
    a bank's short name expanded (中行北京分行工会 and 中国银行北京市分行工会), 市 or 省 after
    the place that opens the name or names a branch left out, the legal form of a company
    left out (XX集团有限公司工会 and XX集团工会), and 委员会 after 工会 (XX公司工会委员会)."""
    for short, full in BANK_SHORT_NAMES.items():
        if name.startswith(short):
            name = full + name[len(short) :]
            break
    name = _PLACE_LEVEL_RE.sub(lambda m: m.group(1) or m.group(2) + m.group(3), name)
    for form, plain in _COMPANY_FORMS:
        name = name.replace(form, plain)
    return name.removesuffix("委员会") if name.endswith("工会委员会") else name


def one_proposal_per_union(mention_lists: list[list[UnionMention]]) -> dict[str, str]:
    """Give every proposed mention on a page that names the same new union by another form
    (:func:`proposal_key`) its fullest name, so that the union is proposed once; the form
    each story printed stays in ``printed``. Changes the lists in place; returns the names
    changed, ``{old: new}``."""
    fullest: dict[str, str] = {}
    for mentions in mention_lists:
        for mention in mentions:
            if not mention.known:
                key = proposal_key(mention.name)
                if len(mention.name) > len(fullest.get(key, "")):
                    fullest[key] = mention.name
    renamed: dict[str, str] = {}
    for mentions in mention_lists:
        seen: set[str] = set()
        kept = []
        for mention in mentions:
            if not mention.known:
                full = fullest[proposal_key(mention.name)]
                if full != mention.name:
                    renamed[mention.name] = full
                    mention = replace(mention, name=full)
            if mention.name not in seen:
                seen.add(mention.name)
                kept.append(mention)
        mentions[:] = kept
    return renamed
