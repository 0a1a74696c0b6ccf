/* policybot web workspace: what every page shares (API calls with the key, errors, markdown, header). */
(function () {
  "use strict";
  const KEY_STORE = "policybot.apiKey";
  const PLAN_STORE = "policybot.plan";
  const PB = (window.PB = {});

  /** el("button", {class: "chip", "data-testid": "citation", onclick: fn}, "text", child) — text is never HTML. */
  PB.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else if (name === "text") node.textContent = String(value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  PB.getKey = () => localStorage.getItem(KEY_STORE) || "";
  PB.setKey = (key) => (key ? localStorage.setItem(KEY_STORE, key) : localStorage.removeItem(KEY_STORE));

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  PB.ApiError = ApiError;

  /** A friendly Chinese message for a failed call (status 0: the network). */
  PB.friendly = function (status, body) {
    if (status === 0) return "无法连接服务器，请检查网络连接后重试。";
    if (status === 401) return "需要有效的 API 密钥才能使用，请点击右上角“密钥”按钮输入。";
    if (status === 429) return "请求过于频繁，请稍等片刻再试。";
    if (status === 503) return "服务正在启动或暂不可用，请稍后再试。";
    if (status >= 500) return "服务器出错了，请稍后再试。如果一直出现，请联系管理员。";
    const message = body && body.error && body.error.message;
    return message ? String(message).split(" / ")[0] : `请求失败（${status}），请稍后再试。`;
  };

  PB.failure = async function (response) {
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    return new ApiError(response.status, PB.friendly(response.status, body));
  };

  /** fetch() with the stored key; a 401 asks for a key and retries. Throws ApiError(0) offline. */
  PB.request = async function (path, options) {
    const opts = options || {};
    for (;;) {
      const headers = { Accept: opts.accept || "application/json" };
      if (opts.body !== undefined) headers["Content-Type"] = "application/json";
      const key = PB.getKey();
      if (key) headers.Authorization = `Bearer ${key}`;
      let response;
      try {
        response = await fetch(path, {
          method: opts.method || "GET", headers, signal: opts.signal,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        });
      } catch (err) {
        if (err && err.name === "AbortError") throw err;
        throw new ApiError(0, PB.friendly(0));
      }
      if (response.status !== 401 || opts.noKeyPrompt) return response;
      const entered = await PB.askForKey(key ? "密钥无效或已过期，请重新输入。" : "此服务需要 API 密钥。");
      if (!entered) return response;
    }
  };

  /** GET/POST JSON; `allow404` turns a 404 into null (optional endpoints such as /v1/plans). */
  PB.json = async function (path, options) {
    const opts = options || {};
    const response = await PB.request(path, opts);
    if (opts.allow404 && (response.status === 404 || response.status === 405)) return null;
    if (!response.ok) throw await PB.failure(response);
    return response.json();
  };

  // ---------------------------------------------------------------- API key dialog
  let pendingKey = null;
  PB.askForKey = function (reason) {
    if (pendingKey) return pendingKey;
    const input = PB.el("input", { type: "password", id: "api-key-input", "data-testid": "api-key-input",
      autocomplete: "off", placeholder: "例如 pb-xxxxxxxx" });
    const dialog = PB.el("dialog", { "aria-labelledby": "key-title", "data-testid": "api-key-dialog" },
      PB.el("form", { method: "dialog", class: "dialog-body" },
        PB.el("h2", { id: "key-title" }, "输入 API 密钥"),
        PB.el("p", { class: "meta" }, reason || "此服务需要 API 密钥。"),
        PB.el("label", { for: "api-key-input", class: "meta" }, "API 密钥（只保存在本浏览器）"),
        input,
        PB.el("div", { class: "row" },
          PB.el("button", { type: "button", class: "btn secondary", value: "", onclick: () => dialog.close("") }, "取消"),
          PB.el("button", { type: "submit", class: "btn", value: "save", "data-testid": "api-key-save" }, "保存"))));
    document.body.append(dialog);
    pendingKey = new Promise((resolve) => {
      dialog.addEventListener("close", () => {
        const key = input.value.trim();
        const saved = dialog.returnValue === "save" && key !== "";
        if (dialog.returnValue === "save") PB.setKey(key);
        dialog.remove();
        pendingKey = null;
        const button = document.getElementById("key-button");
        if (button) button.hidden = false;
        resolve(saved);
      });
    });
    dialog.showModal();
    input.focus();
    return pendingKey;
  };

  // ---------------------------------------------------------------- markdown, sanitised
  const PURIFY = {
    FORBID_TAGS: ["img", "style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed",
      "video", "audio", "source", "picture", "svg", "math", "link", "meta", "base"],
    FORBID_ATTR: ["style", "srcset", "action", "formaction"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/(?!\/))/i,
    RETURN_DOM_FRAGMENT: true,
  };
  let hooked = false;
  /** Render markdown into `target`: parsed by marked, cleaned by DOMPurify (no script, no remote image). */
  PB.renderMarkdown = function (target, text) {
    if (!hooked && window.DOMPurify) {
      window.DOMPurify.addHook("afterSanitizeAttributes", (node) => {
        if (node.tagName === "A") { node.setAttribute("target", "_blank"); node.setAttribute("rel", "noopener noreferrer"); }
      });
      hooked = true;
    }
    if (!window.marked || !window.DOMPurify) { target.textContent = text; return; }
    const html = window.marked.parse(String(text || ""), { gfm: true, breaks: true, async: false });
    target.replaceChildren(window.DOMPurify.sanitize(html, PURIFY));
  };

  // ---------------------------------------------------------------- small helpers
  PB.toast = function (message) {
    let box = document.getElementById("toast");
    if (!box) { box = PB.el("div", { id: "toast", role: "status", "aria-live": "polite" }); document.body.append(box); }
    box.textContent = message;
    clearTimeout(PB.toastTimer);
    PB.toastTimer = setTimeout(() => { box.textContent = ""; }, 2200);
  };

  PB.copyText = async function (text) {
    try { await navigator.clipboard.writeText(text); return true; } catch (_) { /* http: pages */ }
    const area = PB.el("textarea", { class: "sr-only", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  };

  PB.number = (v) => (typeof v === "number" ? v.toLocaleString("zh-CN", { maximumFractionDigits: 2 }) : String(v));

  // ---------------------------------------------------------------- title, plans, header
  let aboutPromise = null;
  PB.about = function () {
    aboutPromise = aboutPromise || PB.json("/v1/about").catch((err) => {
      aboutPromise = null;
      throw err;
    });
    return aboutPromise;
  };

  PB.plans = async function () {
    try {
      const data = await PB.json("/v1/plans", { allow404: true });
      const list = Array.isArray(data) ? data : data && Array.isArray(data.plans) ? data.plans : [];
      PB.defaultPlan = (data && data.default) || "";
      return list.filter((p) => p && p.id);
    } catch (_) { return []; }
  };
  PB.currentPlan = () => localStorage.getItem(PLAN_STORE) || "";

  /** Fill the header: title from /v1/about, key button, plan picker (shown only for several plans). */
  /** The plan a page shows: the picked one, else the server's default plan, else the first plan. */
  PB.pagePlan = () => PB.currentPlan() || PB.defaultPlan || ((PB.planList || [])[0] || {}).id || "";
  /** `url` with `?plan=` (or `&plan=`) for the page's plan once several plans are loaded. */
  PB.withPlan = (url, plan) => {
    const id = plan === undefined ? PB.pagePlan() : plan;
    return id && (PB.planList || []).length > 1 ? `${url}${url.includes("?") ? "&" : "?"}plan=${encodeURIComponent(id)}` : url;
  };

  /** `auto`: the chat page offers “按问题自动判断” (no plan sent: the server decides from the question). */
  PB.initHeader = async function (pageName, auto = false) {
    const keyButton = document.getElementById("key-button");
    if (keyButton) {
      keyButton.hidden = !PB.getKey();
      keyButton.addEventListener("click", () => PB.askForKey("更换或清除本浏览器保存的 API 密钥（留空并保存即清除）。"));
    }
    const plans = await PB.plans();
    const picker = document.getElementById("plan-picker");
    if (picker && plans.length > 1) {
      const options = plans.map((p) => PB.el("option", { value: p.id }, p.title || p.id));
      if (auto) options.unshift(PB.el("option", { value: "" }, "全部规划（按问题自动判断）"));
      // A bookmarked ?plan= wins over what this browser picked last.
      const asked = new URLSearchParams(location.search).get("plan");
      if (asked && plans.some((p) => p.id === asked)) localStorage.setItem(PLAN_STORE, asked);
      const stored = PB.currentPlan();
      const current = plans.some((p) => p.id === stored) ? stored : auto ? "" : PB.defaultPlan || plans[0].id;
      picker.replaceChildren(...options);
      picker.value = current;
      localStorage.setItem(PLAN_STORE, current);
      picker.hidden = false;
      picker.addEventListener("change", () => {
        localStorage.setItem(PLAN_STORE, picker.value);
        document.dispatchEvent(new CustomEvent("pb:plan", { detail: picker.value }));
      });
    } else {
      localStorage.removeItem(PLAN_STORE);
    }
    PB.planList = plans;
    let title = "规划问答助手";
    try { title = (await PB.about()).title || title; } catch (_) { /* the page shows its own error */ }
    const chosen = plans.find((p) => p.id === (auto ? PB.currentPlan() : PB.pagePlan()));
    if (chosen && chosen.title) title = chosen.title;
    else if (auto && plans.length > 1) title = `规划问答（${plans.length}个规划）`;
    const brand = document.getElementById("app-title");
    if (brand) brand.textContent = `${title} · 问答助手`;
    document.title = `${pageName} · ${title}`;
    return title;
  };
})();
