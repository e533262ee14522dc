"""What the parser returns. Plain dataclasses so that the JSON output is ``asdict`` of them."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ParsedCredit:
    """One credit as printed: ``name`` 马超, ``title`` 记者, ``contribution`` text | photo."""

    name: str
    title: str
    contribution: str


@dataclass(frozen=True)
class UnionMention:
    """A union a story names. ``name`` is the directory's canonical name when ``known``;
    otherwise the importer proposes a new union under ``parent`` (a canonical name or None)
    with ``kind`` as a guess."""

    name: str
    known: bool
    kind: str = "grassroots"
    parent: str | None = None
    printed: str = ""  # the form the page printed, e.g. 市建筑工会


@dataclass(frozen=True)
class ParsedEvent:
    """An event a story is about: ``kind`` (competition, welfare, …), ``name`` as printed
    without year or ordinal, ``edition_year`` when the text gives one."""

    kind: str
    name: str
    edition_year: int | None = None
    #: The union that runs it, as the directory names it (or as proposed): the union named
    #: in the sentence that names the event, nearest before it (:func:`.events.organizer_of`).
    organizer: str | None = None


@dataclass
class ParsedArticle:
    """One story of a page: title block, credits, paragraphs (lead-in removed, column breaks
    joined), and what it is about. ``position`` is its 1-based place on the page and
    ``line`` the line its title block starts on, ``section_line`` that of its ``##`` section
    heading."""

    position: int
    line: int
    kind: str = "news"
    section: str | None = None
    section_line: int | None = None
    kicker: str | None = None
    headline: str = ""
    subtitle: str | None = None
    dateline: str | None = None
    bylines: list[ParsedCredit] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    union_mentions: list[UnionMention] = field(default_factory=list)
    events: list[ParsedEvent] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    #: Whether the roles of a two-line title block were guessed from the wording (no "：",
    #: dash or ``###`` said which line is the headline): the preview says so and offers
    #: :meth:`swap_title_roles` (issue 12, "Title roles").
    title_guessed: bool = False

    def swap_title_roles(self) -> None:
        """Read a guessed two-line block the other way: 引题 + 主题 becomes 主题 + 副题, and
        主题 + 副题 becomes 引题 + 主题. Does nothing to a block whose roles were not guessed."""
        if not self.title_guessed:
            return
        if self.kicker:
            self.kicker, self.headline, self.subtitle = None, self.kicker, self.headline
        elif self.subtitle:
            self.kicker, self.headline, self.subtitle = self.headline, self.subtitle, None

    @property
    def unions(self) -> list[str]:
        return [u.name for u in self.union_mentions]

    def to_json(self) -> dict:
        """The contract's JSON shape (DESIGN.md, "Print-page import: the contract")."""
        return {
            "kind": self.kind,
            "section": self.section,
            "kicker": self.kicker,
            "headline": self.headline,
            "subtitle": self.subtitle,
            "dateline": self.dateline,
            "bylines": [asdict(b) for b in self.bylines],
            "paragraphs": list(self.paragraphs),
            "unions": self.unions,
            "proposed_unions": [
                {"name": u.name, "kind": u.kind, "parent": u.parent}
                for u in self.union_mentions
                if not u.known
            ],
            "events": [
                {"kind": e.kind, "name": e.name, "edition_year": e.edition_year}
                for e in self.events
            ],
            "topics": list(self.topics),
        }


@dataclass
class ParsedPage:
    """A printed page: ``source`` file name, ``column`` banner, ``articles`` in page order,
    ``digest`` (sha256 of the decoded, normalised text), the ``encoding`` it was read in, and
    ``column_line``, the line of the banner."""

    source: str
    column: str | None
    articles: list[ParsedArticle]
    digest: str = ""
    encoding: str = "utf-8"
    column_line: int | None = None

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "column": self.column,
            "articles": [a.to_json() for a in self.articles],
        }
