"""How the paper prints credits (署名), as pure functions over ``(name, title, contribution)``.

Conventions, from the seed pages in ``fixtures/pages/``:

* the dateline lead-in opens a news story: ``本报讯（记者 马超）``; several names may share one
  title, and titles are grouped in order of first appearance: ``（记者 彭程 通讯员 顾爽）``;
* a profile carries a standalone byline line: ``□本报记者 任洁``;
* photo credits stand on their own line after the story: ``本报记者 于佳 摄``; a photo story
  ends with ``本报记者 周美玉 通讯员 高岩 摄影报道``.

The paper's own staff (记者, 实习记者) are printed with the prefix 本报 outside the lead-in;
correspondents (通讯员) and interns (实习生) are not.
"""

from collections.abc import Iterable
from typing import NamedTuple

TEXT = "text"
PHOTO = "photo"

#: Titles as printed, longest first so that 实习记者 is matched before 记者.
TITLES = ("实习记者", "实习生", "通讯员", "记者")
STAFF_TITLES = ("记者", "实习记者")


class Credit(NamedTuple):
    name: str
    title: str  # one of TITLES
    contribution: str  # TEXT or PHOTO


def group_by_title(credits: Iterable[Credit], *, staff_prefix: bool) -> str:
    """``记者 彭程 通讯员 顾爽``: names under their shared title, titles in first-seen order."""
    groups: dict[str, list[str]] = {}
    for credit in credits:
        groups.setdefault(credit.title, []).append(credit.name)
    parts = []
    for title, names in groups.items():
        label = f"本报{title}" if staff_prefix and title in STAFF_TITLES else title
        parts.append(" ".join([label, *names]))
    return " ".join(parts)


def lead_in(dateline: str, credits: Iterable[Credit]) -> str:
    """The dateline lead-in of a news story: ``本报讯（记者 马超）``; ``""`` without a dateline."""
    if not dateline:
        return ""
    text = [c for c in credits if c.contribution == TEXT]
    return f"{dateline}（{group_by_title(text, staff_prefix=False)}）" if text else dateline


def standalone_byline(credits: Iterable[Credit]) -> str:
    """A profile's byline line: ``□本报记者 任洁``; ``""`` when there is no text credit."""
    text = [c for c in credits if c.contribution == TEXT]
    return f"□{group_by_title(text, staff_prefix=True)}" if text else ""


def photo_credit(credits: Iterable[Credit], *, photo_story: bool) -> str:
    """The photo credit line: ``本报记者 于佳 摄``, or ``… 摄影报道`` for a photo story."""
    photo = [c for c in credits if c.contribution == PHOTO]
    if not photo:
        return ""
    return f"{group_by_title(photo, staff_prefix=True)} {'摄影报道' if photo_story else '摄'}"
