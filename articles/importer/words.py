"""Words that cannot be part of a name, shared by the union and event finders.

Union and event names in news copy follow a preposition, a verb or a time word
(记者近日从北京市建筑工会了解到; 会同市工业（国防）工会; 在综合考虑物业管理中心工会…). A name
found by reading back from 工会 or 大赛 starts after the last such word.
"""

import re

#: Words that cannot start a name: when the text before 工会 holds one of these, the
#: name starts after it. Prepositions, conjunctions, verbs that take an organisation as object,
#: and time words, as they occur before union names in news copy.
STOP_WORDS = frozenset(
    """
    由 从 在 向 与 和 及 以及 对 为 把 被 让 给 将 同 跟 据 于 至 到 经由 并 或 而 但 也 还 又 是
    了 的 地 得 着 过 等 中 上 下 后 前 时 里 内
    会同 联合 携手 联手 协同 邀请 组织 推进 参加 参与 考虑 综合考虑 走进 看望 慰问 依托 通过
    发挥 支持 带领 指导 了解 召开 成立 表示 介绍 指出 获得 授予 举办 开展 承办 主办 协办
    牵头 号召 要求 希望 鼓励 推动 促进 加强 引导 督促 帮助 服务 成为 作为 担任 当选 来自
    具有 具备 加入 申请 设立 建立 健全 完善 落实 实施 启动 发布 印发 制定 出台 部署 召集 针对
    近日 日前 目前 今年 去年 昨天 今天 当天 近年来 近年 以来 此外 同时 其中 随后 最终 此次 本次
    贡献 展现 彰显 做好 凝聚 汇聚 激发 释放 年 年度
    """.split()
)

#: Words that make what follows generic: 各级工会, 该公司工会, 全系统工会, 其所属工会.
DETERMINERS = frozenset(
    "各 各级 各类 该 本 其 此 这 那 全 全体 全系统 全市 全区 全国 所属 所在 有关 相关 上级 下属 "
    "广大 多家 部分 每个 任何 某".split()
)

#: Part-of-speech tags (jieba) of words that are not part of a name when two or more
#: characters long: verbs, adverbs, prepositions, conjunctions, pronouns, particles, time.
NON_NAME_TAGS = frozenset({"v", "vd", "d", "p", "c", "r", "u", "uj", "ul", "uz", "ug", "t", "f"})
THIS_ONE = frozenset({"本校", "本单位", "本公司", "本市", "本区", "本学期", "本届", "本次", "本级"})
YEAR_RE = re.compile(r"^[\d０-９]{2,4}年(?:度)?$|^[\d０-９]+月$")


def breaks_name(word: str, flag: str) -> bool:
    """Whether a word cannot be inside a union name, so that the name starts after it."""
    if word in STOP_WORDS or is_determiner(word) or YEAR_RE.match(word):
        return True
    return len(word) >= 2 and flag in NON_NAME_TAGS


def is_determiner(word: str) -> bool:
    """该 各 其 … and the words they start (该校, 该区, 各街镇): what follows is generic."""
    return word in DETERMINERS or word[0] in "该各此这那其某" or word in THIS_ONE
