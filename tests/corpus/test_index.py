"""CorpusIndex: build, corpus hash, idempotent ingest, rebuild on change, atomic swap, persistence."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from corpus.embedding import HashEmbedder
from corpus.factory import build_index, make_store
from corpus.index import CorpusIndex
from corpus.retriever import select_searchable
from corpus.stores import InMemoryVectorStore

NEW_DOC = "关于测试规划的说明\n温州市测试局\n（2022年3月）\n\n一、总体要求\n到2025年，低空经济无人机航线达到12条。\n"


def _index(documents: Path, data: Path, store=None) -> CorpusIndex:  # type: ignore[no-untyped-def]
    return CorpusIndex([documents], data, HashEmbedder(dim=64), store or InMemoryVectorStore())


def test_build_and_search(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    index.warm_up()
    hits = index.search("5G基站数量2025年目标", k=3)
    assert "5G基站数量（个）" in hits[0].chunk.text
    assert hits[0].chunk.kind == "table_row"
    searchable = select_searchable(index.chunks, "leaf")
    assert index.store.count() == len(searchable) == index.stats.searchable
    state = index.read_state()
    assert state["corpus_hash"] == index.corpus_hash
    assert state["documents"][0]["issuer"] == "温州市经济和信息化局"  # type: ignore[index]


def test_get_and_parent(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    row = next(c for c in index.chunks if c.kind == "table_row")
    assert index.get(row.id) == row
    parent = index.parent(row)
    assert parent is not None and parent.kind == "table"
    assert index.get("nope") is None


def test_subtask_hits_are_reported_as_the_whole_task(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    hits = index.search("全面推进数字医疗实践", k=5)
    assert hits[0].chunk.text.startswith("四是服务业数字化提升工程。")
    assert not any(h.chunk.metadata.get("collapse") for h in hits)
    assert len({h.chunk.id for h in hits}) == len(hits)


def test_no_rebuild_when_nothing_changed(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    index.warm_up()
    assert index.refresh() is False
    assert index.is_stale() is False


def test_rebuild_when_a_document_changes(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    index.warm_up()
    before = index.corpus_hash
    (seed_dir / "extra.txt").write_text(NEW_DOC, encoding="utf-8")
    assert index.is_stale() is True
    assert index.refresh() is True
    assert index.corpus_hash != before
    assert "无人机航线" in index.search("无人机航线", k=1)[0].chunk.text
    (seed_dir / "extra.txt").unlink()
    assert index.refresh() is True
    assert index.corpus_hash == before
    assert index.store.count() == index.stats.searchable  # stale vectors were deleted
    assert index.stats.deleted > 0


def test_ingest_is_idempotent(seed_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    index = _index(seed_dir, data)
    source = tmp_path / "in" / "低空经济.txt"
    source.parent.mkdir()
    source.write_text(NEW_DOC, encoding="utf-8")
    (source.parent / "低空经济.txt.meta.yaml").write_text("title: 低空经济说明\n", encoding="utf-8")

    first = index.ingest([source])
    assert first.added == [data / "documents" / "低空经济.txt"]
    assert (data / "documents" / "低空经济.txt.meta.yaml").is_file()
    count = len(index.chunks)
    vectors = index.store.count()
    assert first.chunks_after == count > first.chunks_before

    renamed = tmp_path / "in" / "copy.txt"
    renamed.write_bytes(source.read_bytes())
    again = index.ingest([source, renamed, source])
    assert again.added == []
    assert {p.name for p, _ in again.skipped} == {"低空经济.txt", "copy.txt"}
    assert (len(index.chunks), index.store.count()) == (count, vectors)
    assert len({c.id for c in index.chunks}) == len(index.chunks)
    assert any(d["title"] == "低空经济说明" for d in index.documents)  # type: ignore[index]


def test_ingest_same_name_different_content_keeps_both(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    a, b = tmp_path / "a" / "plan.txt", tmp_path / "b" / "plan.txt"
    for path, n in ((a, 12), (b, 30)):
        path.parent.mkdir()
        path.write_text(NEW_DOC.replace("12条", f"{n}条"), encoding="utf-8")
    assert len(index.ingest([a]).added) == 1
    added = index.ingest([b]).added
    assert len(added) == 1 and added[0].name.startswith("plan-") and added[0].suffix == ".txt"


def test_ingest_reports_bad_inputs(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    bad = tmp_path / "x.pptx"
    bad.write_text("x", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n", encoding="utf-8")
    result = index.ingest([bad, empty, tmp_path / "missing.txt"])
    reasons = {p.name: why for p, why in result.skipped}
    assert result.added == []
    assert "unsupported" in reasons["x.pptx"]
    assert "no text" in reasons["empty.txt"]
    assert "no such file" in reasons["missing.txt"]


def test_persistent_store_is_reused_without_embedding_again(seed_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = build_index([seed_dir], data, HashEmbedder(dim=64), make_store("chroma", path=data / "chroma"))
    first.warm_up()
    assert first.stats.embedded == first.stats.searchable > 0
    second = build_index([seed_dir], data, HashEmbedder(dim=64), make_store("chroma", path=data / "chroma"))
    second.warm_up()
    assert second.stats.embedded == 0
    assert second.corpus_hash == first.corpus_hash
    assert second.search("数据中心总机架数", k=1)[0].chunk.metadata["cells"]["2020年"] == "8620"


def test_chroma_server_path_through_the_same_code(seed_dir: Path, tmp_path: Path,
                                                  chroma_server: tuple[str, int]) -> None:
    host, port = chroma_server
    index = build_index([seed_dir], tmp_path / "data", HashEmbedder(dim=64),
                        make_store("chroma-http", host=host, port=port, collection="idx"))
    index.warm_up()
    assert index.store.collection == "idx-hash-64"  # type: ignore[attr-defined]
    assert index.store.count() == index.stats.searchable
    assert "5G基站数量" in index.search("5G基站", k=1)[0].chunk.text


class SlowEmbedder(HashEmbedder):
    """Embedding documents takes a while, so readers run during a rebuild."""

    def __init__(self) -> None:
        super().__init__(dim=64)
        self.slow = False

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if self.slow:
            time.sleep(0.3)
        return super().embed_documents(texts)


def test_rebuild_swaps_atomically_under_concurrent_readers(seed_dir: Path, tmp_path: Path) -> None:
    embedder = SlowEmbedder()
    index = CorpusIndex([seed_dir], tmp_path / "data", embedder, InMemoryVectorStore())
    index.warm_up()
    old_ids = {c.id for c in index.chunks}
    (seed_dir / "extra.txt").write_text(NEW_DOC, encoding="utf-8")
    embedder.slow = True
    stop = threading.Event()
    problems: list[str] = []
    seen_new = []

    def reader() -> None:
        while not stop.is_set():
            retriever = index.retriever
            ids = {c.id for c in retriever.chunks}
            try:
                hits = index.search("数据中心总机架数 无人机航线", k=5)
            except Exception as exc:
                problems.append(repr(exc))
                return
            if not hits:
                problems.append("empty result")
            if ids != old_ids:
                seen_new.append(True)
            # Every hit belongs to a complete index: the old one, or the new one (old + extra.txt).
            for hit in hits:
                if hit.chunk.id not in old_ids and hit.chunk.source != "extra.txt":
                    problems.append(f"foreign chunk {hit.chunk.id}")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    assert index.refresh() is True
    time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    assert problems == []
    assert "无人机航线" in index.search("无人机航线", k=1)[0].chunk.text


def test_embedder_namespace_keeps_collections_apart(seed_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    a = build_index([seed_dir], data, HashEmbedder(dim=32), make_store("chroma", path=data / "chroma"))
    b = build_index([seed_dir], data, HashEmbedder(dim=48), make_store("chroma", path=data / "chroma"))
    a.warm_up()
    b.warm_up()  # a different dimension in its own collection: no clash
    assert a.corpus_hash != b.corpus_hash
    assert a.store.collection != b.store.collection  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["bm25", "dense"])
def test_single_list_modes(seed_dir: Path, tmp_path: Path, mode: str) -> None:
    index = CorpusIndex([seed_dir], tmp_path / "data", HashEmbedder(dim=64), InMemoryVectorStore(),
                        mode=mode)  # type: ignore[arg-type]
    hits = index.search("数据中心总机架数", k=2)
    assert set(hits[0].ranks) == {mode}


def test_search_rejects_bad_k(seed_dir: Path, tmp_path: Path) -> None:
    index = _index(seed_dir, tmp_path / "data")
    with pytest.raises(ValueError, match=r"k must be greater than 0\. Currently, k is 0"):
        index.search("5G", k=0)
    assert index.search("   ", k=3) == []
