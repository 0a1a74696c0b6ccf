"""Optional team notes for a plan, merged onto the catalogue derived from its text.

>>> import yaml
>>> from corpus.catalogue.loader import CATALOGUE_PATH, default_document_path
>>> source = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))["source"]   # the shipped plan
>>> cat = load_plan_catalogue(default_document_path(source).read_text(encoding="utf-8"), source)
>>> {st.authored_by for st in cat.subtasks}
{'team'}

A plan's tasks always come from its text (:func:`corpus.catalogue.structure.derive_catalogue`). A
YAML file in ``corpus/catalogue/`` may add the team's sectors, activities, keywords, indicators and
notes. It is the plan's enrichment when (first match wins) its file name is ``<plan_id>.yaml``, its
``plan_id:`` key equals the plan id, or its ``source:`` equals the document's file name (so the
shipped ``tasks.yaml`` keeps working before the registry assigns ids). The format is that of
``tasks.yaml``; only ``name`` and ``team_notes`` are read here.

Merging, by verbatim name: a sub-task with team notes takes the team's sectors, activities,
indicators, ``task_default`` and keywords (the curated list replaces the derived one) and is marked
``authored_by="team"``; a main task takes its sectors and keywords; a safeguard its note and
keywords. Elements without notes keep their derived keywords. A name in the file that the text does
not have is refused: the notes were written for another version of the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from corpus.catalogue.loader import CatalogueError, SubTask, TaskCatalogue, _strings, _team
from corpus.catalogue.structure import derive_catalogue

CATALOGUE_DIR = Path(__file__).resolve().parent


def _read(path: Path) -> Mapping[str, Any] | None:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"无法读取任务补充说明 / cannot read enrichment {path}: {exc}") from exc
    return raw if isinstance(raw, Mapping) and isinstance(raw.get("tasks"), list) else None


def find_enrichment(plan_id: str, source: str = "", directory: Path = CATALOGUE_DIR) -> Mapping[str, Any] | None:
    """The enrichment YAML of a plan (see the module docstring), or None.

    >>> find_enrichment("no-such-plan", "other.txt") is None
    True
    """
    files = sorted(directory.glob("*.yaml"))
    if plan_id:
        own = directory / f"{plan_id}.yaml"
        if own.is_file() and (raw := _read(own)) is not None:
            return raw
    candidates = [(path, raw) for path in files if (raw := _read(path)) is not None]
    if plan_id:
        for _, raw in candidates:
            if str(raw.get("plan_id", "")) == plan_id:
                return raw
    if source:
        for _, raw in candidates:
            if str(raw.get("source", "")) == source and not raw.get("plan_id"):
                return raw
    return None


def enrich(catalogue: TaskCatalogue, raw: Mapping[str, Any]) -> TaskCatalogue:
    """Merge team notes of `raw` (``tasks.yaml`` format) onto a derived catalogue by name.

    Raises:
        CatalogueError: the file names a task, sub-task or safeguard the catalogue does not have, or a
            ``team_notes`` block is not marked ``authored_by: team``.
    """
    sub_notes: dict[str, Mapping[str, Any]] = {}
    task_notes: dict[str, Mapping[str, Any]] = {}
    for t_raw in raw.get("tasks") or []:
        if not isinstance(t_raw, Mapping):
            raise CatalogueError("任务补充说明格式错误 / each task must be a mapping")
        name = str(t_raw.get("name", ""))
        task_notes[name] = _team(t_raw, f"task {name}")
        for s_raw in t_raw.get("subtasks") or []:
            s_name = str(s_raw.get("name", "")) if isinstance(s_raw, Mapping) else ""
            sub_notes[s_name] = _team(s_raw, f"sub-task {s_name}")
    guard_raw = raw.get("safeguards") or {}
    guard_notes = {
        str(i.get("name", "")): _team(i, f"safeguard {i.get('name')}")
        for i in (guard_raw.get("items") or [] if isinstance(guard_raw, Mapping) else [])
        if isinstance(i, Mapping)
    }
    unknown = (
        [n for n in task_notes if n not in {t.name for t in catalogue.tasks}]
        + [n for n in sub_notes if n not in {st.name for st in catalogue.subtasks}]
        + [n for n in guard_notes if n not in {s.name for s in catalogue.safeguards}]
    )
    if unknown:
        raise CatalogueError(
            f"补充说明中的名称在文档中找不到 / enrichment names not found in the plan's text: {unknown}"
        )

    tasks = []
    for task in catalogue.tasks:
        subtasks = []
        for st in task.subtasks:
            notes = sub_notes.get(st.name) or {}
            if notes:
                where = f"sub-task {st.name}"
                st = replace(
                    st,
                    sectors=_strings(notes, "sectors", where),
                    keywords=_strings(notes, "keywords", where) + _strings(notes, "english", where),
                    indicators=_strings(notes, "indicators", where),
                    activities=_strings(notes, "activities", where),
                    task_default=bool(notes.get("task_default", False)),
                    authored_by="team",
                )
            subtasks.append(st)
        notes = task_notes.get(task.name) or {}
        if notes:
            task = replace(
                task,
                sectors=_strings(notes, "sectors", task.name),
                keywords=_strings(notes, "keywords", task.name) + _strings(notes, "english", task.name),
            )
        tasks.append(replace(task, subtasks=tuple(subtasks)))
    safeguards = []
    for sg in catalogue.safeguards:
        notes = guard_notes.get(sg.name) or {}
        if notes:
            sg = replace(
                sg, note=str(notes.get("note", "")), keywords=_strings(notes, "keywords", sg.name), authored_by="team"
            )
        safeguards.append(sg)
    by_name: dict[str, SubTask] = {}
    for st in (st for t in tasks for st in t.subtasks):
        by_name.setdefault(st.name, st)
    return replace(catalogue, tasks=tuple(tasks), safeguards=tuple(safeguards), _by_name=by_name)


def load_plan_catalogue(
    text: str, source: str, plan_id: str = "", directory: Path = CATALOGUE_DIR
) -> TaskCatalogue:
    """The catalogue of a plan: derived from `text`, enriched by its YAML when there is one.

    Args:
        text: the plan's full text.
        source: the document's file name (cited, and used to find an enrichment without a plan id).
        plan_id: the registry's id of the plan.
        directory: where enrichment files live.

    Raises:
        CatalogueError: an enrichment file is unreadable or names elements the text lacks.
    """
    catalogue = derive_catalogue(text, source, plan_id)
    raw = find_enrichment(plan_id, source, directory)
    return enrich(catalogue, raw) if raw is not None else catalogue
