/* policybot chat page: streamed answers, citation chips, figure cards, feedback, conversations in the browser. */
(function () {
  "use strict";
  const PB = window.PB, el = PB.el;
  const STORE = "policybot.conversations";
  const MAX_CONVERSATIONS = 50;
  const QUANTITY = {
    base: "基期值", target: "目标值", cagr: "年均增速", change: "变化量", multiple: "倍数", pp_change: "百分点变化",
    projection: "预测值", planned_value: "计划值", gap: "差距", progress: "完成进度", share: "占比",
    required_cagr: "所需年均增速", increment: "年均增量", audit_projection: "按依据测算值", ratio: "占比",
    annual_increment: "年均增量", audit_deviation: "偏差", count: "数量", ranking_value: "排序值",
    target_gap: "与目标之差", target_deviation: "相对目标偏差", change_pct: "增幅", completion: "完成率",
    progress_share: "进度", remaining: "距目标尚差", share_of_total: "按比重折算值", total_from_share: "按比重倒推的总量", sum: "合计",
    difference: "差额", year_reached: "达到年份", actual: "实际值",
    plan_difference: "两规划之差", plan_ratio: "两规划之比", plan_multiple: "两规划倍数",
  };
  // Counts are whole numbers on screen; the exact value stays in the formula.
  const COUNT_UNITS = new Set(["个", "家", "台", "件", "项", "户", "人", "座", "所", "次", "条", "套"]);

  const $ = (id) => document.getElementById(id);
  const input = $("question"), askButton = $("ask"), stopButton = $("stop"), messages = $("messages");
  const scroller = $("scroller"), welcome = $("welcome"), status = $("status");
  let conversations = load(), current = null, controller = null, documents = {}, planField = null;

  function load() {
    try { const data = JSON.parse(localStorage.getItem(STORE) || "[]"); return Array.isArray(data) ? data : []; }
    catch (_) { return []; }
  }
  function save() {
    conversations.sort((a, b) => b.updated - a.updated);
    conversations = conversations.slice(0, MAX_CONVERSATIONS);
    try { localStorage.setItem(STORE, JSON.stringify(conversations)); } catch (_) { /* storage full: keep in memory */ }
  }
  const newId = () => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

  // ---------------------------------------------------------------- conversation list
  function renderList() {
    const list = $("conversations");
    list.replaceChildren(...conversations.map((c) => el("li", { class: "conv", "aria-current": current && c.id === current.id ? "true" : "false" },
      el("button", { class: "open", type: "button", title: c.title, onclick: () => openConversation(c.id) }, c.title || "新对话"),
      el("button", { class: "delete", type: "button", "aria-label": `删除对话：${c.title}`, onclick: () => removeConversation(c.id) }, "×"))));
  }
  function openConversation(id) {
    if (controller) return;
    current = conversations.find((c) => c.id === id) || null;
    renderConversation();
    closeSidebar();
  }
  function removeConversation(id) {
    conversations = conversations.filter((c) => c.id !== id);
    if (current && current.id === id) current = null;
    save();
    renderConversation();
  }
  function newConversation() {
    if (controller) controller.abort();
    current = null;
    renderConversation();
    closeSidebar();
    input.focus();
  }

  function renderConversation() {
    messages.replaceChildren();
    const turns = current ? current.turns : [];
    welcome.hidden = turns.length > 0;
    for (const turn of turns) {
      const answer = addTurn(turn.q);
      if (turn.reply) renderReply(answer, turn.reply, turn.q, turn.stopped);
      else showError(answer, turn.error || "该回答未完成。");
    }
    renderList();
  }

  function addTurn(question) {
    welcome.hidden = true;
    messages.append(el("div", { class: "turn-q", "data-testid": "question" }, question));
    const answer = el("div", { class: "turn-a", "data-testid": "answer-block" });
    messages.append(answer);
    return answer;
  }

  // ---------------------------------------------------------------- answers
  /** The answer without the sections the page shows as cards and chips (计算 → figure cards, 出处 → chips). */
  function mainText(text, reply) {
    let out = String(text || "");
    if (!reply || reply.citations.length) out = out.replace(/(^|\n\n)\*\*出处\*\*[\s\S]*$/, "");
    if (!reply || reply.figures.length) out = out.replace(/(^|\n\n)\*\*计算\*\*\n[\s\S]*?(?=\n\n|$)/, "");
    return out.trim();
  }

  function docTitle(source) { return documents[source] || source; }

  function openCitation(citation, number) {
    const dialog = $("citation-dialog");
    $("citation-title").textContent = `出处 ${number}`;
    $("citation-doc").textContent = `文档：${citation.title || docTitle(citation.source)}`;
    $("citation-section").textContent = `位置：${citation.section || "（无标题）"}`;
    $("citation-text").textContent = citation.text;
    dialog.showModal();
  }

  function chip(citation, number, inline) {
    const short = (citation.section || "").split(" > ").pop() || docTitle(citation.source);
    return el("button", {
      type: "button", class: inline ? "chip inline" : "chip", "data-testid": "citation",
      title: `${citation.section}（${docTitle(citation.source)}）`,
      "aria-label": `查看出处 ${number}：${citation.section}`, onclick: () => openCitation(citation, number),
    }, inline ? String(number) : `[${number}] ${short}`);
  }

  /** Turn "[2]" in the rendered answer into a chip that opens passage 2 (text nodes only). */
  function inlineChips(root, citations) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) if (/\[\d{1,2}\]/.test(walker.currentNode.nodeValue)) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const parts = node.nodeValue.split(/(\[\d{1,2}\])/);
      const pieces = parts.map((part) => {
        const m = /^\[(\d{1,2})\]$/.exec(part);
        const n = m ? Number(m[1]) : 0;
        return n >= 1 && n <= citations.length ? chip(citations[n - 1], n, true) : document.createTextNode(part);
      });
      node.replaceWith(...pieces);
    }
  }

  function figureCard(f) {
    const what = QUANTITY[f.quantity] || "计算值";
    return el("div", { class: "figure", "data-testid": "figure" },
      el("div", { class: "what" }, `${f.indicator} · ${what}`),
      el("div", { class: "value" },
        PB.number(COUNT_UNITS.has(f.unit) && Math.abs(f.value) >= 10 ? Math.round(f.value) : f.value),
        el("small", {}, f.unit || "")),
      f.formula ? el("code", { title: "算式" }, f.formula) : null,
      f.note ? el("div", { class: "note" }, f.note) : null);
  }

  function renderReply(box, reply, question, stopped) {
    box.classList.remove("error");
    const body = el("div", { class: "md", "data-testid": "answer" });
    PB.renderMarkdown(body, mainText(reply.answer, reply));
    inlineChips(body, reply.citations);
    const parts = [body];
    if (stopped) parts.push(el("p", { class: "note" }, "（已停止生成）"));
    if (reply.figures.length) parts.push(el("div", { class: "figures", "aria-label": "计算结果" }, reply.figures.map(figureCard)));
    if (reply.tasks.length) {
      parts.push(el("ol", { class: "tasks-found", "aria-label": "相关任务" }, reply.tasks.map((t) =>
        el("li", {}, el("strong", {}, t.subtask), `（${t.task}）`, el("div", { class: "note" }, t.why)))));
    }
    if (reply.citations.length) {
      parts.push(el("div", { class: "sources", "aria-label": "出处" }, "出处：", reply.citations.map((c, i) => chip(c, i + 1, false))));
    }
    parts.push(actions(reply, question));
    box.replaceChildren(...parts);
  }

  function actions(reply, question) {
    const vote = (rating, button, other) => async () => {
      try {
        await PB.json("/v1/feedback", { method: "POST", body: {
          rating, question, answer: reply.answer, session_id: reply.session_id, intent: reply.intent,
          citations: reply.citations.map((c) => c.id) } });
        button.setAttribute("aria-pressed", "true");
        other.setAttribute("aria-pressed", "false");
        PB.toast("感谢反馈！");
      } catch (err) { PB.toast(err.message || PB.friendly(0)); }
    };
    const up = el("button", { type: "button", "aria-pressed": "false", "data-testid": "feedback-up" }, "有帮助");
    const down = el("button", { type: "button", "aria-pressed": "false", "data-testid": "feedback-down" }, "没帮助");
    up.addEventListener("click", vote("up", up, down));
    down.addEventListener("click", vote("down", down, up));
    const copy = el("button", { type: "button", "data-testid": "copy-button", "aria-label": "复制回答" }, "复制");
    copy.addEventListener("click", async () => PB.toast((await PB.copyText(reply.answer)) ? "已复制" : "复制失败，请手动选择文本"));
    return el("div", { class: "actions" }, copy, up, down);
  }

  function showError(box, message) {
    box.classList.add("error");
    box.replaceChildren(el("p", { role: "alert", "data-testid": "error" }, message));
  }

  // ---------------------------------------------------------------- streaming
  function parseFrame(frame) {
    const event = { event: "message", data: "" };
    for (const line of frame.split("\n")) {
      if (line.startsWith("event:")) event.event = line.slice(6).trim();
      else if (line.startsWith("data:")) event.data += (event.data ? "\n" : "") + line.slice(5).replace(/^ /, "");
    }
    return event;
  }

  /** POST /v1/chat with "stream": true; calls onDelta(text) per delta event and returns the final reply. */
  async function streamChat(body, signal, onDelta) {
    const response = await PB.request("/v1/chat", { method: "POST", body: { ...body, stream: true }, signal, accept: "text/event-stream" });
    if (!response.ok) throw await PB.failure(response);
    const reader = response.body.getReader(), decoder = new TextDecoder();
    let buffer = "", final = null;
    for (;;) {
      let chunk;
      try { chunk = await reader.read(); } catch (err) {
        if (err && err.name === "AbortError") throw err;
        throw new PB.ApiError(0, "连接中断，回答未完成，请重试。");
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = parseFrame(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (frame.event === "delta") onDelta(JSON.parse(frame.data).text || "");
        else if (frame.event === "final") final = JSON.parse(frame.data);
        else if (frame.event === "error") throw new PB.ApiError(500, PB.friendly(500));
      }
    }
    if (!final) throw new PB.ApiError(0, "连接中断，回答未完成，请重试。");
    return final;
  }

  function setBusy(busy) {
    askButton.hidden = busy;
    stopButton.hidden = !busy;
    input.setAttribute("aria-busy", busy ? "true" : "false");
    if (!busy) input.focus();
  }

  async function ask(question) {
    question = question.trim();
    if (!question || controller) return;
    if (!current) {
      current = { id: newId(), title: question.slice(0, 30), sessionId: null, turns: [], updated: Date.now() };
      conversations.unshift(current);
    }
    const conv = current, turn = { q: question, reply: null };
    conv.turns.push(turn);
    conv.updated = Date.now();
    renderList();
    input.value = "";
    autosize();
    const box = addTurn(question);
    const live = el("div", { class: "md cursor", "data-testid": "answer", "aria-busy": "true" }, "…");
    box.append(live);
    scroller.scrollTop = scroller.scrollHeight;
    controller = new AbortController();
    setBusy(true);
    status.textContent = "正在生成回答…";
    let text = "", pending = false;
    const body = { question };
    if (conv.sessionId) body.session_id = conv.sessionId;
    if (PB.currentPlan() && planField) body[planField.name] = planField.array ? [PB.currentPlan()] : PB.currentPlan();
    try {
      const reply = await streamChat(body, controller.signal, (piece) => {
        text += piece;
        if (pending) return;
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          PB.renderMarkdown(live, mainText(text, null));
          const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
          if (nearBottom) scroller.scrollTop = scroller.scrollHeight;
        });
      });
      turn.reply = reply;
      conv.sessionId = reply.session_id;
      renderReply(box, reply, question, false);
      status.textContent = "回答完成";
    } catch (err) {
      if (err && err.name === "AbortError") {
        turn.reply = { answer: text || "（未生成内容）", intent: "", citations: [], figures: [], tasks: [], session_id: conv.sessionId || "" };
        turn.stopped = true;
        renderReply(box, turn.reply, question, true);
        status.textContent = "已停止";
      } else {
        turn.error = (err && err.message) || PB.friendly(0);
        showError(box, turn.error);
        status.textContent = turn.error;
      }
    } finally {
      controller = null;
      setBusy(false);
      save();
      renderList();
    }
  }

  // ---------------------------------------------------------------- page wiring
  function autosize() { input.style.height = "auto"; input.style.height = `${Math.min(input.scrollHeight, 180)}px`; }
  function closeSidebar() { $("sidebar").classList.remove("open"); $("menu-toggle").setAttribute("aria-expanded", "false"); }

  $("ask-form").addEventListener("submit", (e) => { e.preventDefault(); ask(input.value); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask(input.value); }
  });
  input.addEventListener("input", autosize);
  stopButton.addEventListener("click", () => controller && controller.abort());
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && controller) controller.abort(); });
  $("new-chat").addEventListener("click", newConversation);
  $("citation-close").addEventListener("click", () => $("citation-dialog").close());
  $("menu-toggle").addEventListener("click", () => {
    const open = $("sidebar").classList.toggle("open");
    $("menu-toggle").setAttribute("aria-expanded", open ? "true" : "false");
  });

  /** The chat request's plan field, read from the OpenAPI schema (sent only when the server declares one). */
  async function findPlanField() {
    try {
      const spec = await PB.json("/openapi.json");
      const props = ((spec.components || {}).schemas || {}).ChatRequest || {};
      for (const name of ["plan", "plan_id", "plans", "plan_ids"]) {
        const prop = (props.properties || {})[name];
        if (prop) return { name, array: prop.type === "array" || JSON.stringify(prop).includes('"array"') };
      }
    } catch (_) { /* no schema: send no plan */ }
    return null;
  }

  async function start() {
    renderConversation();
    PB.initHeader("问答", true).then(async () => {
      if ((PB.planList || []).length < 2) return;
      planField = await findPlanField();
      $("ask-form").dataset.planField = planField ? planField.name : "";
    });
    try {
      const about = await PB.about();
      documents = Object.fromEntries(about.documents.map((d) => [d.source, d.title]));
      $("welcome-title").textContent = `${about.title} · 问答助手`;
      $("examples").replaceChildren(...about.examples.map((q) =>
        el("button", { type: "button", class: "example", "data-testid": "example-question", onclick: () => ask(q) }, q)));
    } catch (err) {
      $("examples").replaceChildren(el("p", { role: "alert", class: "note" }, err.message || PB.friendly(0)));
    }
  }
  start();
})();
