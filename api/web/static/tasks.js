/* policybot tasks page: the plan's tasks and sub-tasks, and the enterprise matcher. */
(function () {
  "use strict";
  const PB = window.PB, el = PB.el;
  const $ = (id) => document.getElementById(id);

  const indicatorLink = (name) => el("a", { class: "tag", href: `/indicators?name=${encodeURIComponent(name)}` }, name);

  async function loadTree() {
    try {
      const tree = await PB.json(PB.withPlan("/v1/tasks"));
      $("tree-note").textContent = `共 ${tree.task_count} 项主要任务、${tree.subtask_count} 项子任务`;
      $("tree").replaceChildren(...tree.tasks.map((t, i) => el("details", { class: "task", open: i === 0, "data-testid": "task" },
        el("summary", {}, `${t.ordinal}. ${t.name}`, el("span", { class: "note" }, `（${t.subtasks.length} 项）`)),
        el("ol", {}, t.subtasks.map((s) => el("li", { "data-testid": "subtask" }, s.name,
          s.indicators.length ? el("div", {}, s.indicators.map(indicatorLink)) : null))))));
    } catch (err) {
      $("tree").replaceChildren(el("p", { role: "alert" }, err.message || PB.friendly(0)));
    }
  }

  async function match(e) {
    e.preventDefault();
    const profile = $("profile").value.trim(), out = $("matches");
    if (!profile) { out.replaceChildren(el("p", { role: "alert" }, "请先描述企业的情况，例如行业、产品和打算。")); return; }
    const button = $("match-button");
    button.disabled = true;
    out.replaceChildren(el("p", { class: "note" }, "正在匹配…"));
    try {
      const body = { profile, top_k: Number($("top-k").value) };
      // Every plan's sub-tasks unless one plan is picked; each result names its plan.
      if (PB.currentPlan() && (PB.planList || []).length > 1) body.plan = PB.currentPlan();
      const reply = await PB.json("/v1/match", { method: "POST", body });
      const head = reply.confident ? `找到 ${reply.tasks.length} 项相关子任务：`
        : "规划中没有明显对应的内容，以下是最接近的候选：";
      out.replaceChildren(el("p", { class: "note" }, head), ...reply.tasks.map((t) =>
        el("div", { class: "match", "data-testid": "match-result" },
          el("strong", {}, t.subtask), el("span", { class: "note" }, `（${t.task}${t.plan_title ? "，《" + t.plan_title + "》" : ""}）`),
          el("div", {}, `理由：${t.why}`),
          t.indicators.length ? el("div", {}, t.indicators.map((name) => el("span", { class: "tag" }, name))) : null)));
    } catch (err) {
      out.replaceChildren(el("p", { role: "alert" }, err.message || PB.friendly(0)));
    } finally {
      button.disabled = false;
    }
  }

  $("match-form").addEventListener("submit", match);
  $("profile").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) match(e); });
  document.addEventListener("pb:plan", loadTree);
  PB.initHeader("任务").then(loadTree);  // the picked (or default) plan's tree
})();
