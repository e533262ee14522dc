"""How far a 小栏 reaches: a ``##`` rubric (page 002: ``## 夏送清凉 工会行动``) stands over
the stories of its theme, not over the rest of the page. The layout text has no mark where a
rubric ends, so a later story stays under it while its titles share a word of the rubric's
theme (户外劳动者获“清凉”慰问品, 清凉关爱 送进工地), and the rubric ends at the first story
that does not (海淀区总工会“科技+杏福”专线…: seen on the seed page and on pages the importer
had not seen, issue 12). A rubric that names a kind of news rather than a theme (基层动态,
工会简讯) covers every story after it, as before."""

import jieba

#: Rubrics of a kind of news: they cover every story up to the next rubric or column.
GENERIC_ENDINGS = (
    "动态",
    "简讯",
    "快讯",
    "速递",
    "传真",
    "短波",
    "集锦",
    "扫描",
    "播报",
    "资讯",
    "纵横",
    "视窗",
    "之窗",
    "一线",
)
#: Words of a rubric that say nothing of its theme.
_COMMON = {"工会", "职工", "行动", "活动", "工作", "专题", "专栏", "系列", "报道", "进行时"}


def theme_words(section: str) -> set[str]:
    """The words of ``section`` that name its theme: 夏送清凉 工会行动 → {"清凉"}."""
    words = {w.strip() for w in jieba.lcut(section)}
    return {w for w in words if len(w) >= 2 and w not in _COMMON}


def covers(section: str, titles: list[str]) -> bool:
    """Whether a story whose title lines are ``titles`` is still under ``section``, the
    rubric over the story before it."""
    if section.rstrip().endswith(GENERIC_ENDINGS):
        return True
    words = theme_words(section)
    if not words:
        return True
    text = "".join(titles)
    return any(word in text for word in words)
