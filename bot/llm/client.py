"""Build the chat model named by `LLMSettings` (any OpenAI-compatible endpoint).

``langchain-openai`` is an optional extra: it is imported only when an LLM is configured.

>>> from bot.settings import LLMSettings
>>> model = build_chat_model(LLMSettings(mode="openai", base_url="http://127.0.0.1:11434/v1",
...                                      model="qwen2.5:7b"))
>>> model.model_name
'qwen2.5:7b'
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.settings import LLMSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

MISSING_EXTRA = (
    "LLM 模式需要安装 langchain-openai：pip install langchain-openai。 / "
    "LLM mode 'openai' needs the package langchain-openai: pip install langchain-openai."
)

# Local servers (vLLM, Ollama) accept any key, but the OpenAI client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"


class LLMUnavailableError(RuntimeError):
    """The LLM mode cannot be used as configured (missing package, unsupported mode)."""


def build_chat_model(settings: LLMSettings) -> BaseChatModel:
    """A LangChain chat model for ``settings``, with its timeout and retries (the client backs off).

    Args:
        settings: ``mode`` must be ``"openai"``.

    Raises:
        LLMUnavailableError: mode is ``none``/unknown, or langchain-openai is not installed.
    """
    if settings.mode != "openai":
        raise LLMUnavailableError(
            f"LLM 模式 '{settings.mode}' 无法构建模型，可用：openai / "
            f"LLM mode '{settings.mode}' has no chat model. Available: openai"
        )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise LLMUnavailableError(MISSING_EXTRA) from exc
    api_key = settings.api_key.get_secret_value() if settings.api_key else PLACEHOLDER_KEY
    return ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        api_key=api_key,  # type: ignore[arg-type]  # ChatOpenAI accepts a plain str
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
        temperature=0.1,  # phrasing only; numbers come from tools
    )


def make_llm_factory(settings: LLMSettings) -> Callable[[], BaseChatModel]:
    """A thread-safe factory that builds the model on first use and then reuses it.

    Building is deferred so that creating the app (and the tests) never imports the client.
    """
    lock = threading.Lock()
    built: list[BaseChatModel] = []

    def factory() -> BaseChatModel:
        with lock:
            if not built:
                built.append(build_chat_model(settings))
            return built[0]

    return factory
