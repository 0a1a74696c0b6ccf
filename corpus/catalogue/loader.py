"""Load the plan's task catalogue (8 tasks, 32 sub-tasks, 4 safeguards) and check it against the text.

>>> cat = load_catalogue()
>>> len(cat.tasks), len(cat.subtasks), cat.subtasks[0].name
(8, 32, '优化空间布局')

The YAML (``tasks.yaml`` next to this module) holds two kinds of content: names and citations that
are verbatim from the drafting note — checked here against the document text, including the
declared counts "8大任务和32项子任务" and every "等N项子任务" — and ``team_notes`` blocks
(``authored_by: team``) with sectors, activities, keywords and indicators written by the team.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_PATH = Path(__file__).with_name("tasks.yaml")
DOCUMENTS_DIR = Path(__file__).resolve().parents[1] / "documents"

_CN_ORDINALS = "一二三四五六七八九十"
# "一是数字经济产业能级提升工程。包括优化空间布局、……等5项子任务。"
_TASK_RE = re.compile(r"([一二三四五六七八九十]+)是([^。；]+?工程)。包括(.+?)等(\d+)项子任务")
_DECLARED_RE = re.compile(r"提出(\d+)大任务和(\d+)项子任务")
_SAFEGUARD_RE = re.compile(r"([一二三四五六七八九十]+)是([^，。；]+)")


class CatalogueError(ValueError):
    """The catalogue file is malformed or disagrees with the document (message in Chinese and English)."""


@dataclass(frozen=True)
class TaskCitation:
    """Where a task or sub-task is named in the document.

    >>> c = TaskCitation(source="plan.txt", section="三、主要内容 > （四）主要任务", text="一是……",
    ...                  start=10, end=14)
    >>> c.end - c.start
    4
    """

    source: str
    section: str
    text: str
    start: int = -1
    end: int = -1


@dataclass(frozen=True)
class SubTask:
    """A sub-task. `sectors`, `activities`, `keywords`, `indicators` are written by the team, or for a
    catalogue derived from the text (`corpus.catalogue.structure`) keywords are derived from the name
    and `text` (the sub-task's own paragraph in the plan) and `authored_by` is "derived".

    >>> st = load_catalogue().get("打造全国智慧物流综合服务中心")
    >>> st.task, st.ordinal
    ('服务业数字化提升工程', 2)
    """

    task: str
    name: str
    ordinal: int
    citation: TaskCitation
    sectors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    task_ordinal: int = 0
    task_default: bool = False
    authored_by: str = "team"
    text: str = ""

    @property
    def description(self) -> str:
        """Text embedded for semantic matching: the plan's name, the team's sectors and activities, its text."""
        parts = [f"{self.name}（{self.task}）"]
        if self.sectors:
            parts.append("涉及：" + "、".join(self.sectors))
        if self.activities:
            parts.append("内容：" + "；".join(self.activities))
        if self.text:
            parts.append("原文：" + self.text.rstrip("。"))
        return "。".join(parts) + "。"


@dataclass(frozen=True)
class MainTask:
    """One of the 8 main tasks (工程) with its sub-tasks in document order."""

    ordinal: int
    name: str
    subtasks: tuple[SubTask, ...]
    citation: TaskCitation
    declared_subtasks: int
    sectors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Safeguard:
    """One of the 4 safeguards (保障措施); `note` and `keywords` are written by the team."""

    ordinal: int
    name: str
    citation: TaskCitation
    note: str = ""
    keywords: tuple[str, ...] = ()
    authored_by: str = "team"


@dataclass(frozen=True)
class TaskCatalogue:
    """The whole catalogue: tasks in document order, their sub-tasks, and the safeguards."""

    tasks: tuple[MainTask, ...]
    safeguards: tuple[Safeguard, ...]
    source: str
    declared_tasks: int
    declared_subtasks: int
    _by_name: Mapping[str, SubTask] = field(default_factory=dict, repr=False, compare=False)
    plan_id: str = ""

    @property
    def subtasks(self) -> tuple[SubTask, ...]:
        """All sub-tasks, task by task, in document order."""
        return tuple(st for task in self.tasks for st in task.subtasks)

    def get(self, name: str) -> SubTask:
        """Sub-task by its verbatim name.

        Raises:
            KeyError: no sub-task has that name.
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"没有名为“{name}”的子任务 / no sub-task named {name!r}") from None

    def task(self, name: str) -> MainTask:
        """Main task by its verbatim name (raises KeyError)."""
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(f"没有名为“{name}”的任务 / no main task named {name!r}")

    def to_tree(self) -> dict[str, Any]:
        """JSON-ready tree for ``GET /v1/tasks`` (team-written fields are marked ``authored_by``)."""
        return {
            "source": self.source,
            "declared": {"tasks": self.declared_tasks, "subtasks": self.declared_subtasks},
            "tasks": [
                {
                    "ordinal": t.ordinal,
                    "name": t.name,
                    "citation": _citation_dict(t.citation),
                    "subtasks": [
                        {
                            "ordinal": st.ordinal,
                            "name": st.name,
                            "citation": _citation_dict(st.citation),
                            "team_notes": {
                                "authored_by": st.authored_by,
                                "sectors": list(st.sectors),
                                "activities": list(st.activities),
                                "indicators": list(st.indicators),
                            },
                        }
                        for st in t.subtasks
                    ],
                }
                for t in self.tasks
            ],
            "safeguards": [
                {
                    "ordinal": s.ordinal,
                    "name": s.name,
                    "citation": _citation_dict(s.citation),
                    "team_notes": {"authored_by": s.authored_by, "note": s.note},
                }
                for s in self.safeguards
            ],
        }


def _citation_dict(c: TaskCitation) -> dict[str, Any]:
    return {"source": c.source, "section": c.section, "text": c.text, "start": c.start, "end": c.end}


def cn_ordinal(n: int) -> str:
    """1 → 一 … 10 → 十 (the document's enumerations stop well below 10)."""
    if not 1 <= n <= 10:
        raise ValueError(f"序号超出范围 / ordinal out of range: {n}")
    return _CN_ORDINALS[n - 1]


def _strings(block: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = block.get(key, []) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise CatalogueError(f"{where}: “{key}”必须是字符串列表 / {key!r} must be a list of strings")
    # Keywords are matched against a lower-cased profile; numbers such as 5g are read as strings.
    return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def _team(block: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    notes = block.get("team_notes") or {}
    if not isinstance(notes, Mapping):
        raise CatalogueError(f"{where}: team_notes 必须是映射 / team_notes must be a mapping")
    if notes and notes.get("authored_by") != "team":
        raise CatalogueError(f"{where}: team_notes 缺少 authored_by: team / team_notes must say authored_by: team")
    return notes


def _cite(doc: str, source: str, section: str, text: str, where: str) -> TaskCitation:
    start = doc.find(text)
    if start < 0:
        raise CatalogueError(f"{where}: 引文在文档中找不到 / citation not found in the document: {text[:40]!r}")
    return TaskCitation(source=source, section=section, text=text, start=start, end=start + len(text))


def parse_document_tasks(text: str) -> tuple[tuple[int, int], list[tuple[str, list[str], int]]]:
    """Read the declared counts and the task list straight from the document text.

    >>> (n_tasks, n_sub), tasks = parse_document_tasks(
    ...     "提出2大任务和3项子任务。一是甲工程。包括子一、子二等2项子任务。"
    ...     "二是乙工程。包括子三等1项子任务。")
    >>> n_tasks, n_sub, tasks[1]
    (2, 3, ('乙工程', ['子三'], 1))

    Raises:
        CatalogueError: the sentence declaring the counts is missing.
    """
    declared = _DECLARED_RE.search(text)
    if not declared:
        raise CatalogueError("文档中没有“N大任务和M项子任务” / the document declares no task counts")
    tail = text[declared.end() :]
    tasks = [(m[2], [s.strip() for s in m[3].split("、")], int(m[4])) for m in _TASK_RE.finditer(tail)]
    return (int(declared[1]), int(declared[2])), tasks


def default_document_path(source: str) -> Path:
    """The document a catalogue cites, looked up in ``corpus/documents``."""
    return DOCUMENTS_DIR / source


def load_catalogue(path: Path | None = None, document_text: str | None = None) -> TaskCatalogue:
    """Load and validate the task catalogue.

    >>> cat = load_catalogue()
    >>> [t.declared_subtasks for t in cat.tasks]
    [5, 4, 5, 6, 3, 3, 3, 3]

    Args:
        path: the YAML file; defaults to ``corpus/catalogue/tasks.yaml``.
        document_text: the drafting note's text; defaults to the file named by the YAML's
            ``source`` in ``corpus/documents``.

    Raises:
        CatalogueError: malformed YAML, a name or citation not verbatim in the document, or counts
            that disagree with "8大任务和32项子任务" / "等N项子任务".
    """
    path = path or CATALOGUE_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"无法读取任务目录 / cannot read catalogue {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"任务目录不是合法 YAML / catalogue {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, Mapping) or not isinstance(raw.get("tasks"), list):
        raise CatalogueError(f"任务目录缺少 tasks 列表 / catalogue {path} has no 'tasks' list")
    source = str(raw.get("source", ""))
    if document_text is None:
        doc_path = default_document_path(source)
        try:
            document_text = doc_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogueError(f"找不到被引用的文档 / cited document missing: {doc_path}") from exc
    doc = document_text
    section = str(raw.get("section", ""))
    declared = raw.get("declared") or {}
    _cite(doc, source, section, str(declared.get("citation", "")), "declared")
    (doc_tasks, doc_subtasks), doc_list = parse_document_tasks(doc)
    if (declared.get("tasks"), declared.get("subtasks")) != (doc_tasks, doc_subtasks):
        raise CatalogueError(
            f"声明的任务数与文档不符 / declared counts {declared.get('tasks')}/{declared.get('subtasks')} "
            f"differ from the document's {doc_tasks}/{doc_subtasks}"
        )

    tasks: list[MainTask] = []
    for t_index, t_raw in enumerate(raw["tasks"], start=1):
        where = f"task {t_index}"
        if not isinstance(t_raw, Mapping) or not isinstance(t_raw.get("subtasks"), list):
            raise CatalogueError(f"{where}: 需要 name 和 subtasks / needs name and subtasks")
        name = str(t_raw.get("name", ""))
        if t_raw.get("ordinal") != t_index:
            raise CatalogueError(f"{where}: 序号应为 {t_index} / ordinal must be {t_index}")
        t_cite = _cite(doc, source, section, str(t_raw.get("citation", "")), where)
        if not t_cite.text.startswith(f"{cn_ordinal(t_index)}是{name}。"):
            raise CatalogueError(f"{where}: 引文与任务名不符 / citation does not name task {name!r}")
        t_notes = _team(t_raw, where)
        subtasks: list[SubTask] = []
        for s_index, s_raw in enumerate(t_raw["subtasks"], start=1):
            s_where = f"{where} sub-task {s_index}"
            if not isinstance(s_raw, Mapping) or not s_raw.get("name"):
                raise CatalogueError(f"{s_where}: 缺少 name / missing name")
            s_name = str(s_raw["name"])
            if s_name not in t_cite.text:
                raise CatalogueError(f"{s_where}: “{s_name}”不在任务引文中 / not in the task's citation")
            notes = _team(s_raw, s_where)
            subtasks.append(
                SubTask(
                    task=name,
                    name=s_name,
                    ordinal=s_index,
                    citation=t_cite,
                    sectors=_strings(notes, "sectors", s_where),
                    keywords=_strings(notes, "keywords", s_where) + _strings(notes, "english", s_where),
                    indicators=_strings(notes, "indicators", s_where),
                    activities=_strings(notes, "activities", s_where),
                    task_ordinal=t_index,
                    task_default=bool(notes.get("task_default", False)),
                )
            )
        declared_n = int(t_raw.get("declared_subtasks", -1))
        if declared_n != len(subtasks):
            raise CatalogueError(
                f"{where}: 声明 {declared_n} 项子任务但列出 {len(subtasks)} 项 / "
                f"declares {declared_n} sub-tasks but lists {len(subtasks)}"
            )
        if f"等{declared_n}项子任务" not in t_cite.text:
            raise CatalogueError(f"{where}: 文档未写“等{declared_n}项子任务” / count not in the document")
        tasks.append(
            MainTask(
                ordinal=t_index,
                name=name,
                subtasks=tuple(subtasks),
                citation=t_cite,
                declared_subtasks=declared_n,
                sectors=_strings(t_notes, "sectors", where),
                keywords=_strings(t_notes, "keywords", where) + _strings(t_notes, "english", where),
            )
        )

    _cross_check(tasks, doc_list, doc_tasks, doc_subtasks)
    safeguards = _load_safeguards(raw.get("safeguards") or {}, doc, source)
    by_name = {st.name: st for t in tasks for st in t.subtasks}
    return TaskCatalogue(
        tasks=tuple(tasks),
        safeguards=safeguards,
        source=source,
        declared_tasks=doc_tasks,
        declared_subtasks=doc_subtasks,
        _by_name=by_name,
    )


def _cross_check(
    tasks: Sequence[MainTask], doc_list: Sequence[tuple[str, list[str], int]], n_tasks: int, n_subtasks: int
) -> None:
    """The catalogue must list exactly the document's tasks and sub-tasks, in its order."""
    if len(tasks) != n_tasks or len(doc_list) != n_tasks:
        raise CatalogueError(
            f"任务数不符 / task count mismatch: catalogue {len(tasks)}, document lists {len(doc_list)}, "
            f"declares {n_tasks}"
        )
    total = sum(len(t.subtasks) for t in tasks)
    if total != n_subtasks or sum(n for _, _, n in doc_list) != n_subtasks:
        raise CatalogueError(
            f"子任务数不符 / sub-task count mismatch: catalogue {total}, document declares {n_subtasks}"
        )
    for task, (doc_name, doc_subs, doc_n) in zip(tasks, doc_list, strict=True):
        names = [st.name for st in task.subtasks]
        if task.name != doc_name or names != doc_subs or len(doc_subs) != doc_n:
            raise CatalogueError(
                f"任务“{task.name}”与文档不一致 / task {task.name!r} differs from the document: {names} vs {doc_subs}"
            )


def _load_safeguards(raw: Mapping[str, Any], doc: str, source: str) -> tuple[Safeguard, ...]:
    if not raw:
        return ()
    section = str(raw.get("section", ""))
    cite = _cite(doc, source, section, str(raw.get("citation", "")), "safeguards")
    doc_names = [m[2].strip() for m in _SAFEGUARD_RE.finditer(cite.text)]
    items = raw.get("items") or []
    names = [str(i.get("name", "")) for i in items if isinstance(i, Mapping)]
    if names != doc_names or len(names) != int(raw.get("declared", -1)):
        raise CatalogueError(f"保障措施与文档不一致 / safeguards differ from the document: {names} vs {doc_names}")
    out = []
    for index, item in enumerate(items, start=1):
        notes = _team(item, f"safeguard {index}")
        out.append(
            Safeguard(
                ordinal=index,
                name=str(item["name"]),
                citation=cite,
                note=str(notes.get("note", "")),
                keywords=_strings(notes, "keywords", f"safeguard {index}"),
            )
        )
    return tuple(out)
