"""Answers about a plan's document itself: what a chapter contains, who issued it and when.

>>> chapter_key("第三章有哪几节？")
'第三章'
>>> asks_issuer("规划是哪个部门编的？"), asks_issuer("合法性审查是哪个部门做的"), asks_issuer("编制单位是怎么确定的？")
(True, False, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answer_text import ChunkFinder
from bot.compose import Draft, citation
from corpus.plans.model import PlanInfo
from corpus.types import Chunk

_CHAPTER = re.compile(r"(第[一二三四五六七八九十\d]+[章篇部分节])")
_ASKS_PARTS = re.compile(r"哪几节|哪些节|几节|哪几部分|哪些部分|包括哪些|有哪些|包含|分为|讲了什么|讲什么|内容")
_ISSUER = re.compile(
    r"(哪个|什么|哪家|哪一个)(部门|单位|机构|机关)|谁(编|起草|制定|发布|印发|出台|牵头)|"
    r"(编制|起草|制定|发布|印发|出台)(单位|部门|机关)|由谁|发文(单位|机关)"
)
_WHEN = re.compile(r"什么时候|何时|哪年|哪一年|几月|日期|时间")


def chapter_key(question: str) -> str | None:
    """The chapter a question asks about ("第三章"), when it asks what the chapter holds."""
    found = _CHAPTER.search(question)
    return found.group(1) if found and _ASKS_PARTS.search(question) else None


_ISSUER_FILLER = re.compile(
    r"[\W_]|是|的|了|吗|呢|由|哪个|哪家|什么|谁|发布|印发|编制|起草|制定|出台|编|写|做|出|发|这份|该|本|规划|方案|文件|"
    r"计划|纲要|请问|时间|何时|什么时候"
)


def asks_issuer(question: str) -> bool:
    """Who made the plan itself — not who did something the plan mentions (合法性审查是哪个部门做的)."""
    if not _ISSUER.search(question):
        return False
    return not _ISSUER_FILLER.sub("", _ISSUER.sub("", question))


def answer_chapter(key: str, chunks: Sequence[Chunk], plan_name: str) -> Draft | None:
    """The headings directly below the chapter ``key`` ("第三章 主要任务" → its 第一节…第N节), in order."""
    first: dict[str, int] = {}
    for c in chunks:
        if c.section:
            first[c.section] = min(first.get(c.section, c.start), c.start)
    paths = sorted(first, key=first.__getitem__)
    parts = [p.split(" > ") for p in paths]
    chapter = next((p[: p.index(h) + 1] for p in parts for h in p if h.startswith(key)), None)
    if chapter is None:
        return None
    depth = len(chapter)
    children = list(dict.fromkeys(p[depth] for p in parts if len(p) > depth and p[:depth] == chapter))
    if not children:
        return None
    cited = [c for c in chunks if c.section.startswith(" > ".join(chapter))][:2]
    return Draft(
        intent="list",
        lead=f"{plan_name}“{chapter[-1]}”下设{len(children)}个部分：{'、'.join(children)}。",
        body=[f"{i}. {c}" for i, c in enumerate(children, 1)],
        citations=[citation(c, 1.0) for c in cited],
        topic=chapter[-1],
    )


def answer_issuer(question: str, info: PlanInfo, finder: ChunkFinder) -> Draft | None:
    """Who issued the plan (and when), from its metadata, cited where the document says so."""
    if not info.issuer:
        return None
    when = f"，时间为{info.date}" if info.date else ""
    lead = f"{info.display}的编制（发布）单位是{info.issuer}{when}。"
    if _WHEN.search(question) and info.date:
        lead = f"{info.display}由{info.issuer}编制，时间为{info.date}。"
    return Draft(intent="passage", lead=lead, citations=finder.cite(info.issuer), topic="编制单位")


def answer_empty_task(task_name: str, sections: dict[str, Chunk], plan_name: str) -> Draft | None:
    """A task whose items the structure reader could not list: quote its section instead."""
    chunk = next((c for title, c in sections.items() if task_name in title or title in task_name), None)
    if chunk is None:
        return None
    return Draft(
        intent="passage",
        lead=f"{plan_name}中“{task_name}”的内容如下：",
        body=["> " + chunk.text.replace("\n", "\n> ")],
        citations=[citation(chunk, 1.0)],
        topic=task_name,
    )
