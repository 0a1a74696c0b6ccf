"""/v1/chat/completions and /v1/models through real HTTP with the official openai client and ChatOpenAI;
/v1/chat SSE through `chat_sse_response`."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fakes.openai_server import FakeOpenAIServer, text
from fastapi import FastAPI
from langchain_openai import ChatOpenAI
from openai import OpenAI, UnprocessableEntityError
from pydantic import BaseModel, SecretStr

from api.routers import openai_compat
from api.sse import chat_sse_response
from bot.llm import LLMChatService, make_llm_factory
from bot.schemas import ChatReply, Citation, FigureOut
from bot.settings import LLMSettings

ANSWER = "5G基站数量由2020年的9072个增至2025年的30000个，年均需增长约27.02%。"
CITATION = Citation(
    id="c-5g", source="plan.txt", section="附件", text="5G基站数量（个） 9072 30000", score=0.9
)
FIGURE = FigureOut(
    indicator="5G基站数量",
    quantity="cagr",
    value=27.02,
    unit="%",
    formula="(30000/9072)^(1/5)-1",
    inputs={"base": 9072, "target": 30000, "years": 5},
)


class FakeChat:
    """Deterministic ChatService that records the (question, session) pairs it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str | None]] = []

    def answer(self, question: str, session_id: str | None = None) -> ChatReply:
        self.asked.append((question, session_id))
        if question == "boom":
            raise RuntimeError("engine failure")
        return ChatReply(
            answer=ANSWER,
            intent="compute",
            citations=[CITATION],
            figures=[FIGURE],
            session_id=session_id or "s-new",
        )


class ChatBody(BaseModel):
    question: str
    session_id: str | None = None


def make_app(chat: object) -> FastAPI:
    app = FastAPI()
    app.include_router(openai_compat.router)
    app.state.chat = chat

    @app.post("/v1/chat")
    def chat_stream(body: ChatBody) -> object:  # the lead's router does this for "stream": true
        return chat_sse_response(app.state.chat, body.question, body.session_id)

    return app


class LiveServer:
    """uvicorn on a free loopback port in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[LiveServer, FakeChat]]:
    chat = FakeChat()
    with LiveServer(make_app(chat)) as srv:
        yield srv, chat


@pytest.fixture
def client(live: tuple[LiveServer, FakeChat]) -> OpenAI:
    return OpenAI(base_url=live[0].url + "/v1", api_key="anything", max_retries=0, timeout=10)


def test_openai_client_non_streaming(client: OpenAI, live: tuple[LiveServer, FakeChat]) -> None:
    resp = client.chat.completions.create(
        model="policybot",
        messages=[
            {"role": "system", "content": "ignored"},
            {"role": "user", "content": "5G基站年均增长多少？"},
        ],
        user="alice",
    )
    assert resp.model == "policybot"
    assert resp.choices[0].message.content == ANSWER
    assert resp.choices[0].finish_reason == "stop"
    extra = (resp.model_extra or {})["policybot"]
    assert extra["figures"][0]["value"] == 27.02
    assert extra["citations"][0]["id"] == "c-5g"
    assert extra["mode"] == "deterministic" and extra["intent"] == "compute"
    assert live[1].asked[-1] == ("5G基站年均增长多少？", "alice")


def test_openai_client_streaming(client: OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="policybot", messages=[{"role": "user", "content": "5G基站年均增长多少？"}], stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER
    assert chunks[0].choices[0].delta.role == "assistant"
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["policybot"]["figures"][0]["value"] == 27.02


def test_stream_usage_chunk_when_asked(client: OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="policybot",
            messages=[{"role": "user", "content": "5G?"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None


def test_langchain_chat_openai(live: tuple[LiveServer, FakeChat]) -> None:
    llm = ChatOpenAI(model="policybot", base_url=live[0].url + "/v1", api_key=SecretStr("x"), max_retries=0)
    assert llm.invoke("5G基站年均增长多少？").content == ANSWER
    assert "".join(str(c.content) for c in llm.stream("5G基站年均增长多少？")) == ANSWER


def test_raw_stream_ends_with_done(live: tuple[LiveServer, FakeChat]) -> None:
    body = {"model": "policybot", "messages": [{"role": "user", "content": "5G?"}], "stream": True}
    with httpx.stream("POST", live[0].url + "/v1/chat/completions", json=body) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = [ln for ln in resp.iter_lines() if ln]
    assert lines[-1] == "data: [DONE]"
    assert all(ln.startswith("data: ") for ln in lines)


@pytest.mark.parametrize(
    ("headers", "user", "expected"),
    [
        ({"X-Session-Id": "from-header"}, "alice", "from-header"),
        ({}, "alice@example.com", "alice@example.com"),
        ({}, "张三 李四", None),  # not a valid id: hashed, never rejected
    ],
)
def test_session_ids(
    live: tuple[LiveServer, FakeChat], headers: dict[str, str], user: str, expected: str | None
) -> None:
    body = {"model": "policybot", "messages": [{"role": "user", "content": "q"}], "user": user}
    assert httpx.post(live[0].url + "/v1/chat/completions", json=body, headers=headers).status_code == 200
    session = live[1].asked[-1][1]
    if expected is None:
        assert session is not None and session.startswith("user-") and len(session) == 29
    else:
        assert session == expected


def test_session_derived_from_the_conversation_is_stable(live: tuple[LiveServer, FakeChat]) -> None:
    url = live[0].url + "/v1/chat/completions"
    turn1 = [{"role": "user", "content": "5G基站目标？"}]
    turn2 = [*turn1, {"role": "assistant", "content": ANSWER}, {"role": "user", "content": "那年均增长呢？"}]
    httpx.post(url, json={"messages": turn1})
    first = live[1].asked[-1][1]
    httpx.post(url, json={"messages": turn2})
    assert live[1].asked[-1] == ("那年均增长呢？", first)
    assert first is not None and first.startswith("conv-")


@pytest.mark.parametrize(
    ("messages", "status", "code"),
    [
        ([{"role": "assistant", "content": "hi"}], 422, "no_user_message"),
        ([{"role": "user", "content": "   "}], 422, "empty_question"),
        ([{"role": "user", "content": "x" * 2001}], 413, "question_too_long"),
    ],
)
def test_bad_requests(
    live: tuple[LiveServer, FakeChat], messages: list[dict], status: int, code: str
) -> None:
    resp = httpx.post(live[0].url + "/v1/chat/completions", json={"model": "policybot", "messages": messages})
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["code"] == code and " / " in error["message"]


def test_openai_client_sees_a_readable_error(client: OpenAI) -> None:
    with pytest.raises(UnprocessableEntityError, match="empty"):
        client.chat.completions.create(model="policybot", messages=[{"role": "user", "content": ""}])


def test_text_parts_are_read_other_parts_refused(live: tuple[LiveServer, FakeChat]) -> None:
    url = live[0].url + "/v1/chat/completions"
    parts = [{"type": "text", "text": "5G基站"}, {"type": "text", "text": "目标？"}]
    assert httpx.post(url, json={"messages": [{"role": "user", "content": parts}]}).status_code == 200
    assert live[1].asked[-1][0] == "5G基站目标？"
    asked = len(live[1].asked)
    with_image = [parts[0], {"type": "image_url", "image_url": {"url": "x"}}, parts[1]]
    resp = httpx.post(url, json={"messages": [{"role": "user", "content": with_image}]})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "unsupported_content"
    assert "messages[0].content[1] (image_url)" in resp.json()["error"]["message"]
    assert len(live[1].asked) == asked  # never reached the chat service


def test_models(client: OpenAI, live: tuple[LiveServer, FakeChat]) -> None:
    assert [m.id for m in client.models.list()] == ["policybot"]
    assert client.models.retrieve("policybot").owned_by == "policybot"
    assert httpx.get(live[0].url + "/v1/models/gpt-4").status_code == 404


def sse_events(url: str, body: dict) -> list[tuple[str, dict]]:
    with httpx.stream("POST", url, json=body) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        raw = resp.read().decode()
    events = []
    for frame in raw.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in frame.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_chat_sse_deltas_then_final(live: tuple[LiveServer, FakeChat]) -> None:
    events = sse_events(live[0].url + "/v1/chat", {"question": "5G基站年均增长多少？", "session_id": "s7"})
    kinds = [k for k, _ in events]
    assert kinds[-1] == "final" and set(kinds[:-1]) == {"delta"} and len(kinds) > 2
    assert "".join(d["text"] for k, d in events if k == "delta") == ANSWER
    final = events[-1][1]
    assert final["session_id"] == "s7" and final["figures"][0]["value"] == 27.02
    assert final["citations"][0]["text"] == CITATION.text


def test_chat_sse_reports_errors_in_band(live: tuple[LiveServer, FakeChat]) -> None:
    events = sse_events(live[0].url + "/v1/chat", {"question": "boom"})
    assert [k for k, _ in events] == ["error"]
    assert events[0][1]["error"]["code"] == "internal_error"
    assert "内部错误" in events[0][1]["error"]["message"]


def test_completions_with_the_llm_mode_behind_them() -> None:
    """openai client → our endpoint → LLMChatService → scripted LLM over HTTP."""
    grounded = "到2025年5G基站达到3万个[1]，年均增长27.02%。"
    with FakeOpenAIServer([text(grounded)]) as llm_server:
        settings = LLMSettings(
            mode="openai", base_url=llm_server.url, api_key=SecretStr("k"), timeout_seconds=5, max_retries=0
        )
        service = LLMChatService(FakeChat(), make_llm_factory(settings), settings=settings)
        with LiveServer(make_app(service)) as srv:
            client = OpenAI(base_url=srv.url + "/v1", api_key="x", max_retries=0)
            resp = client.chat.completions.create(
                model="policybot", messages=[{"role": "user", "content": "5G基站目标？"}]
            )
            chunks = list(
                client.chat.completions.create(
                    model="policybot", messages=[{"role": "user", "content": "5G基站目标？"}], stream=True
                )
            )
    sources = "\n\n**出处**\n[1] 附件（plan.txt）：" + CITATION.text
    assert resp.choices[0].message.content == grounded + sources
    assert (resp.model_extra or {})["policybot"]["mode"] == "llm"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER  # script used up
    assert (chunks[-1].model_extra or {})["policybot"]["mode"] == "llm_fallback"


def test_through_create_app_with_api_keys() -> None:
    """The lead's app: router included, auth by `Authorization: Bearer`, /v1/chat SSE wired."""
    from types import SimpleNamespace

    from fastapi.testclient import TestClient
    from openai import AuthenticationError

    from api.app import create_app
    from bot.settings import ServerSettings, Settings

    chat = FakeChat()
    settings = Settings(server=ServerSettings(api_keys=[SecretStr("k-123")]))
    app = create_app(settings, components_factory=lambda _: SimpleNamespace(chat=chat))
    with TestClient(app) as http:
        def client(key: str) -> OpenAI:
            return OpenAI(base_url="http://testserver/v1", api_key=key, http_client=http, max_retries=0)

        messages = [{"role": "user", "content": "5G?"}]
        resp = client("k-123").chat.completions.create(model="policybot", messages=messages)  # type: ignore[arg-type]
        assert resp.choices[0].message.content == ANSWER
        with pytest.raises(AuthenticationError):
            client("wrong").models.list()
        stream = http.post(
            "/v1/chat", json={"question": "5G?", "stream": True}, headers={"Authorization": "Bearer k-123"}
        )
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.text.rstrip().splitlines()[-2] == "event: final"
