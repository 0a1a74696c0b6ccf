"""Two `policybot serve` replicas sharing Redis, PostgreSQL and a Chroma server, as processes on loopback.

The same topology as ``deploy/docker-compose.yml`` minus nginx (the tests address each replica directly,
which is what a load balancer may do to any request): every replica has its own ``data_dir`` except
``data_dir/plans``, which is one shared folder (the compose file's shared volume). The plan poll is set to
10 minutes, so an ingest seen within 10 s on the other replica can only have come through Redis.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes.dingtalk_webhook import FakeWebhook
from plans.plan_docs import write_plans
from servers import RedisServer

from api.dingtalk.signing import dingtalk_sign
from tests.api._live import ChromaServer, PolicybotServer, chroma_cli

SECRET = "replica-robot-secret-7Hq"
KEYS = ["k-follow", "k-dingtalk", "k-limit", "k-ingest", "k-actuals", "k-redis-down"]
LIMIT = 120  # per key per day: a window no test run crosses
YUNTAI, NANHU = "yuntai-szjj-2021-2025", "nanhu-szjj-2021-2025"


@dataclass
class Cluster:
    redis: RedisServer
    a: PolicybotServer
    b: PolicybotServer
    webhook: FakeWebhook
    docs: Path

    @property
    def replicas(self) -> tuple[PolicybotServer, PolicybotServer]:
        return self.a, self.b


def _replica(root: Path, name: str, shared_plans: Path, env: dict[str, str]) -> PolicybotServer:
    data = root / name / "data"
    data.mkdir(parents=True)
    (data / "plans").symlink_to(shared_plans, target_is_directory=True)  # the shared volume of the compose file
    return PolicybotServer(data, env)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Cluster]:
    cli = chroma_cli()
    if cli is None:
        pytest.fail("the chroma CLI is missing: pip install chromadb puts it in the venv's bin", pytrace=False)
    root = tmp_path_factory.mktemp("replicas")
    redis = RedisServer()
    try:
        redis.start()
    except (FileNotFoundError, RuntimeError) as exc:
        redis.close()
        pytest.fail(str(exc), pytrace=False)
    chroma = ChromaServer(cli, root / "chroma" / "db")
    (root / "chroma").mkdir()
    webhook = FakeWebhook()
    started: list[Any] = []
    try:
        chroma.start()
        started.append(chroma)
        docs = write_plans(root / "docs", ("yuntai.md",))
        shared_plans = root / "shared-plans"
        shared_plans.mkdir()
        env = {
            "POLICYBOT_REDIS_URL": redis.url,
            "POLICYBOT_SESSION_BACKEND": "redis",
            "POLICYBOT_DATABASE_URL": postgres_url,
            "POLICYBOT_VECTORSTORE_MODE": "chroma-http",
            "POLICYBOT_VECTORSTORE_HOST": "127.0.0.1",
            "POLICYBOT_VECTORSTORE_PORT": str(chroma.port),
            "POLICYBOT_EMBEDDING_MODE": "hash",
            "POLICYBOT_CORPUS_DOCUMENTS_DIR": str(docs),
            "POLICYBOT_PLANS_WATCH_SECONDS": "600",
            "POLICYBOT_SERVER_API_KEYS": json.dumps(KEYS),
            "POLICYBOT_SERVER_RATE_LIMIT": f"{LIMIT}/day",
            "POLICYBOT_DINGTALK_APP_SECRET": SECRET,
            "POLICYBOT_DINGTALK_WEBHOOK_HOSTS": '["127.0.0.1"]',
            "POLICYBOT_REDIS_TIMEOUT_SECONDS": "1",
        }
        a = _replica(root, "a", shared_plans, env).start()
        started.append(a)
        b = _replica(root, "b", shared_plans, env).start()
        started.append(b)
        yield Cluster(redis, a, b, webhook, docs)
    finally:
        for process in reversed(started):
            process.stop()
        webhook.close()
        redis.close()


def _key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _chat(server: PolicybotServer, question: str, session: str, key: str = "k-follow") -> httpx.Response:
    return httpx.post(f"{server.url}/v1/chat", json={"question": question, "session_id": session},
                      headers=_key(key), timeout=60)


def test_a_follow_up_crosses_replicas(cluster: Cluster) -> None:
    session = f"replica-{uuid.uuid4().hex[:8]}"
    first = _chat(cluster.a, "5G基站2025年的目标是多少？", session)
    assert first.status_code == 200, first.text
    assert [(f["indicator"], f["value"]) for f in first.json()["figures"]][:1] == [("5G基站数量", 8000.0)]
    # The next turn lands on the other replica: only the session in Redis says what "那" refers to.
    follow = _chat(cluster.b, "那2020年呢？", session)
    assert follow.status_code == 200, follow.text
    assert [(f["indicator"], f["value"]) for f in follow.json()["figures"]][:1] == [("5G基站数量", 2000.0)]
    # Control: without the session the same follow-up has no indicator to refer to.
    alone = _chat(cluster.b, "那2020年呢？", f"fresh-{uuid.uuid4().hex[:8]}")
    assert [f["value"] for f in alone.json()["figures"]] != [2000.0]


def _callback(cluster: Cluster, msg_id: str, session: str) -> dict[str, Any]:
    return {
        "msgtype": "text", "text": {"content": "5G基站2025年的目标是多少？"}, "msgId": msg_id,
        "createAt": int(time.time() * 1000), "conversationType": "1", "conversationId": f"cid{session}",
        "senderStaffId": "staff-r", "senderNick": "张三", "sessionWebhook": cluster.webhook.url(session),
        "sessionWebhookExpiredTime": int(time.time() * 1000) + 3_600_000, "robotCode": "robot-replicas",
    }


def _signed(stamp_ms: int) -> dict[str, str]:
    return {"timestamp": str(stamp_ms), "sign": dingtalk_sign(str(stamp_ms), SECRET)}


def test_a_dingtalk_message_sent_to_both_replicas_is_answered_once(cluster: Cluster) -> None:
    session = uuid.uuid4().hex
    body = _callback(cluster, f"msg-{session}", session)
    stamp = int(time.time() * 1000)
    first = httpx.post(f"{cluster.a.url}/v1/dingtalk/callback", json=body, headers=_signed(stamp), timeout=30)
    # The very same signed request at the other replica is a replay; a redelivery (new signature) a duplicate.
    replay = httpx.post(f"{cluster.b.url}/v1/dingtalk/callback", json=body, headers=_signed(stamp), timeout=30)
    again = httpx.post(f"{cluster.b.url}/v1/dingtalk/callback", json=body, headers=_signed(stamp + 1), timeout=30)
    assert (first.status_code, first.headers["X-Policybot-Duplicate"]) == (200, "0")
    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "replayed_signature")
    assert (again.status_code, again.headers["X-Policybot-Duplicate"]) == (200, "1")
    deadline = time.monotonic() + 60
    while not cluster.webhook.for_session(session) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(5)  # room for a second reply, were the message answered twice
    replies = cluster.webhook.for_session(session)
    assert len(replies) == 1
    assert "8000" in replies[0].body["markdown"]["text"]


def test_one_rate_limit_across_replicas(cluster: Cluster) -> None:
    statuses = [
        httpx.get(f"{server.url}/v1/plans", headers=_key("k-limit"), timeout=30).status_code
        for n in range(LIMIT + 2)
        for server in [cluster.replicas[n % 2]]
    ]
    assert statuses == [200] * LIMIT + [429, 429]  # the last two: one on each replica


def _plan_ids(server: PolicybotServer) -> list[str]:
    response = httpx.get(f"{server.url}/v1/plans", headers=_key("k-ingest"), timeout=30)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["plans"]]


def test_an_ingest_is_visible_on_both_replicas_within_10_seconds(cluster: Cluster, tmp_path: Path) -> None:
    assert _plan_ids(cluster.a) == _plan_ids(cluster.b) == [YUNTAI]
    source = write_plans(tmp_path / "upload", ("nanhu.md",)) / "nanhu.md"
    with open(source, "rb") as handle:
        response = httpx.post(f"{cluster.a.url}/v1/plans", files={"files": ("nanhu.md", handle, "text/markdown")},
                              headers=_key("k-ingest"), timeout=300)
    assert response.status_code == 201, response.text
    ingested = time.monotonic()
    while time.monotonic() - ingested < 10 and NANHU not in _plan_ids(cluster.b):
        time.sleep(0.5)
    assert (sorted(_plan_ids(cluster.a)), sorted(_plan_ids(cluster.b))) == ([NANHU, YUNTAI], [NANHU, YUNTAI])
    removed = httpx.delete(f"{cluster.b.url}/v1/plans/{NANHU}", headers=_key("k-ingest"), timeout=60)
    assert removed.status_code == 200, removed.text
    gone = time.monotonic()
    while time.monotonic() - gone < 10 and NANHU in _plan_ids(cluster.a):
        time.sleep(0.5)
    assert _plan_ids(cluster.a) == _plan_ids(cluster.b) == [YUNTAI]


def test_actuals_recorded_on_one_replica_are_read_on_the_other(cluster: Cluster) -> None:
    year = 2021 + uuid.uuid4().int % 3
    posted = httpx.post(f"{cluster.a.url}/v1/actuals", headers=_key("k-actuals"), timeout=60, json={
        "plan": YUNTAI, "rows": [{"indicator": "软件业务收入", "year": year, "value": 55.5, "source": "replica-a"}]})
    assert posted.status_code in (200, 201), posted.text
    listed = httpx.get(f"{cluster.b.url}/v1/actuals", params={"plan": YUNTAI}, headers=_key("k-actuals"), timeout=60)
    assert listed.status_code == 200, listed.text
    rows = [(r["year"], r["value"], r["source"]) for r in listed.json()["actuals"] if r["source"] == "replica-a"]
    assert (year, 55.5, "replica-a") in rows


def test_redis_down_gives_503_and_the_replicas_recover(cluster: Cluster) -> None:
    session = f"down-{uuid.uuid4().hex[:8]}"
    assert _chat(cluster.a, "5G基站2025年的目标是多少？", session, "k-redis-down").status_code == 200
    cluster.redis.stop()
    try:
        for server in cluster.replicas:
            down = _chat(server, "那2020年呢？", session, "k-redis-down")
            assert down.status_code == 503
            assert down.json()["error"]["code"] == "shared_state_unavailable"
            assert "Redis" in down.json()["error"]["message"] and "暂不可用" in down.json()["error"]["message"]
            assert down.headers["Retry-After"] == "5"
        callback = httpx.post(f"{cluster.a.url}/v1/dingtalk/callback", json=_callback(cluster, "msg-down", "down"),
                              headers=_signed(int(time.time() * 1000)), timeout=30)
        assert (callback.status_code, callback.json()["error"]["code"]) == (503, "shared_state_unavailable")
        assert httpx.get(f"{cluster.b.url}/healthz", timeout=10).status_code == 200  # the process itself is fine
    finally:
        cluster.redis.start()
    # Redis is back (empty: the session is gone), and both replicas use it again at once.
    again = f"back-{uuid.uuid4().hex[:8]}"
    assert _chat(cluster.b, "5G基站2025年的目标是多少？", again, "k-redis-down").status_code == 200
    follow = _chat(cluster.a, "那2020年呢？", again, "k-redis-down")
    assert follow.status_code == 200, follow.text
    assert [f["value"] for f in follow.json()["figures"]][:1] == [2000.0]
