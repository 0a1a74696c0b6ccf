"""A plan's tasks, sub-tasks and safeguards read from its text's structure (pure: text → catalogue).

>>> cat = derive_catalogue(
...     "三、主要内容\\n（四）主要任务。提出2大任务和3项子任务。"
...     "一是甲产业工程。包括培育芯片产业、发展软件业等2项子任务。二是乙服务工程。包括建设物流枢纽等1项子任务。"
...     "\\n（五）保障措施。一是加强组织领导，二是强化资金保障。",
...     source="plan.txt")
>>> [t.name for t in cat.tasks], [st.name for st in cat.subtasks]
(['甲产业工程', '乙服务工程'], ['培育芯片产业', '发展软件业', '建设物流枢纽'])
>>> cat.declared_tasks, cat.declared_subtasks, [s.name for s in cat.safeguards]
(2, 3, ['加强组织领导', '强化资金保障'])
>>> cat.subtasks[0].citation.section, cat.subtasks[0].authored_by
('三、主要内容 > （四）主要任务', 'derived')

Rules, in order (the outline itself is read by :mod:`corpus.catalogue.outline`):

1. **Task section**: the shallowest (then first) heading whose name contains a ``task_sections``
   word of ``structure_words.yaml`` (主要任务, 重点任务 …). Its tasks are, by the first rule that finds
   any: its child headings/items (not boxes); the ``一是……二是……`` items of its own text, in one
   paragraph or one per paragraph (name = the words after 是 up to the first punctuation:
   ``一是X工程。包括…``); a ``包括A、B、C等N项`` list.
2. **Full plan without a (usable) task section**: at the document's top level (the first level with more than
   one heading), the headings after the last preamble section (a name starting or ending with a
   ``preamble_sections`` word: 总体要求, 发展目标 …) and before a safeguards section are task areas
   (每章一项任务). Both neighbours must exist; otherwise the plan has no recognisable tasks and the
   catalogue is empty.
3. **Sub-tasks of a task**, by the first rule that finds any: its child headings/items (not boxes);
   ``一是……`` items of its own text; a ``包括A、B等N项…`` list (in its heading line or its text). Then
   the entries of every 专栏 box directly under it (child items, or lines ``X工程：…`` whose name ends
   with a ``box_entry_suffixes`` word) are added as further sub-tasks.
4. **Safeguards**: the shallowest heading outside the tasks whose name contains a
   ``safeguard_sections`` word; its children, else its ``一是……`` items, else its ``包括…等N项`` list.
5. **Counts**: ``N大任务`` / ``N项子任务`` in the task section's own text before its first task are
   the declared totals, ``等N项`` of a task's list its declared sub-tasks; 0 means "not stated".
6. **Citations**: section = the heading path where the element is written (a heading-defined element's
   path ends with its own heading); text and offsets = its heading line and own paragraphs, the
   enumeration item that names it, or for a listed sub-task the item/paragraph that lists it.

Keywords of every sub-task are derived by :func:`corpus.catalogue.keywords.derive_keywords`
(``authored_by="derived"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from corpus.catalogue.keywords import derive_keywords
from corpus.catalogue.loader import MainTask, Safeguard, SubTask, TaskCatalogue, TaskCitation
from corpus.catalogue.outline import OutlineNode, read_outline
from corpus.chunking import chinese_to_int, enumeration_items

WORDS_PATH = Path(__file__).with_name("structure_words.yaml")
_NUM = r"[\d一二三四五六七八九十两]+"
_ENUM_ITEM_RE = re.compile(rf"^{_NUM}是(.+?)(?:[。；;：:，,]|$)")
_LIST_RE = re.compile(rf"包括(.+)等\s*({_NUM})\s*项")
_DECLARED_TASKS_RE = re.compile(rf"({_NUM})\s*(?:大|项|个方面)(?:主要|重点)?任务")
_DECLARED_SUBTASKS_RE = re.compile(rf"({_NUM})\s*项子任务")
MAX_TEXT = 400  # characters of a sub-task's own text kept for matching


@dataclass(frozen=True)
class StructureWords:
    """The planning-language word lists of ``structure_words.yaml``."""

    task_sections: tuple[str, ...]
    safeguard_sections: tuple[str, ...]
    preamble_sections: tuple[str, ...]
    box_entry_suffixes: tuple[str, ...]
    generic_words: frozenset[str]


@lru_cache(maxsize=4)
def load_structure_words(path: Path = WORDS_PATH) -> StructureWords:
    """Read the word lists (cached).

    >>> "主要任务" in load_structure_words().task_sections
    True
    """
    raw: Mapping[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def words(key: str) -> tuple[str, ...]:
        return tuple(str(w) for w in raw.get(key) or ())

    return StructureWords(
        task_sections=words("task_sections"),
        safeguard_sections=words("safeguard_sections"),
        preamble_sections=words("preamble_sections"),
        box_entry_suffixes=words("box_entry_suffixes"),
        generic_words=frozenset(words("generic_words")),
    )


@dataclass(frozen=True)
class _Element:
    """A task, sub-task or safeguard found in the text, before it becomes a dataclass."""

    name: str
    citation: TaskCitation
    text: str = ""
    node: OutlineNode | None = None
    declared: int = 0
    kind: str = "heading"  # "heading" (a heading or list item) | "enumerated" (一是…) | "listed" (包括…)


def derive_catalogue(
    text: str, source: str, plan_id: str = "", words: StructureWords | None = None
) -> TaskCatalogue:
    """The task catalogue of a plan's text (see the module docstring for the rules).

    Args:
        text: the plan's full text (as loaded by :mod:`corpus.loaders`).
        source: the document's file name, carried in every citation.
        plan_id: the registry's id of the plan.
        words: word lists; defaults to ``structure_words.yaml``.

    Returns:
        A `TaskCatalogue`; empty (no tasks, no safeguards) when the text has no recognisable tasks.
    """
    words = words or load_structure_words()
    root = read_outline(text)
    tasks_found, declared_tasks, declared_subtasks, task_nodes = _tasks(root, text, source, words)
    tasks: list[MainTask] = []
    for t_index, (task, subs) in enumerate(tasks_found, start=1):
        subtasks = tuple(
            SubTask(
                task=task.name,
                name=s.name,
                ordinal=s_index,
                citation=s.citation,
                task_ordinal=t_index,
                authored_by="derived",
                text=s.text[:MAX_TEXT],
            )
            for s_index, s in enumerate(subs, start=1)
        )
        tasks.append(MainTask(t_index, task.name, subtasks, task.citation, declared_subtasks=task.declared))
    tasks = _with_keywords(tasks, words.generic_words)
    safeguards = tuple(
        Safeguard(ordinal=i, name=e.name, citation=e.citation, authored_by="derived")
        for i, e in enumerate(_safeguards(root, text, source, words, task_nodes), start=1)
    )
    by_name: dict[str, SubTask] = {}
    for st in (st for t in tasks for st in t.subtasks):
        by_name.setdefault(st.name, st)
    return TaskCatalogue(
        tasks=tuple(tasks),
        safeguards=safeguards,
        source=source,
        declared_tasks=declared_tasks,
        declared_subtasks=declared_subtasks,
        _by_name=by_name,
        plan_id=plan_id,
    )


def _contains(name: str, vocabulary: Iterable[str]) -> bool:
    return len(name) <= 16 and any(w in name for w in vocabulary)


def _is_preamble(name: str, vocabulary: tuple[str, ...]) -> bool:
    return len(name) <= 16 and (name.startswith(vocabulary) or name.endswith(vocabulary))


def _first_section(
    root: OutlineNode, vocabulary: Iterable[str], outside: Iterable[OutlineNode] = ()
) -> OutlineNode | None:
    """The shallowest (then first) heading whose name contains a word of `vocabulary`, not under `outside`."""
    skip = {id(n) for node in outside for n in node.walk()}
    nodes = enumerate(root.walk())
    found = [
        (n.level, i, n)
        for i, n in nodes
        if n.kind == "heading" and id(n) not in skip and _contains(n.name, vocabulary)
    ]
    return min(found, key=lambda f: (f[0], f[1]))[2] if found else None


def _tasks(
    root: OutlineNode, text: str, source: str, words: StructureWords
) -> tuple[list[tuple[_Element, list[_Element]]], int, int, list[OutlineNode]]:
    """(tasks with their sub-tasks, declared tasks, declared sub-tasks, the outline nodes they span)."""
    section = _first_section(root, words.task_sections)
    tasks = _members(section, text, source) if section is not None else []
    if section is not None and tasks:
        before = "\n".join(t for _, t in section.body)
        if tasks[0].node is None:  # enumerated in the section's text: count only its lead-in
            before = text[section.start : tasks[0].citation.start]
        n_tasks = _declared(_DECLARED_TASKS_RE, before)
        n_subtasks = _declared(_DECLARED_SUBTASKS_RE, before)
        spans = [section]
    else:  # no task section, or one whose tasks cannot be told apart: try the chapters
        chapters = _chapter_tasks(root, words)
        tasks = [_heading_element(n, text, source) for n in chapters]
        n_tasks = n_subtasks = 0
        spans = chapters
    out = []
    for task in tasks:
        if task.node is not None:
            subs = _subtasks(task, text, source, words)
        else:  # an enumerated task lists its sub-tasks in its item; a listed one has none
            subs = _listed(task) if task.kind == "enumerated" else []
        out.append((task, subs))
    return out, n_tasks, n_subtasks, spans


def _declared(pattern: re.Pattern[str], text: str) -> int:
    m = pattern.search(text)
    return (chinese_to_int(m.group(1)) or 0) if m else 0


def _chapter_tasks(root: OutlineNode, words: StructureWords) -> list[OutlineNode]:
    """Rule 2: the top-level headings between the last preamble section and the safeguards."""
    level = root
    while len([c for c in level.children if c.kind == "heading"]) == 1:
        level = next(c for c in level.children if c.kind == "heading")
    siblings = [c for c in level.children if c.kind == "heading" and c.level > 0]
    guard = next((i for i, c in enumerate(siblings) if _contains(c.name, words.safeguard_sections)), None)
    preamble = [i for i, c in enumerate(siblings[:guard]) if _is_preamble(c.name, words.preamble_sections)]
    if guard is None or not preamble:
        return []
    return siblings[preamble[-1] + 1 : guard]


def _cite(text: str, source: str, section: str, start: int, end: int) -> TaskCitation:
    return TaskCitation(source=source, section=section, text=text[start:end], start=start, end=end)


def _heading_element(node: OutlineNode, text: str, source: str) -> _Element:
    end = max(node.own_end, node.start + len(node.title))
    return _Element(
        name=node.name,
        citation=_cite(text, source, node.path, node.start, end),
        text=node.full_text(),
        node=node,
        declared=_list_count(text[node.start : end]),
    )


def _list_count(text: str) -> int:
    m = _LIST_RE.search(text)
    return (chinese_to_int(m.group(2)) or 0) if m else 0


def _members(node: OutlineNode, text: str, source: str) -> list[_Element]:
    """Children (not boxes), else ``一是`` items of the node's own text, else its ``包括…等N项`` list."""
    children = [c for c in node.children if c.kind in ("heading", "item")]
    if children:
        return [_heading_element(c, text, source) for c in children]
    enumerated = _enumerated(node, text, source)
    if enumerated:
        return enumerated
    return _listed(_heading_element(node, text, source))


def _enumerated(node: OutlineNode, text: str, source: str) -> list[_Element]:
    out: list[_Element] = []
    for start, para in node.body:
        for s, e in enumeration_items(para, item_min=1) or []:
            item = para[s:e]
            m = _ENUM_ITEM_RE.match(item)
            if m is None:
                continue
            cut = len(item.rstrip("，,；;\n "))
            out.append(
                _Element(
                    name=m.group(1).strip(),
                    citation=_cite(text, source, node.path, start + s, start + s + cut),
                    text=item[m.end() : cut].strip(),
                    declared=_list_count(item),
                    kind="enumerated",
                )
            )
        if out:
            return out
    return _enumerated_paragraphs(node, text, source)


def _enumerated_paragraphs(node: OutlineNode, text: str, source: str) -> list[_Element]:
    """``一是……`` items written one per paragraph (一是… / 二是… on separate lines), counting up from 一."""
    out: list[_Element] = []
    for start, para in node.body:
        m = _ENUM_ITEM_RE.match(para)
        if m is None or chinese_to_int(para[: para.index("是")]) != len(out) + 1:
            continue
        out.append(
            _Element(
                name=m.group(1).strip(),
                citation=_cite(text, source, node.path, start, start + len(para)),
                text=para[m.end() :].strip(),
                declared=_list_count(para),
                kind="enumerated",
            )
        )
    return out if len(out) >= 2 else []


def _listed(host: _Element) -> list[_Element]:
    """Elements named in a ``包括A、B、C等N项`` list of the host's cited text; they cite that text."""
    m = _LIST_RE.search(host.citation.text)
    if m is None:
        return []
    names = [n.strip() for n in m.group(1).split("、") if n.strip()]
    return [_Element(name=n, citation=host.citation, kind="listed") for n in names]


def _subtasks(task: _Element, text: str, source: str, words: StructureWords) -> list[_Element]:
    assert task.node is not None
    subs = _members(task.node, text, source)
    for box in (c for c in task.node.children if c.kind == "box"):
        subs.extend(_box_entries(box, text, source, words))
    return subs


def _box_entries(box: OutlineNode, text: str, source: str, words: StructureWords) -> list[_Element]:
    """Entries of a 专栏 box: its child items, else lines ``名称：说明`` whose name ends like a project."""
    if box.children:
        return [_heading_element(c, text, source) for c in box.children]
    out = []
    for start, para in box.body:
        m = re.match(r"^([^：:。；;，,]{2,30})[：:。]", para)
        if m and m.group(1).endswith(words.box_entry_suffixes):
            out.append(
                _Element(
                    name=m.group(1),
                    citation=_cite(text, source, box.path, start, start + len(para)),
                    text=para[m.end() :],
                    kind="enumerated",
                )
            )
    return out


def _safeguards(
    root: OutlineNode, text: str, source: str, words: StructureWords, task_nodes: list[OutlineNode]
) -> list[_Element]:
    section = _first_section(root, words.safeguard_sections, outside=task_nodes)
    return _members(section, text, source) if section is not None else []


def _with_keywords(tasks: list[MainTask], generic: frozenset[str]) -> list[MainTask]:
    """Attach derived keywords to every sub-task and task (see `derive_keywords`)."""
    subtasks = [st for t in tasks for st in t.subtasks]
    sub_keywords = derive_keywords([(st.name, st.text) for st in subtasks], generic)
    task_keywords = derive_keywords([(t.name, "") for t in tasks], generic, share_limit=None)
    by_id = {id(st): kw for st, kw in zip(subtasks, sub_keywords, strict=True)}
    return [
        replace(t, keywords=t_kw, subtasks=tuple(replace(st, keywords=by_id[id(st)]) for st in t.subtasks))
        for t, t_kw in zip(tasks, task_keywords, strict=True)
    ]
