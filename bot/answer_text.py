"""Answers from the plan's text and structure: passages, lists, enterprise matches, refusals."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.compose import Draft, citation, dedupe_citations, refusal
from bot.passages import PassageReader, split_sentences
from bot.schemas import Citation, TaskOut
from corpus.catalogue.loader import TaskCatalogue
from corpus.types import Chunk, Hit
from indicators.catalog import IndicatorTable

MAX_CONTEXT_CHARS = 400
# Below this share of the question's topic words in the best passage, the plan does not answer it
# (weather, metro, GDP growth …). Measured on dev + corpus/eval/chat_extended.jsonl: every question the
# plan does not cover scored ≤ 0.19, every answerable Chinese question but one scored ≥ 0.25.
MIN_TOPIC_COVERAGE = 0.2


class ChunkFinder:
    """Finds the smallest chunk that contains a given text (for citing structured answers)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self._chunks = sorted(chunks, key=lambda c: len(c.text))

    def find(self, text: str) -> Chunk | None:
        for chunk in self._chunks:
            if text in chunk.text:
                return chunk
        return None

    def cite(self, *texts: str) -> list[Citation]:
        found = [c for c in (self.find(t) for t in texts) if c is not None]
        return dedupe_citations(citation(c, 1.0) for c in found)


def answer_passage(
    question: str,
    hits: Sequence[Hit],
    reader: PassageReader,
    max_citations: int = 3,
    expanded: str | None = None,
    plan_name: str = "《规划》",
    topic_question: str | None = None,
) -> Draft:
    """Extractive answer: the best sentence(s) of the retrieved passages, then the passages.

    `expanded` is the question with synonyms appended (used for scoring, not for the coverage check);
    `topic_question` is the question without words about the document or the asker (coverage check).
    """
    uncovered = reader.uncovered_terms(topic_question or question)
    if uncovered:
        return refusal("、".join(uncovered[:3]), plans=plan_name)
    if not hits:
        return refusal(None, plans=plan_name)
    best = reader.best_sentences(expanded or question, hits, limit=2)
    if not best or best[0].score < 2.0 or best[0].coverage < MIN_TOPIC_COVERAGE:
        draft = Draft(
            intent="passage",
            lead=f"{plan_name}中未找到直接回答该问题的内容，以下是最相关的段落，供参考。",
            citations=[citation(h.chunk, h.score) for h in hits[:max_citations]],
        )
        return draft
    lead = best[0].text
    body = []
    context = best[0].chunk.text
    if context.strip() != lead and len(context) <= MAX_CONTEXT_CHARS:
        # The whole (short) passage around the best sentence: answers often span two sentences.
        body.append("> " + context.replace("\n", "\n> "))
    if len(best) > 1 and best[1].score >= 0.6 * best[0].score and best[1].text not in context:
        body.append(best[1].text)
    cited = [citation(s.chunk, next((h.score for h in hits if h.chunk.id == s.chunk.id), 0.0)) for s in best]
    cited += [citation(h.chunk, h.score) for h in hits]
    return Draft(
        intent="passage",
        lead=f"据{source_name(best[0].chunk, plan_name)}：{lead}",
        body=body,
        citations=dedupe_citations(cited)[:max_citations],
        topic=best[0].chunk.section,
    )


_DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日")
_TITLE = re.compile(r"《[^《》]{2,60}》")


def _leaves(chunks: Sequence[Chunk]) -> list[Chunk]:
    leaves = [c for c in chunks if c.metadata.get("leaf", True) and c.kind != "table_row"]
    return sorted(leaves, key=lambda c: (c.source, c.start))


def answer_timeline(chunks: Sequence[Chunk], plan_name: str = "《规划》") -> Draft | None:
    """Every dated sentence of the drafting-process section(s), in document order."""
    leaves = _leaves(chunks)
    scoped = [c for c in leaves if "过程" in c.section or "经过" in c.section] or leaves
    lines: list[str] = []
    used: list[Chunk] = []
    for chunk in scoped:
        dated = [s for s in split_sentences(chunk.text) if _DATE.search(s)]
        if dated:
            used.append(chunk)
            lines += [f"- {s}" for s in dated if f"- {s}" not in lines]
    if not lines:
        return None
    return Draft(
        intent="list",
        lead=f"{plan_name}起草过程的时间节点（共{len(lines)}条，按文中顺序）：",
        body=lines,
        citations=[citation(c, 1.0) for c in used[:4]],
        topic="起草过程",
    )


def answer_basis_documents(chunks: Sequence[Chunk], plan_name: str = "《规划》", plan_title: str = "") -> Draft | None:
    """The documents the drafting note names as its background and basis, in order of mention."""
    leaves = _leaves(chunks)
    scoped = [c for c in leaves if "依据" in c.section or "背景" in c.section]
    titles: list[str] = []
    for chunk in scoped:
        # The plan itself (《规划》 or its full title) is not one of its own bases.
        titles += [
            t for t in _TITLE.findall(chunk.text)
            if t not in titles and len(t) > 4 and not (plan_title and plan_title in t)
        ]
    if not titles:
        return None
    return Draft(
        intent="list",
        lead=f"{plan_name}的起草背景及依据涉及以下{len(titles)}份文件：",
        body=[f"{i}. {t}" for i, t in enumerate(titles, 1)],
        citations=[citation(c, 1.0) for c in scoped[:3]],
        topic="起草依据",
    )


def source_name(chunk: Chunk, plan_name: str) -> str:
    """How an answer names where a passage comes from: the plan, or the document about it.

    A document whose title is the plan's (or is a note on it, 关于《…》的起草说明) is named by that title.
    """
    title = str(chunk.metadata.get("doc_title") or "")
    if not title or title.strip("《》") == plan_name.strip("《》"):
        return plan_name
    return title if "《" in title else f"《{title}》"


def _tasks_lead(catalogue: TaskCatalogue, plan_name: str) -> str:
    n_tasks, n_sub = len(catalogue.tasks), len(catalogue.subtasks)
    declared = ""
    if catalogue.declared_tasks and catalogue.declared_subtasks:
        declared = f"提出{catalogue.declared_tasks}大任务和{catalogue.declared_subtasks}项子任务，"
    return f"{plan_name}{declared}{n_tasks}项主要任务如下（共{n_sub}项子任务）："


_NUMBERING = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*")
_ASKS_CONTENT = re.compile(r"包括|包含|哪些|哪几|什么|内容|讲|介绍|说了|组成|有几")
MAX_SECTION_CHARS = 600


def section_index(chunks: Sequence[Chunk]) -> dict[str, Chunk]:
    """Heading title (numbering removed, e.g. 总体要求) → the chunk holding that whole section.

    Only sections short enough to quote whole are kept; the heading path's last part names them.
    """
    by_section: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_section.setdefault(chunk.section, []).append(chunk)
    out: dict[str, Chunk] = {}
    for section, members in by_section.items():
        title = _NUMBERING.sub("", section.split(" > ")[-1]).strip()
        whole = next((c for c in members if c.kind == "section"), None)
        leaves = [c for c in members if c.metadata.get("leaf", True) and c.kind != "table_row"]
        quoted = whole or (leaves[0] if len(leaves) == 1 else None)
        if len(title) >= 2 and quoted is not None and len(quoted.text) <= MAX_SECTION_CHARS:
            out[title] = quoted
    return out


def answer_section(question: str, sections: dict[str, Chunk], plan_name: str = "《规划》") -> Draft | None:
    """ "总体要求包括哪几部分？": quote the section the question names, whole."""
    if not _ASKS_CONTENT.search(question):
        return None
    named = [t for t in sections if t in question]
    if not named:
        return None
    title = max(named, key=len)
    chunk = sections[title]
    return Draft(
        intent="passage",
        lead=f"据{source_name(chunk, plan_name)}，“{title}”部分的内容如下：",
        body=["> " + chunk.text.replace("\n", "\n> ")],
        citations=[citation(chunk, 1.0)],
        topic=title,
    )


def answer_tasks(catalogue: TaskCatalogue, finder: ChunkFinder, plan_name: str = "《规划》") -> Draft:
    lines = [
        f"{t.ordinal}. **{t.name}**（{len(t.subtasks)}项子任务：{'、'.join(s.name for s in t.subtasks)}）"
        for t in catalogue.tasks
    ]
    return Draft(
        intent="list",
        lead=_tasks_lead(catalogue, plan_name),
        body=lines,
        citations=finder.cite(*(t.citation.text[:20] for t in catalogue.tasks[:2])),
        topic="主要任务",
        items=[t.name for t in catalogue.tasks],
        list_kind="tasks",
    )


def answer_subtasks(
    catalogue: TaskCatalogue, task_name: str | None, finder: ChunkFinder, plan_name: str = "《规划》"
) -> Draft:
    if task_name is None:
        body = []
        for t in catalogue.tasks:
            body.append(f"**{t.ordinal}. {t.name}**")
            body += [f"   - {s.name}" for s in t.subtasks]
        return Draft(
            intent="list",
            lead=f"{plan_name}共有{len(catalogue.subtasks)}项子任务，分属{len(catalogue.tasks)}项主要任务：",
            body=body,
            citations=finder.cite(*(t.citation.text[:20] for t in catalogue.tasks[:2])),
            topic="主要任务",
            items=[s.name for s in catalogue.subtasks],
            list_kind="subtasks",
        )
    task = catalogue.task(task_name)
    names = [s.name for s in task.subtasks]
    return Draft(
        intent="list",
        lead=f"{task.name}包括{'、'.join(names)}等{len(names)}项子任务：",
        body=[f"{i}. {n}" for i, n in enumerate(names, 1)],
        citations=finder.cite(task.citation.text[:30]),
        topic=task.name,
        items=names,
        list_kind="subtasks",
    )


def answer_safeguards(catalogue: TaskCatalogue, finder: ChunkFinder, plan_name: str = "《规划》") -> Draft:
    names = [s.name for s in catalogue.safeguards]
    return Draft(
        intent="list",
        lead=f"{plan_name}的保障措施主要包括{len(names)}方面：{'、'.join(names)}。",
        body=[f"{i}. {n}" for i, n in enumerate(names, 1)],
        citations=finder.cite(catalogue.safeguards[0].citation.text[:20]) if names else [],
        topic="保障措施",
        items=names,
        list_kind="safeguards",
    )


def answer_indicator_list(table: IndicatorTable, finder: ChunkFinder, plan_name: str = "《规划》") -> Draft:
    body: list[str] = []
    category = None
    for ind in table.indicators:
        if ind.category != category:
            category = ind.category
            body.append(f"**{category}**")
        unit = f"（{ind.unit}）" if ind.unit else ""
        body.append(
            f"   - {ind.name}{unit}：{ind.base_year}年{ind.base_value:g} → {ind.target_year}年{ind.target_text}"
        )
    notes = []
    lead = f"{plan_name}的指标表列出{len(table)}项主要指标："
    if table.declared_count and table.declared_count != len(table):
        notes.append(
            f"正文称“{table.declared_count}项主要指标”，但指标表只列出{len(table)}项，两者不一致。"
        )
        lead = f"{plan_name}正文称{table.declared_count}项主要指标，指标表实际列出{len(table)}项："
    return Draft(
        intent="list",
        lead=lead,
        body=body,
        notes=notes,
        citations=finder.cite("主要发展指标", "主要目标测算表"),
        topic="主要指标",
        items=[i.name for i in table.indicators],
        list_kind="indicators",
    )


def answer_match(
    profile: str,
    result: object,
    tasks: list[TaskOut],
    catalogue: TaskCatalogue,
    finder: ChunkFinder,
    plan_name: str = "《规划》",
) -> Draft:
    confident = bool(getattr(result, "confident", True)) and bool(tasks)
    body = []
    for i, t in enumerate(tasks, 1):
        line = f"{i}. **{t.subtask}**（{t.task}）：{t.why}"
        if t.indicators:
            line += f"；相关指标：{'、'.join(t.indicators)}"
        body.append(line)
    if confident:
        lead = f"{plan_name}中与贵单位最相关的子任务如下（按相关度排序）："
        notes = ["匹配理由与相关指标由本助手根据规划内容归纳，子任务名称与出处为规划原文。"]
    else:
        lead = f"{plan_name}没有专门针对贵单位所在行业的任务；以下是最接近的候选，相关性较弱，仅供参考："
        notes = [f"{plan_name}的{len(catalogue.tasks)}项主要任务（{'、'.join(t.name for t in catalogue.tasks[:8])}）"
                 "未专门针对该行业。"]
    cites = []
    for t in tasks[:3]:
        try:
            cites += finder.cite(catalogue.task(t.task).citation.text[:30])
        except KeyError:
            continue
    return Draft(
        intent="task_match",
        lead=lead,
        body=body,
        notes=notes,
        tasks=tasks,
        citations=dedupe_citations(cites),
        topic=tasks[0].task if tasks else None,
        items=[t.subtask for t in tasks],
        list_kind="subtasks",
    )
