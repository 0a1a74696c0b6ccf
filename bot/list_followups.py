"""Follow-ups on an item of the last list: "第三条是什么意思？", "它属于哪个工程？", "最后一条呢？".

The session keeps the last list's items (names, which are the catalogue's and the table's ids) and
the item last talked about; :func:`item_followup` picks the item a follow-up means, and
:func:`answer_item` answers it from the plan's catalogue or table.

>>> item_followup("第三条是什么意思？", ["甲", "乙", "丙"], None)
(2, 'meaning')
>>> item_followup("它属于哪个工程？", ["甲", "乙", "丙"], "丙")
(2, 'parent')
"""

from __future__ import annotations

import re

from bot.compose import Draft, fmt_number
from bot.library import PlanContext
from bot.schemas import TaskOut

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ORDINAL = re.compile(r"(倒数)?第([一二两三四五六七八九十\d]+)(条|项|个|点|款|件|部分)")
_LAST = re.compile(r"最后[1一]?(条|项|个|点|款)|末[1一]?(条|项)")
_FIRST = re.compile(r"(头|首|第)[1一](条|项)")
_PRONOUN = re.compile(r"^(它|它们|这个|这一?[条项个]|该[条项]|那一?[条项个]|这个任务|这项任务|这条任务)|它")
_PARENT = re.compile(r"属于|归属|归哪|哪个(工程|任务|方面)|哪项(工程|任务)|隶属|在哪个")
# A follow-up is short: a longer question that merely contains 第三 is a question of its own.
MAX_FOLLOW_UP_CHARS = 20


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return _CN_DIGITS.get(text, 0)
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0)
    if text.endswith("十"):
        return _CN_DIGITS.get(text[0], 0) * 10
    if "十" in text:
        tens, ones = text.split("十", 1)
        return _CN_DIGITS.get(tens, 0) * 10 + _CN_DIGITS.get(ones, 0)
    return 0


def item_followup(
    question: str, items: list[str], focus: str | None, max_chars: int = MAX_FOLLOW_UP_CHARS
) -> tuple[int, str] | None:
    """(index into ``items``, what is asked: ``meaning`` or ``parent``), or None."""
    if not items or len(question) > max_chars:
        return None
    ask = "parent" if _PARENT.search(question) else "meaning"
    ordinal = _ORDINAL.search(question)
    if ordinal:
        n = _number(ordinal.group(2))
        index = len(items) - n if ordinal.group(1) else n - 1
        return (index, ask) if 0 <= index < len(items) else None
    if _LAST.search(question):
        return len(items) - 1, ask
    if _FIRST.search(question):
        return 0, ask
    if _PRONOUN.search(question):
        if focus in items:
            return items.index(focus), ask
        if len(items) == 1:
            return 0, ask
    return None


_ITEM_WORDS = re.compile(
    r"(倒数)?第[一二两三四五六七八九十\d]+(条|项|个|点|款|件)(指标)?的?|最后[1一]?(条|项|个|点|款)(指标)?的?|"
    r"^(它|这个|这一?[条项个]|该[条项]|那一?[条项个])的?"
)


_TASK_ORDINAL = re.compile(
    r"(倒数)?第([一二两三四五六七八九十\d]+)(项|个|大)?(工程|任务|重点任务|主要任务)|最后[1一]?(项|个)?(工程|任务)"
)


def names_a_task(question: str) -> bool:
    """The question points at a main task by position ("第六项工程", "最后一个工程")."""
    return bool(_TASK_ORDINAL.search(question))


def task_ordinal(question: str, count: int) -> int | None:
    """"第六项工程有几项子任务" → 5, "最后一个工程呢" → count − 1: an index into the plan's task list."""
    m = _TASK_ORDINAL.search(question)
    if m is None:
        return None
    if m.group(2) is None:
        return count - 1 if count else None
    n = _number(m.group(2))
    index = count - n if m.group(1) else n - 1
    return index if 0 <= index < count else None


def item_named(question: str, name: str) -> str:
    """The follow-up with the item's words replaced by its name: "第五个的增速" → "<name>的增速".

    >>> item_named("第五个的年均增速是多少", "网络零售额")
    '网络零售额年均增速是多少'
    """
    return _ITEM_WORDS.sub(name, question, count=1)


MAX_QUOTE_CHARS = 240
_NEXT_ITEM = re.compile(r"[一二三四五六七八九十]+是|[（(][一二三四五六七八九十\d]+[）)]|(?<![\d.])\d+[.、．](?!\d)")


def _passage(text: str, name: str) -> str:
    """The plan's own words about an item: its sentence(s) from the item's name on, when they say more.

    An enumeration that only lists names ("包括A、B、C等3项子任务") says nothing more and is left out.
    """
    at = text.find(name)
    if at < 0:
        return ""
    quote = text[at:].strip()
    following = _NEXT_ITEM.search(quote, len(name))
    quote = quote[: following.start()].rstrip("，,；;、") if following else quote
    rest = re.sub(r"[、，,。；;\s]|等\d+项.*", "", quote[len(name) :])
    if len(rest) < 12:
        return ""
    return quote if len(quote) <= MAX_QUOTE_CHARS else quote[:MAX_QUOTE_CHARS] + "…"


def answer_item(ctx: PlanContext, kind: str, name: str, ask: str, position: int) -> Draft:
    """Answer a follow-up on list item ``name`` (a sub-task, main task, safeguard or indicator)."""
    plan = ctx.info.display
    cat = ctx.catalogue
    which = f"第{position + 1}项"
    if kind == "subtasks":
        st = cat.get(name)
        if ask == "parent":
            lead = f"“{st.name}”属于{plan}的第{st.task_ordinal or ''}项主要任务“**{st.task}**”。"
            lead = lead.replace("第项", "")
            body: list[str] = []
        else:
            lead = f"{which}“**{st.name}**”是“{st.task}”的子任务之一。"
            body = []
            if st.text:
                body.append(f"规划原文：{st.text}")
            elif _passage(st.citation.text, st.name):
                body.append(f"规划原文：{_passage(st.citation.text, st.name)}")
            if st.activities:
                body.append("主要涉及（本助手据规划内容归纳）：" + "；".join(st.activities) + "。")
            if st.indicators:
                body.append("相关指标：" + "、".join(st.indicators) + "。")
        out = TaskOut(task=st.task, subtask=st.name, score=1.0, why="上一条回答所列的子任务", plan=ctx.id,
                      plan_title=ctx.info.title)
        cites = ctx.finder.cite(st.citation.text[:30])
        return Draft(intent="list", lead=lead, body=body, tasks=[out], citations=cites, topic=st.task,
                     focus=st.name)
    if kind == "tasks":
        task = cat.task(name)
        names = "、".join(s.name for s in task.subtasks)
        lead = f"{which}“**{task.name}**”包括{names}等{len(task.subtasks)}项子任务。"
        quoted = _passage(task.citation.text, task.name)
        # Its sub-tasks become the list ("第三条是什么意思"); "最后一个工程" still means a task (task_ordinal).
        return Draft(intent="list", lead=lead, body=[f"规划原文：{quoted}"] if quoted else [],
                     citations=ctx.finder.cite(task.citation.text[:30]), topic=task.name,
                     focus=task.name, items=[s.name for s in task.subtasks], list_kind="subtasks")
    if kind == "safeguards":
        guard = next(g for g in cat.safeguards if g.name == name)
        lead = f"{which}保障措施是“**{guard.name}**”。"
        quoted = _passage(guard.citation.text, guard.name)
        body = [f"规划原文：{quoted}"] if quoted else []
        body += [f"说明（本助手归纳）：{guard.note}"] if guard.note else []
        return Draft(intent="list", lead=lead, body=body, citations=ctx.finder.cite(guard.citation.text[:20]),
                     topic="保障措施", focus=guard.name)
    ind = ctx.table.get(name)
    lead = (
        f"{which}指标“**{ind.name}**”属于“{ind.category}”类：{ind.base_year}年{fmt_number(ind.base_value)}{ind.unit}，"
        f"{ind.target_year}年目标{fmt_number(ind.target_value)}{ind.unit}{ind.qualifier_text}。"
    )
    return Draft(intent="indicator", lead=lead, citations=ctx.finder.cite(ind.label), indicator=ind.name,
                 focus=ind.name)
