"""Which plan(s) a question is about: decided once, in understanding, and carried to every later step.

Sources, in order: the request's ``plan`` field; plans the question names (title, short title,
region, sidecar aliases, level words such as 省里/国家); the session's last plan; the deployment's
default plan; otherwise every loaded plan (the answer is then given per plan, or clarified).

>>> from corpus.plans.model import PlanInfo
>>> plans = [PlanInfo(id="a-city", title="甲市数字经济规划", region="甲市", level="市", mentions=("甲市", "甲")),
...          PlanInfo(id="b-city", title="乙市数字经济规划", region="乙市", level="市", mentions=("乙市", "乙"))]
>>> s = decide_scope("乙市的5G基站目标", plans, default="a-city")
>>> s.plan_ids, s.source, s.question
(('b-city',), 'question', '5G基站目标')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from corpus.plans.meta import topic_words
from corpus.plans.model import PlanInfo

_QUOTES_RE = re.compile(r"[“”\"'‘’「」《》]")

ScopeSource = Literal["request", "question", "session", "default", "all"]

# Words that ask to compare or rank plans against each other.
_CROSS = re.compile(
    r"哪个(城市|地区|市|省|县|区|地方|规划)|哪(座|些)城市|哪份规划|各(个)?(规划|地|市|城市|地区)|所有规划|"
    r"(两|几|多)(个|份)?(规划|城市|地|市)|对比|相比|比较|谁(更|的)|分别"
)
# Level words that name a plan by its level when only one plan of that level is loaded.
_LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "省": ("省里", "全省", "省级", "省的", "provincial", "province's"),
    "国家": ("国家级", "国家层面", "全国", "national"),
}
# What is left of a follow-up that only names another plan: "那丽水呢？", "换成国家规划".
_SWITCH_FILLER = re.compile(
    r"[那么呢吧吗？?。，,！!的\s]|换成|改成|换到|切换到|看看|再看|规划|方案|的呢|如何|怎么样|what about|and"
)


@dataclass(frozen=True)
class Scope:
    """The plans in scope and why; ``question`` has the plan's own name removed."""

    plan_ids: tuple[str, ...]
    source: ScopeSource
    question: str
    named: tuple[str, ...] = ()
    cross: bool = False
    switched: bool = False

    @property
    def single(self) -> str | None:
        return self.plan_ids[0] if len(self.plan_ids) == 1 else None


# A plan's subject words name it on their own when they are this long (制造业数字化转型, 数字政府建设);
# shorter ones (数字经济) are shared by too many plans and too many questions.
MIN_TOPIC_MENTION = 5
# Left after a plan's name: "丽水规划中…", "省方案里…".
_AFTER_NAME = re.compile(r"^(?:规划|方案|计划|纲要)?(?:中|里|内|上|的)?")


def _mention_table(plans: Sequence[PlanInfo]) -> list[tuple[str, str]]:
    """(mention, plan id), longest mention first; the display title and the bare title included.

    A mention "省" (the one province-level plan) counts only when the plan's title words follow it
    (省制造业方案), see `find_mentions`.
    """
    pairs = []
    for plan in plans:
        topic = topic_words(plan.title, plan.region)
        extra = [topic] if len(topic) >= MIN_TOPIC_MENTION else []
        for mention in {plan.title, plan.display, plan.short_title, *plan.mentions, *extra}:
            if mention and len(mention) >= 2:
                pairs.append((mention, plan.id))
    by_level: dict[str, list[PlanInfo]] = {}
    for plan in plans:
        by_level.setdefault(plan.level, []).append(plan)
    for level, words in _LEVEL_WORDS.items():
        if len(by_level.get(level, [])) == 1:
            pairs += [(w, by_level[level][0].id) for w in (*words, level)]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


def _title_extension(question: str, end: int, title: str) -> int:
    """How far the words after a mention continue the plan's own title (丽水|数字经济规划, 浙江|制造业…方案)."""
    bare = _QUOTES_RE.sub("", title)
    length = 0
    for size in range(2, len(question) - end + 1):
        if question[end : end + size] in bare:
            length = size
        else:
            break
    tail = _AFTER_NAME.match(question[end + length :])
    return length + (tail.end() if tail else 0)


def find_mentions(
    question: str, plans: Sequence[PlanInfo], protected: Iterable[str] = ()
) -> tuple[list[str], list[tuple[int, int]]]:
    """Plan ids named in ``question`` (in order of appearance) and the spans that named them.

    ``protected`` are terms a mention must not be cut out of (indicator names such as
    数字经济核心产业国家高新技术企业, which contains 国家).
    """
    blocked = [0] * (len(question) + 1)
    for term in protected:
        if len(term) >= 3 and term in question:  # the substring test first: most terms are absent
            for m in re.finditer(re.escape(term), question):
                for i in range(m.start(), m.end()):
                    blocked[i] = 1
    taken = [0] * len(question)
    hits: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    region_hits: dict[tuple[int, int], list[str]] = {}
    titles = {p.id: p.title for p in plans}
    for mention, plan_id in _mention_table(plans):
        if mention not in question:
            continue
        for m in re.finditer(re.escape(mention), question):
            span = range(m.start(), m.end())
            if any(blocked[i] for i in span):
                continue
            grown = _title_extension(question, m.end(), titles[plan_id])
            if len(mention) == 1 and grown < 2:
                continue  # a lone level word (省) names a plan only when its title words follow
            if not any(taken[i] for i in span):
                spans.append((m.end(), m.end() + grown))
            if any(taken[i] for i in span):
                # The same words name several plans (two plans of one city): keep them all for now.
                region_hits.setdefault((m.start(), m.end()), []).append(plan_id)
                continue
            for i in span:
                taken[i] = 1
            hits.append((m.start(), plan_id))
            spans.append((m.start(), m.end()))
            region_hits.setdefault((m.start(), m.end()), []).append(plan_id)
    ids: list[str] = []
    for start, plan_id in sorted(hits):
        shared = next((v for (s, _e), v in region_hits.items() if s == start), [plan_id])
        for pid in shared:
            if pid not in ids:
                ids.append(pid)
    return ids, spans


def _narrow_by_topic(question: str, ids: list[str], plans: Sequence[PlanInfo]) -> list[str]:
    """Two plans of one region named by the region alone: keep those whose subject words the question uses."""
    if len(ids) < 2:
        return ids
    by_id = {p.id: p for p in plans}
    regions = {by_id[i].region for i in ids}
    if len(regions) != 1:
        return ids
    fitting = []
    for plan_id in ids:
        topic = topic_words(by_id[plan_id].title, by_id[plan_id].region)
        words = [topic[i : i + 2] for i in range(0, max(len(topic) - 1, 1), 2)]
        if topic and (topic in question or sum(w in question for w in words) >= max(1, len(words) // 2)):
            fitting.append(plan_id)
    return fitting or ids


def _strip(question: str, spans: Sequence[tuple[int, int]]) -> str:
    out = list(question)
    for start, end in spans:
        for i in range(start, end):
            out[i] = ""
    text = "".join(out)
    # "《》中", "规划中" left behind by a removed title are not part of the question.
    return re.sub(r"^(?:《》|中|里|的规划中|规划中|规划里)+", "", text).strip() or text.strip()


def decide_scope(
    question: str,
    plans: Sequence[PlanInfo],
    *,
    requested: str | None = None,
    session_plan: str | None = None,
    default: str | None = None,
    protected: Iterable[str] = (),
) -> Scope:
    """Decide the plans in scope (see the module docstring). ``requested`` must be a loaded plan id."""
    ids, spans = find_mentions(question, plans, protected)
    ids = _narrow_by_topic(question, ids, plans)
    cleaned = _strip(question, spans) if spans else question
    cross = bool(_CROSS.search(question)) and (len(ids) != 1) and len(plans) > 1
    switched = bool(spans) and not _SWITCH_FILLER.sub("", cleaned)
    known = {p.id for p in plans}
    if requested:
        return Scope((requested,), "request", cleaned, tuple(ids), False, switched)
    if len(ids) >= 2:
        return Scope(tuple(ids), "question", cleaned, tuple(ids), True, switched)
    if ids:
        return Scope((ids[0],), "question", cleaned, tuple(ids), False, switched)
    if cross:
        return Scope(tuple(p.id for p in plans), "all", cleaned, (), True, False)
    if session_plan and session_plan in known:
        return Scope((session_plan,), "session", cleaned)
    if default and default in known:
        return Scope((default,), "default", cleaned)
    return Scope(tuple(p.id for p in plans), "all", cleaned)
