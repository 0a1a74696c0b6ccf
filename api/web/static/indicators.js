/* policybot indicators page: filterable table, audit flags, a chart per indicator, "我的实际值" progress. */
(function () {
  "use strict";
  const PB = window.PB, el = PB.el;
  const $ = (id) => document.getElementById(id);
  const QUALIFIER = { at_least: "以上", approximately: "左右", exact: "" };
  const BASIS = { growth_rate: "按增速测算", increment: "按年增量测算", pp_increment: "按百分点递增", reference: "参照上级规划", other: "其他估算" };
  const AUDIT = { consistent: "一致", mismatch: "不一致", not_checkable: "无法复核" };
  const params = new URLSearchParams(location.search);
  let rows = [], audit = {}, selected = null, chart = null, actualsAvailable = true;

  const attribute = (r) => r.attribute || BASIS[r.basis_kind] || r.basis_kind || "";
  const planOf = (r) => r.plan_id || r.plan || "";
  // Two plans may have an indicator of the same name: rows are told apart by plan and name.
  const keyOf = (r) => `${planOf(r)}|${r.name}`;
  const withUnit = (v, unit) => `${PB.number(v)}${unit || ""}`;
  const mineKey = (name) => `policybot.actual.${name}`;

  function options(select, values, allLabel) {
    const keep = select.value;
    select.replaceChildren(el("option", { value: "" }, allLabel), ...values.map((v) => el("option", { value: v }, v)));
    if (values.includes(keep)) select.value = keep;
  }

  function readFilters() {
    return { plan: $("f-plan").value, category: $("f-category").value, attribute: $("f-attribute").value,
      audit: $("f-audit").value, q: $("f-search").value.trim().toLowerCase() };
  }

  function syncUrl() {
    const f = readFilters(), url = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) url.set(k, v);
    if (selected) url.set("name", selected.name);
    history.replaceState(null, "", `/indicators${url.toString() ? `?${url}` : ""}`);
  }

  function matches(r, f) {
    if (f.plan && planOf(r) && planOf(r) !== f.plan) return false;
    if (f.category && r.category !== f.category) return false;
    if (f.attribute && attribute(r) !== f.attribute) return false;
    if (f.audit && (audit[keyOf(r)] || {}).status !== f.audit) return false;
    if (f.q) {
      const hay = [r.name, r.label, r.category, r.basis, ...(r.aliases || [])].join(" ").toLowerCase();
      if (!hay.includes(f.q)) return false;
    }
    return true;
  }

  function flag(r) {
    const finding = audit[keyOf(r)];
    if (!finding) return "";
    return el("span", { class: `flag ${finding.status}`, title: finding.note || "", "data-testid": "audit-flag" },
      finding.status_text || AUDIT[finding.status] || finding.status);
  }

  function renderTable() {
    const f = readFilters();
    const shown = rows.filter((r) => matches(r, f));
    $("count").textContent = `显示 ${shown.length} / ${rows.length} 项`;
    $("rows").replaceChildren(...shown.map((r) => {
      const tr = el("tr", { tabindex: "0", "aria-selected": selected && keyOf(selected) === keyOf(r) ? "true" : "false",
        "data-testid": "indicator-row", "data-name": r.name },
        el("td", { class: "hide-mobile" }, r.category),
        el("td", {}, r.name, el("div", { class: "note" }, r.unit)),
        el("td", { class: "num hide-mobile" }, `${PB.number(r.base_value)}`, el("div", { class: "note" }, `${r.base_year}年`)),
        el("td", { class: "num" }, `${PB.number(r.target_value)}${QUALIFIER[r.target_qualifier] || ""}`, el("div", { class: "note" }, `${r.target_year}年`)),
        el("td", { class: "hide-mobile" }, attribute(r)),
        el("td", {}, flag(r)));
      tr.addEventListener("click", () => select(r, true));
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(r, true); } });
      return tr;
    }));
    syncUrl();
  }

  async function actualsFor(r) {
    if (!actualsAvailable) return [];
    const url = `/v1/actuals?plan=${encodeURIComponent(planOf(r))}&indicator=${encodeURIComponent(r.name)}`;
    try {
      const data = await PB.json(url, { allow404: true });
      if (data === null) { actualsAvailable = false; return []; }
      const list = Array.isArray(data) ? data : data.rows || data.actuals || [];
      return list.filter((a) => Number.isFinite(Number(a.year)) && Number.isFinite(Number(a.value)))
        .map((a) => ({ year: Number(a.year), value: Number(a.value) }));
    } catch (_) { return []; }
  }

  function drawChart(r, path, actuals, mine) {
    const years = [];
    for (let y = r.base_year; y <= r.target_year; y += 1) years.push(String(y));
    const planned = years.map((y) => { const p = path.find((f) => String(f.inputs.year) === y); return p ? p.value : null; });
    const qualifier = QUALIFIER[r.target_qualifier] || "";
    const series = [{
      name: "规划路径", type: "line", data: planned, symbolSize: 6, lineStyle: { type: "dashed", width: 2 },
      markLine: { symbol: "none", label: { formatter: `目标 ${withUnit(r.target_value, r.unit)}${qualifier}`, position: "insideEndTop" },
        lineStyle: { color: "#c62828" }, data: [{ yAxis: r.target_value }] },
    }];
    if (actuals.length) {
      series.push({ name: "实际值", type: "line", connectNulls: true, symbolSize: 8,
        data: years.map((y) => { const a = actuals.find((x) => String(x.year) === y); return a ? a.value : null; }) });
    }
    if (mine) series.push({ name: "我的实际值", type: "scatter", symbolSize: 14, data: [[String(mine.year), mine.value]] });
    if (!chart) chart = window.echarts.init($("chart"));
    chart.setOption({
      animation: false, color: ["#1d5fd8", "#16833a", "#b35c00"],
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : withUnit(v, r.unit)) },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: years, boundaryGap: false },
      yAxis: { type: "value", name: r.unit, scale: true },
      series,
    }, true);
    $("chart").setAttribute("data-series", series.map((s) => s.name).join(","));
    $("chart").setAttribute("aria-label", `${r.name}：${r.base_year}年${withUnit(r.base_value, r.unit)}，${r.target_year}年目标${withUnit(r.target_value, r.unit)}${qualifier}`);
  }

  function progressText(r, path, mine) {
    const out = $("mine-result");
    if (!mine) { out.replaceChildren(); return; }
    const planned = path.find((f) => Number(f.inputs.year) === mine.year);
    const span = r.target_value - r.base_value;
    const done = span === 0 ? 100 : ((mine.value - r.base_value) / span) * 100;
    const due = ((mine.year - r.base_year) / (r.target_year - r.base_year)) * 100;
    const parts = [
      el("div", {}, `目标完成度 ${PB.number(done)}%（(${PB.number(mine.value)}−${PB.number(r.base_value)})÷(${PB.number(r.target_value)}−${PB.number(r.base_value)})），序时进度 ${PB.number(due)}%`),
      el("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
        "aria-valuenow": String(Math.round(Math.max(0, Math.min(100, done)))), "aria-label": "目标完成度" },
      el("span", { style: `width:${Math.max(0, Math.min(100, done))}%` })),
    ];
    if (planned) {
      const gap = mine.value - planned.value;
      const word = gap >= 0 ? "高于" : "低于";
      parts.push(el("div", {}, `${mine.year}年计划值 ${withUnit(planned.value, r.unit)}，您的实际值${word}计划 ${withUnit(Math.abs(gap), r.unit)}。`));
    }
    out.replaceChildren(...parts);
  }

  async function select(r, scroll) {
    selected = r;
    renderTable();
    $("detail").hidden = false;
    $("d-name").textContent = r.name;
    $("d-summary").textContent = `${r.category} · ${r.base_year}年 ${withUnit(r.base_value, r.unit)} → ${r.target_year}年目标 ${withUnit(r.target_value, r.unit)}${QUALIFIER[r.target_qualifier] || ""}`;
    $("d-basis").textContent = r.basis ? `测算依据：${r.basis}` : "";
    $("d-audit").textContent = audit[keyOf(r)] ? `复核：${audit[keyOf(r)].note}` : "";
    const years = [];
    for (let y = r.base_year + 1; y <= r.target_year; y += 1) years.push(String(y));
    options($("mine-year"), years, "年份");
    let mine = null;
    try { mine = JSON.parse(localStorage.getItem(mineKey(r.name)) || "null"); } catch (_) { mine = null; }
    $("mine-year").value = mine ? String(mine.year) : years[years.length - 1] || "";
    $("mine-value").value = mine ? String(mine.value) : "";
    $("mine-unit").textContent = r.unit;
    if (scroll && window.innerWidth < 760) $("detail").scrollIntoView({ behavior: "smooth" });
    try {
      const [path, actuals] = await Promise.all([
        PB.json(PB.withPlan(`/v1/indicators/${encodeURIComponent(r.name)}/trajectory`, r.plan)), actualsFor(r)]);
      if (selected !== r) return;
      r.path = path;
      drawChart(r, path, actuals, mine);
      progressText(r, path, mine);
      $("d-error").textContent = "";
    } catch (err) { $("d-error").textContent = err.message || PB.friendly(0); }
  }

  function saveMine(e) {
    e.preventDefault();
    if (!selected || !selected.path) return;
    const year = Number($("mine-year").value), value = Number($("mine-value").value);
    if (!year || $("mine-value").value.trim() === "" || !Number.isFinite(value)) {
      $("mine-result").textContent = "请填写年份和数值。";
      return;
    }
    const mine = { year, value };
    localStorage.setItem(mineKey(selected.name), JSON.stringify(mine));
    select(selected, false);
  }

  async function start() {
    await PB.initHeader("指标");  // the plan list decides which tables to load
    for (const id of ["f-category", "f-attribute", "f-audit", "f-plan"]) $(id).addEventListener("change", renderTable);
    $("f-search").addEventListener("input", renderTable);
    $("mine-form").addEventListener("submit", saveMine);
    $("mine-clear").addEventListener("click", () => { if (selected) { localStorage.removeItem(mineKey(selected.name)); select(selected, false); } });
    window.addEventListener("resize", () => chart && chart.resize());
    document.addEventListener("pb:plan", (e) => { $("f-plan").value = e.detail; renderTable(); });
    try {
      // Every loaded plan's rows (one request per plan), so the plan filter works across plans.
      const ids = (PB.planList || []).length > 1 ? PB.planList.map((p) => p.id) : [undefined];
      const parts = await Promise.all(ids.map((id) => Promise.all([
        PB.json(PB.withPlan("/v1/indicators", id)),
        PB.json(PB.withPlan("/v1/audit", id)).catch(() => ({ findings: [] })),
      ])));
      rows = parts.flatMap(([list]) => list.indicators);
      audit = Object.fromEntries(parts.flatMap(([list, report]) =>
        report.findings.map((f) => [`${list.plan || ""}|${f.indicator}`, f])));
      $("table-note").textContent = parts.map(([list]) => list.note).filter(Boolean).join("；");
    } catch (err) {
      $("table-note").replaceChildren(el("span", { role: "alert" }, err.message || PB.friendly(0)));
      return;
    }
    const plans = PB.planList || [];
    $("f-plan-label").hidden = plans.length < 2;
    $("f-plan").replaceChildren(el("option", { value: "" }, "全部规划"), ...plans.map((p) => el("option", { value: p.id }, p.title || p.id)));
    options($("f-category"), [...new Set(rows.map((r) => r.category))], "全部类别");
    options($("f-attribute"), [...new Set(rows.map(attribute).filter(Boolean))], "全部属性");
    for (const [id, key] of [["f-plan", "plan"], ["f-category", "category"], ["f-attribute", "attribute"], ["f-audit", "audit"], ["f-search", "q"]]) {
      if (params.get(key)) $(id).value = params.get(key);
    }
    renderTable();
    const named = rows.filter((r) => r.name === params.get("name"));
    const wanted = named.find((r) => matches(r, readFilters())) || named[0] || rows.find((r) => matches(r, readFilters())) || rows[0];
    if (wanted) select(wanted, false);
  }
  start();
})();
