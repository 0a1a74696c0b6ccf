"""Wire the LLM mode from the full settings: the hook `bot.components.build_components` calls.

>>> chat = build_llm_service(settings, deterministic=det, library=library)  # doctest: +SKIP
>>> chat.answer("5G基站年均增长多少？").mode                                            # doctest: +SKIP
'llm'
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.llm.client import make_llm_factory
from bot.llm.service import LLMChatService
from bot.schemas import ChatService
from bot.settings import Settings
from corpus.types import Retriever

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

log = logging.getLogger(__name__)


def indicator_tools(table: Any) -> list[BaseTool]:
    """The indicator engine's LangChain tools (`bot.tools.make_indicator_tools`), or none if absent."""
    try:
        from bot.tools import make_indicator_tools
    except ImportError:
        log.warning("bot.tools.make_indicator_tools not available: the LLM gets the retriever tool only")
        return []
    return list(make_indicator_tools(table))


def build_llm_service(settings: Settings, *, deterministic: ChatService, library: Any) -> LLMChatService:
    """An `LLMChatService` over ``deterministic`` with the indicator tools and the retriever tool.

    The chat model is built here (no network call), so a missing langchain-openai fails at startup.

    Raises:
        LLMUnavailableError: langchain-openai is missing or the LLM mode is unknown.
    """
    def tools_for(plan_id: str | None) -> tuple[list[BaseTool], Retriever | None]:
        # The turn's own plan: its table backs the engine tools, its index the search tool.
        plan = plan_id if plan_id in library else library.default_id
        if plan is None:
            return [], None
        ctx = library.get(plan)
        return indicator_tools(ctx.table), ctx.index

    service = LLMChatService(
        deterministic,
        make_llm_factory(settings.llm),
        settings=settings.llm,
        retrieve_k=settings.retrieval.top_k,
        tools_for=tools_for,
    )
    service.warm_up()
    log.info("LLM mode: model %s at %s", settings.llm.model, settings.llm.base_url or "api.openai.com")
    return service
