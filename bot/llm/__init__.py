"""Optional LLM mode (issue 8): an OpenAI-compatible model phrases, the engine computes, a verifier checks.

>>> from bot.llm import build_chat_service                                            # doctest: +SKIP
>>> chat = build_chat_service(deterministic, settings.llm, tools=tools, retriever=retriever)
"""

from bot.llm.breaker import CircuitBreaker
from bot.llm.client import LLMUnavailableError, build_chat_model, make_llm_factory
from bot.llm.factory import build_llm_service
from bot.llm.service import LLMChatService, build_chat_service, reply_events, service_events
from bot.llm.verifier import Violation, verify_answer

__all__ = [
    "CircuitBreaker",
    "LLMChatService",
    "LLMUnavailableError",
    "Violation",
    "build_chat_model",
    "build_chat_service",
    "build_llm_service",
    "make_llm_factory",
    "reply_events",
    "service_events",
    "verify_answer",
]
