"""The task catalogue: 8 tasks, 32 sub-tasks, names verbatim from the drafting note, counts cross-checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from corpus.catalogue import (
    CATALOGUE_PATH,
    CatalogueError,
    TaskCatalogue,
    load_catalogue,
    parse_document_tasks,
)
from corpus.catalogue.loader import DOCUMENTS_DIR

DOC_PATH = DOCUMENTS_DIR / "wenzhou-digital-economy-14fyp-drafting-note.txt"
DOC = DOC_PATH.read_text(encoding="utf-8")

# Typed by hand from 三、主要内容 （四）主要任务 of the drafting note.
TASKS = [
    ("数字经济产业能级提升工程", 5),
    ("数字创新生态培育工程", 4),
    ("制造业数字化赋能工程", 5),
    ("服务业数字化提升工程", 6),
    ("农业数字化转型工程", 3),
    ("数字基建全面提速工程", 3),
    ("治理数字化提效工程", 3),
    ("数据资源开发共享工程", 3),
]


@pytest.fixture(scope="module")
def catalogue() -> TaskCatalogue:
    return load_catalogue()


def test_counts(catalogue: TaskCatalogue) -> None:
    assert len(catalogue.tasks) == 8
    assert len(catalogue.subtasks) == 32
    assert (catalogue.declared_tasks, catalogue.declared_subtasks) == (8, 32)
    assert [(t.name, len(t.subtasks)) for t in catalogue.tasks] == TASKS
    assert [t.declared_subtasks for t in catalogue.tasks] == [n for _, n in TASKS]
    assert len({st.name for st in catalogue.subtasks}) == 32


@pytest.mark.parametrize("index", range(32))
def test_subtask_name_is_verbatim_and_cited(catalogue: TaskCatalogue, index: int) -> None:
    st = catalogue.subtasks[index]
    assert st.name in DOC
    assert st.name in st.citation.text
    assert DOC[st.citation.start : st.citation.end] == st.citation.text
    assert st.citation.section == "三、主要内容 > （四）主要任务"
    assert st.task in st.citation.text


def test_examples_from_the_plan(catalogue: TaskCatalogue) -> None:
    net = catalogue.get("全面建设5G等新一代网络基础设施")
    assert net.task == "数字基建全面提速工程" and net.ordinal == 1
    assert set(net.indicators) == {"5G基站数量", "FTTH/O宽带接入率", "IPv6活跃用户数", "城域网出口带宽"}
    assert catalogue.get("建设数字商务创新城市").indicators == ("网络零售额", "跨境网络零售出口额")
    assert catalogue.get("推动乡村流通营销数字化应用").indicators == ("农产品网络零售额",)
    assert catalogue.subtasks[-1].name == "推进数据开发应用"
    with pytest.raises(KeyError, match="no sub-task"):
        catalogue.get("不存在的子任务")


def test_team_notes_are_marked_and_indicators_exist(catalogue: TaskCatalogue) -> None:
    for st in catalogue.subtasks:
        assert st.authored_by == "team"
        assert len(st.keywords) >= 10, st.name
        assert st.activities, st.name
        for name in st.indicators:
            assert name in DOC, name  # an annex row name (without its unit)
        assert st.name in st.description
    assert sum(st.task_default for st in catalogue.subtasks) == 1


def test_safeguards(catalogue: TaskCatalogue) -> None:
    names = ["健全推进机制", "加强要素保障", "优化发展环境", "强化数据安全"]
    assert [s.name for s in catalogue.safeguards] == names
    for s in catalogue.safeguards:
        assert s.name in DOC and s.note and s.authored_by == "team"
        assert s.citation.section == "三、主要内容 > （五）保障措施"


def test_tree_shape(catalogue: TaskCatalogue) -> None:
    tree = catalogue.to_tree()
    assert tree["declared"] == {"tasks": 8, "subtasks": 32}
    assert sum(len(t["subtasks"]) for t in tree["tasks"]) == 32
    assert tree["tasks"][3]["subtasks"][1]["name"] == "打造全国智慧物流综合服务中心"
    assert tree["tasks"][0]["subtasks"][0]["team_notes"]["authored_by"] == "team"


def test_parse_document_tasks_reads_the_text() -> None:
    (n_tasks, n_sub), tasks = parse_document_tasks(DOC)
    assert (n_tasks, n_sub) == (8, 32)
    assert [(name, n) for name, _, n in tasks] == TASKS
    assert tasks[5][1][1] == "建设国家级区域型数据中心等新技术和算力基础设施"


# -- validation: a catalogue that disagrees with the document is refused -------------------------


def _raw() -> dict[str, Any]:
    return yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "tasks.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_missing_subtask_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    raw["tasks"][3]["subtasks"].pop()
    with pytest.raises(CatalogueError, match="declares 6 sub-tasks but lists 5"):
        load_catalogue(_write(tmp_path, raw), document_text=DOC)


def test_renamed_subtask_is_refused(tmp_path: Path) -> None:
    raw = _raw()
    raw["tasks"][0]["subtasks"][0]["name"] = "优化产业布局"
    with pytest.raises(CatalogueError, match="not in the task's citation"):
        load_catalogue(_write(tmp_path, raw), document_text=DOC)


def test_document_with_other_counts_is_refused(tmp_path: Path) -> None:
    other = DOC.replace("8大任务和32项子任务", "8大任务和33项子任务")
    # The verbatim citation no longer matches …
    with pytest.raises(CatalogueError, match="citation not found"):
        load_catalogue(document_text=other)
    # … and with the citation updated, the declared count itself disagrees.
    raw = _raw()
    raw["declared"]["citation"] = "（四）主要任务。提出8大任务和33项子任务。"
    with pytest.raises(CatalogueError, match="declared counts 8/32 differ from the document's 8/33"):
        load_catalogue(_write(tmp_path, raw), document_text=other)


def test_unmarked_team_notes_are_refused(tmp_path: Path) -> None:
    raw = _raw()
    raw["tasks"][1]["subtasks"][0]["team_notes"]["authored_by"] = "plan"
    with pytest.raises(CatalogueError, match="authored_by: team"):
        load_catalogue(_write(tmp_path, raw), document_text=DOC)


def test_unreadable_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read catalogue"):
        load_catalogue(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(bad)
