"""Suggesting topics (话题) for a story from a curated vocabulary.

The vocabulary is the desk's topic list (DESIGN.md, "Topics"), each with the words that signal
it in copy. A topic is suggested when a signal word is in the title block, or appears at least
twice in the body: a single passing mention in a long story is not what it is about.
"""

TOPIC_SIGNALS: dict[str, tuple[str, ...]] = {
    "产业工人队伍建设改革": ("产业工人队伍建设改革", "产改"),
    "劳模工匠": ("劳模", "劳动模范", "工匠", "劳动奖章"),
    "技能竞赛": ("技能竞赛", "技能大赛", "职业技能大赛", "劳动和技能竞赛", "劳动竞赛", "技能比武"),
    "夏送清凉": ("送清凉", "防暑降温", "清凉"),
    "送温暖": ("送温暖",),
    "婚恋交友": ("单身", "交友", "婚恋", "联谊"),
    "新就业形态劳动者": ("新就业形态",),
    "职工教育": ("培训班", "学历提升", "学历资助", "教育培训", "专题培训"),
    "乡村振兴": ("乡村振兴",),
    "职工文化": ("诗歌朗诵", "书画展", "文艺汇演", "健步行", "微电影", "朗诵"),
    "职工健康": ("健康", "健身", "漫步"),
    "疗休养": ("疗休养",),
    "工会干部": ("工会主席", "工会干部"),
}

BODY_THRESHOLD = 2


def suggest_topics(titles: list[str], paragraphs: list[str]) -> list[str]:
    """Topics for a story, in vocabulary order. ``titles`` are its title-block lines."""
    title_text = "".join(titles)
    body_text = "".join(paragraphs)
    topics = []
    for topic, signals in TOPIC_SIGNALS.items():
        in_title = any(s in title_text for s in signals)
        in_body = sum(body_text.count(s) for s in signals)
        if in_title or in_body >= BODY_THRESHOLD:
            topics.append(topic)
    return topics
