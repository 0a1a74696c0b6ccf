"""GET /v1/tasks (8 tasks, 32 sub-tasks, as in 三、主要内容 （四）主要任务) and POST /v1/match."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

# Typed in from the drafting note, in the plan's order.
TASKS = {
    "数字经济产业能级提升工程": ["优化空间布局", "提升产业结构", "建好产业平台", "谋引重大项目", "培育优质企业"],
    "数字创新生态培育工程": ["加快数字创新平台建设", "加快企业创新载体建设", "加快数字经济人才汇聚",
                             "深化对外开放共享合作"],
    "制造业数字化赋能工程": ["推进产业大脑建设", "打造工业互联网赋能体系", "推动产品装备智能化升级",
                             "加快制造企业数字化赋能", "加快园区平台数字化转型"],
    "服务业数字化提升工程": ["建设数字商务创新城市", "打造全国智慧物流综合服务中心", "打造全国数字金融发展中心",
                             "加快智慧教育创新发展", "全面推进数字医疗实践", "培育数字文旅新业态"],
    "农业数字化转型工程": ["完善数字乡村服务平台体系", "推动乡村流通营销数字化应用", "加快推进农业产业数字科技应用"],
    "数字基建全面提速工程": ["全面建设5G等新一代网络基础设施", "建设国家级区域型数据中心等新技术和算力基础设施",
                             "深化部署融合基础设施"],
    "治理数字化提效工程": ["建设数字经济系统", "提升政府服务效能", "构建监管治理体系"],
    "数据资源开发共享工程": ["加强数据采集整合", "开展数据价值挖掘", "推进数据开发应用"],
}
SUBTASK_TO_TASK = {sub: task for task, subs in TASKS.items() for sub in subs}


@pytest.fixture(scope="module")
def client(components: Any, test_settings: Any) -> Iterator[TestClient]:
    app = create_app(test_settings, components_factory=lambda _settings: components)
    with TestClient(app) as test_client:
        yield test_client


def match(client: TestClient, profile: str, top_k: int = 5) -> dict[str, Any]:
    response = client.post("/v1/match", json={"profile": profile, "top_k": top_k})
    assert response.status_code == 200, response.text
    return response.json()


def test_task_tree_is_complete_and_in_order(client: TestClient) -> None:
    response = client.get("/v1/tasks")
    assert response.status_code == 200
    body = response.json()
    assert body["task_count"] == 8
    assert body["subtask_count"] == 32
    assert [t["name"] for t in body["tasks"]] == list(TASKS)
    assert [t["ordinal"] for t in body["tasks"]] == list(range(1, 9))
    for task in body["tasks"]:
        assert [s["name"] for s in task["subtasks"]] == TASKS[task["name"]], task["name"]
        for sub in task["subtasks"]:
            assert sub["section"], sub["name"]
    assert [len(t["subtasks"]) for t in body["tasks"]] == [5, 4, 5, 6, 3, 3, 3, 3]


PROFILES = [
    ("我们是做冷链仓储和城市配送的物流企业", "打造全国智慧物流综合服务中心"),
    ("我们是一家农村商业银行，想发展线上信贷", "打造全国数字金融发展中心"),
    ("我们是一家二甲医院，准备建设互联网医院", "全面推进数字医疗实践"),
    ("本单位是一所职业学校，要建设智慧校园", "加快智慧教育创新发展"),
    ("我们是通信运营商，负责铺设5G网络", "全面建设5G等新一代网络基础设施"),
    ("我们是家庭农场，想用传感器和无人机管理果园", "加快推进农业产业数字科技应用"),
    ("我们是市场监督管理局，想搞智慧监管", "构建监管治理体系"),
]


@pytest.mark.parametrize(("profile", "subtask"), PROFILES)
def test_match_ranks_the_obvious_subtask_near_the_top(client: TestClient, profile: str, subtask: str) -> None:
    body = match(client, profile, top_k=5)
    tasks = body["tasks"]
    assert subtask in [t["subtask"] for t in tasks[:3]], [t["subtask"] for t in tasks]
    scores = [t["score"] for t in tasks]
    assert scores == sorted(scores, reverse=True)
    for t in tasks:
        assert SUBTASK_TO_TASK[t["subtask"]] == t["task"]
        assert t["why"]


@pytest.mark.parametrize("top_k", [1, 3, 32])
def test_match_returns_at_most_top_k(client: TestClient, top_k: int) -> None:
    tasks = match(client, "我们是一家跨境电商企业", top_k=top_k)["tasks"]
    assert 0 < len(tasks) <= top_k
    assert len({t["subtask"] for t in tasks}) == len(tasks)


@pytest.mark.parametrize(
    "body",
    [
        {"profile": "我们是物流企业", "top_k": 0},
        {"profile": "我们是物流企业", "top_k": 33},
        {"profile": "我们是物流企业", "top_k": -1},
        {"top_k": 3},
        {"profile": "我们是物流企业", "top_k": 3, "unknown": 1},
    ],
)
def test_bad_match_requests_are_422_with_uniform_body(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/v1/match", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert error["message"]


def test_blank_profile_is_a_client_error(client: TestClient) -> None:
    response = client.post("/v1/match", json={"profile": "   ", "top_k": 3})
    assert 400 <= response.status_code < 500
    assert set(response.json()["error"]) == {"code", "message"}
