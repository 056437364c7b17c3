// The admin page: plain DOM, no build step. Everything shown comes from /admin/api and the
// /admin/live WebSocket; text goes in with textContent, never innerHTML, so names cannot inject.
"use strict";

const state = { me: null, names: null, snapshot: null, range: null };

const STATES = {
  offline: "オフライン", idle: "待機", choosing: "選択中", waiting: "待ち",
  in_call: "通話中", survey: "アンケート", fault: "故障",
};

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const $ = (selector) => document.querySelector(selector);

// A list rebuilt with the same rows swallows a click that lands mid-rebuild (mousedown on the old
// button, mouseup on its twin), as when a tab is opened and its rows come back unchanged: rebuild
// only when what the rows show has changed.
const shownRows = new WeakMap();
function renderRows(container, shown, rows) {
  const key = JSON.stringify(shown);
  if (shownRows.get(container) === key) return;
  shownRows.set(container, key);
  container.replaceChildren(...rows());
}

function seconds(value) {
  if (value === null || value === undefined) return "—";
  const s = Math.round(value);
  return s < 60 ? `${s}秒` : `${Math.floor(s / 60)}分${String(s % 60).padStart(2, "0")}秒`;
}
const number = (value, digits = 0) => (value === null || value === undefined ? "—" : value.toFixed(digits));
const percent = (value) => (value === null || value === undefined ? "—" : `${value.toFixed(1)}%`);
const time = formatDateTime;  // labels.js: yyyy/mm/dd HH:MM in Tokyo

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  const method = options.method || (options.body !== undefined ? "POST" : "GET");
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.me) headers["X-CSRF-Token"] = state.me.csrf;
  const response = await fetch(`/admin/api${path}`, {
    method,
    headers,
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    credentials: "same-origin",
  });
  if (response.status === 401 && path !== "/login") { showLogin(); throw new Error("signed out"); }
  const text = await response.text();
  const body = text && response.headers.get("Content-Type")?.includes("json") ? JSON.parse(text) : text;
  if (!response.ok) throw Object.assign(new Error(body.message || body || response.statusText), { status: response.status, code: body.error });
  return body;
}

// Sign-in.

function showLogin() {
  state.me = null;
  $("#app").hidden = true;
  $("#login").hidden = false;
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $("#login-error").textContent = "";
  $("#login-status").textContent = "";
  try {
    state.me = await api("/login", { body: { username: form.get("username"), password: form.get("password") } });
    start();
  } catch (error) {
    if (error.code === "password_change_required") {
      showPasswordChange(form.get("username"), form.get("password"));  // accounts.js
      return;
    }
    $("#login-error").textContent = error.status === 429
      ? "ログイン失敗が続いたため、しばらくお待ちください。"
      : "ログインできません (ユーザー名・パスワード・権限を確認してください)。";
  }
});

$("#logout").addEventListener("click", async () => {
  await api("/logout", { body: {} }).catch(() => {});
  location.hash = "";
  location.reload();
});

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  document.body.classList.toggle("can-manage", state.me.can_manage);
  dateStyle = state.me.date_style || "western";  // labels.js
  $("#who").textContent = `${state.me.display_name} (${label("role", state.me.role)})`;
  state.names = await api("/directory");
  fillFilters();
  connectLive();
  route();
}

// Views, by URL hash.

function route() {
  const view = (location.hash || "#overview").slice(1);
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll("#tabs a")) link.classList.toggle("active", link.hash === `#${view}`);
  if (view === "history") loadHistory();
  if (view === "manage" && state.me.can_manage) loadManage();
  if (view === "directory") { loadDirectory(); loadOutcomes(); }
  if (view === "translations") loadTranslations();  // translations.js
  if (view === "audit") loadAudit();
}
window.addEventListener("hashchange", () => state.me && route());

// Live updates.

function connectLive() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/admin/live`);
  const status = $("#live-status");
  ws.onopen = () => { status.textContent = "ライブ"; status.className = "pill ok"; };
  ws.onmessage = (event) => {
    state.snapshot = JSON.parse(event.data);
    renderLive(state.snapshot);
  };
  ws.onclose = (event) => {
    status.textContent = "再接続中…";
    status.className = "pill warn";
    if (event.code === 4401) { showLogin(); return; }
    setTimeout(connectLive, 2000);
  };
}

function renderLive(snapshot) {
  if (!state.range) renderKpis(snapshot.today, snapshot);
  renderKiosks(snapshot.kiosks);
  renderQueues(snapshot);
  renderCalls(snapshot.calls);
}

// Overview.

function renderKpis(report, snapshot) {
  const t = report.total;
  const tiles = [
    ["kpi-served", "対応件数", t.served],
    ["kpi-waiting", "現在の待ち", snapshot ? snapshot.waiting_now : "—"],
    ["kpi-longest", "最長待ち (現在)", snapshot ? seconds(snapshot.longest_wait_seconds) : "—"],
    ["kpi-avg-wait", "平均待ち時間", seconds(t.average_wait_seconds)],
    ["kpi-p90-wait", "90%待ち時間", seconds(t.p90_wait_seconds)],
    ["kpi-service-level", `応答率 (${t.service_level_seconds}秒以内)`, percent(t.service_level_percent)],
    ["kpi-abandoned", "放棄率", percent(t.abandonment_percent)],
    ["kpi-talk", "平均通話時間", seconds(t.average_talk_seconds)],
    ["kpi-transfers", "転送", t.transfers],
    ["kpi-survey", "満足度 (平均)", t.average_survey_score === null ? "—" : `${t.average_survey_score.toFixed(1)} / 5`],
  ];
  $("#kpis").replaceChildren(...tiles.map(([id, label, value]) =>
    h("div", { class: "kpi", id }, h("span", { class: "label" }, label), h("span", { class: "value" }, value))));
  const departments = Object.entries(report.by_department);
  const most = Math.max(1, ...departments.map(([, k]) => k.requested));
  $("#by-department").replaceChildren(
    departments.length === 0 ? h("p", { class: "muted" }, "データなし") : "",
    ...departments.map(([id, k]) => h("div", { class: "hbar" },
      h("span", { class: "name" }, state.names?.departments[id] || id),
      meter(k.requested / most),
      h("span", { class: "figure" }, `${k.requested}件 / 平均待ち ${seconds(k.average_wait_seconds)}`))));
  const hours = report.by_hour;
  const peak = Math.max(1, ...Object.values(hours).map((k) => k.requested));
  const bars = [];
  // Office hours, stretched to take in any consultation outside them.
  const seen = Object.keys(hours).map(Number);
  for (let hour = Math.min(8, ...seen); hour <= Math.max(18, ...seen); hour++) {
    const k = hours[hour];
    const bar = h("div", { class: "hour-bar", title: `${hour}時: ${k ? k.requested : 0}件` });
    bar.style.height = `${((k ? k.requested : 0) / peak) * 100}%`;
    bars.push(h("div", { class: "col" }, h("div", { class: "track" }, bar), h("span", {}, `${hour}`)));
  }
  $("#by-hour").replaceChildren(...bars);
}

function meter(fraction) {
  const fill = h("span", { class: "fill" });
  fill.style.width = `${Math.round(fraction * 100)}%`;
  return h("span", { class: "meter" }, fill);
}

// A filter's yyyy/mm/dd boxes as the API's dates; null (and the form says why) if one is not a date.
function dateRange(form) {
  const error = form.querySelector(".error");
  const from = parseDate(form.from.value), to = parseDate(form.to.value);
  const bad = [[from, "開始"], [to, "終了"]].filter(([value]) => value === null).map(([, name]) => name);
  error.textContent = bad.length ? `${bad.join("・")}の日付は yyyy/mm/dd で入力してください (例: 2026/04/01)。` : "";
  if (bad.length) return null;
  for (const [input, value] of [[form.from, from], [form.to, to]]) if (value) input.value = slashed(value);
  return { from, to };
}

$("#period-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const dates = dateRange(event.target);
  if (!dates) return;
  const from = dates.from || todayIso();
  state.range = { from, to: dates.to || from };
  const query = new URLSearchParams(state.range);
  $("#kpi-period").textContent = `${slashed(state.range.from)} 〜 ${slashed(state.range.to)}`;
  renderKpis(await api(`/overview?${query}`), null);
});
$("#period-today").addEventListener("click", () => {
  state.range = null;
  $("#period-form").reset();
  $("#period-form .error").textContent = "";
  $("#kpi-period").textContent = "本日";
  if (state.snapshot) renderKpis(state.snapshot.today, state.snapshot);
});

// Kiosks, queues, staff, calls.

const DEVICE = { ok: "正常", missing: "なし", fault: "故障" };
const NETWORK = { ok: "正常", poor: "不安定", reconnecting: "再接続中" };

function renderKiosks(kiosks) {
  const health = (k) => {
    const network = k.network
      ? [h("span", { class: `device ${k.network}` }, `ネットワーク: ${NETWORK[k.network]}`)] : [];
    if (!k.health) return [...network, h("span", { class: "muted" }, "機器情報なし")];
    return [...Object.entries({ camera: "カメラ", microphone: "マイク", speaker: "スピーカー" }).map(([key, label]) =>
      h("span", { class: `device ${k.health[key]}` }, `${label}: ${DEVICE[k.health[key]] ?? k.health[key]}`)), ...network];
  };
  $("#kiosk-grid").replaceChildren(...kiosks.map((k) =>
    h("article", { class: `kiosk state-${k.state}${k.disabled ? " disabled" : ""}`, "data-kiosk": k.name, "data-state": k.state },
      h("header", {}, h("strong", {}, k.name), h("span", { class: "state" }, k.disabled ? "無効" : STATES[k.state])),
      h("p", { class: "muted" }, k.location),
      h("p", {}, "最終確認: ", time(k.last_seen)),
      h("p", { class: "health" }, health(k)),
      k.app_version ? h("p", { class: "muted" }, `アプリ ${k.app_version}`) : null)));
}

function renderQueues(snapshot) {
  $("#queue-table tbody").replaceChildren(...snapshot.queues.map((q) =>
    h("tr", { class: q.length ? "busy" : "" }, h("td", {}, q.department), h("td", {}, q.length),
      h("td", {}, q.length ? seconds(q.oldest_wait_seconds) : "—"))));
  $("#staff-table tbody").replaceChildren(...snapshot.staff.map((s) =>
    h("tr", { "data-staff": s.name }, h("td", {}, s.name), h("td", {}, s.departments.join("、")),
      h("td", { class: s.online ? "ok" : "muted" }, s.online ? label("presence", s.presence) : "オフライン"),
      h("td", {}, s.session_id ? "通話中" : ""))));
}

function sparkline(values) {
  const points = values.map((v, i) => [i, v]).filter(([, v]) => v !== null);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 60 20");
  svg.setAttribute("class", "spark");
  if (points.length > 1) {
    const top = Math.max(...points.map(([, v]) => v), 1);
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    line.setAttribute("points", points.map(([i, v]) => `${(i / (values.length - 1)) * 60},${20 - (v / top) * 18}`).join(" "));
    svg.append(line);
  }
  return svg;
}

function renderCalls(calls) {
  const rows = [];
  for (const call of calls) {
    for (const [end, label] of [["kiosk", "キオスク"], ["staff", "職員"]]) {
      const q = call.quality[end];
      const warn = (key) => (q && q.warn[key] ? "warn" : "");
      rows.push(h("tr", { "data-session": call.session_id, "data-end": end },
        end === "kiosk" ? [h("td", { rowspan: 2 }, call.department), h("td", { rowspan: 2 }, call.staff),
          h("td", { rowspan: 2 }, call.kiosk), h("td", { rowspan: 2 }, seconds(call.duration_seconds))] : [],
        h("td", {}, label, q && q.audio_drift_ppm != null
          // The kiosk's microphone against its speaker, which the echo canceller corrects.
          ? h("small", { class: "muted drift", title: "マイクとスピーカーの時計のずれ (エコー除去で補正)" },
            ` 音声 ${q.audio_drift_ppm >= 0 ? "+" : ""}${Math.round(q.audio_drift_ppm)} ppm`)
          : null),
        h("td", { class: `rtt ${warn("rtt_ms")}` }, q ? `${number(q.rtt_ms)} ms` : "—"),
        h("td", { class: `loss ${warn("loss_percent")}` }, q ? percent(q.loss_percent) : "—"),
        h("td", { class: `fps ${warn("fps")}` }, q ? number(q.fps) : "—"),
        h("td", { class: "bitrate" }, q ? number(q.bitrate_kbps) : "—"),
        h("td", {}, q ? sparkline(q.rtt_trend) : "")));
    }
  }
  $("#call-table tbody").replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: 10, class: "muted" }, "通話はありません"))]));
}

// History.

function fillFilters() {
  const options = (select, entries) => {
    select.replaceChildren(h("option", { value: "" }, "すべて"), ...entries.map(([value, label]) => h("option", { value }, label)));
  };
  const form = $("#history-form");
  options(form.department, Object.entries(state.names.departments));
  options(form.outcome, Object.entries(state.names.outcomes));
  options(form.reason, state.names.end_reasons.map((r) => [r, label("endReason", r)]));
  departmentChecks($("#account-form .department-checks"));  // accounts.js
  api("/kiosks").then((kiosks) => options(form.kiosk, kiosks.map((k) => [k.id, k.name])));
  api("/accounts").then((accounts) => options(form.staff,
    accounts.filter((a) => a.role === "staff").map((a) => [a.id, a.display_name])));
}

// The filters as the API's query; null while a date is not one.
function historyQuery() {
  const form = $("#history-form");
  const dates = dateRange(form);
  if (!dates) return null;
  const query = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (value && key !== "from" && key !== "to") query.set(key, value);
  if (dates.from) query.set("from", dates.from);
  if (dates.to) query.set("to", dates.to);
  return query;
}

// A code deleted since shows as such: the history keeps the code, the list no longer names it.
const outcomeName = (code) => (code ? state.names.outcomes[code] ?? "削除された対応結果" : "");

async function loadHistory() {
  const query = historyQuery();
  if (!query) return;
  $("#csv-link").href = `/admin/api/history.csv?${query}`;
  const { rows } = await api(`/history?${query}`);
  $("#history-table tbody").replaceChildren(...rows.map((r) =>
    h("tr", { class: "clickable", "data-session": r.id, onclick: () => showDetail(r) },
      h("td", {}, time(r.requested_at)), h("td", {}, r.kiosk), h("td", {}, r.department),
      h("td", {}, r.staff.join(" → ")), h("td", {}, seconds(r.wait_seconds)), h("td", {}, seconds(r.talk_seconds)),
      h("td", {}, r.transfers), h("td", {}, outcomeName(r.outcome_code)),
      h("td", {}, r.end_reason ? label("endReason", r.end_reason) : "進行中"),
      h("td", {}, r.survey_score ?? ""))));
}

function showDetail(r) {
  const box = $("#history-detail");
  box.hidden = false;
  box.replaceChildren(h("h3", {}, `受付 ${r.id} の経過`), h("ol", { class: "chain" }, ...r.legs.map((leg) =>
    h("li", {}, h("strong", {}, leg.department), ` 担当: ${leg.staff || "—"} / 受付 ${time(leg.queued_at)} / 応答 ${time(leg.answered_at)} / 終了 ${leg.end_reason ? label("endReason", leg.end_reason) : "—"}`,
      leg.transfer_note ? h("div", { class: "note" }, `転送メモ (${leg.transferred_by}): ${leg.transfer_note}`) : "",
      leg.outcome_code ? h("div", {}, `対応結果: ${outcomeName(leg.outcome_code)} ${leg.wrap_up_note || ""}`) : ""))));
}

$("#history-form").addEventListener("submit", (event) => { event.preventDefault(); loadHistory(); });
$("#history-form").addEventListener("change", () => {
  const query = historyQuery();
  if (query) $("#csv-link").href = `/admin/api/history.csv?${query}`;
});

// Management (admins only; the API refuses supervisors anyway).

async function loadManage() {
  const [kiosks, accounts] = await Promise.all([api("/kiosks"), api("/accounts")]);
  renderRows($("#manage-kiosks tbody"), kiosks, () => kiosks.map((k) =>
    h("tr", { "data-kiosk": k.name }, h("td", {}, k.name), h("td", {}, k.location), h("td", {}, k.disabled ? "無効" : "有効"),
      h("td", {}, h("button", { onclick: () => change(`/kiosks/${k.id}/disabled`, { disabled: !k.disabled }) }, k.disabled ? "有効にする" : "無効にする")))));
  state.accounts = accounts;
  state.sites = await api("/sites");
  const siteName = (id) => state.sites.find((site) => site.id === id)?.names.ja ?? "";
  const departmentName = (id) => state.names.departments[id] || id;
  renderRows($("#manage-accounts tbody"), [accounts, state.sites, state.names.departments], () => accounts.map((a) =>
    h("tr", { "data-username": a.username }, h("td", { class: "id-text" }, a.username),
      h("td", {}, a.display_name, a.name_reading ? h("small", { class: "reading", lang: "ja" }, a.name_reading) : null),
      h("td", {}, label("role", a.role)), h("td", { class: "wrap" }, siteName(a.site_id)),
      h("td", { class: "wrap" }, a.departments.map(departmentName).join("、")),
      h("td", { class: "state" }, a.disabled ? "無効" : a.must_change_password ? "仮パスワード" : "有効"),
      h("td", { class: "actions" },
        h("button", { class: "edit", onclick: () => editAccount(a) }, "変更"),
        h("button", { class: "disable", onclick: () => change(`/accounts/${a.id}/disabled`, { disabled: !a.disabled }) }, a.disabled ? "有効にする" : "無効にする"),
        h("button", { class: "reset", onclick: () => resetPassword(a) }, "パスワード再設定")))));
}

async function change(path, body) {
  try { await api(path, { body }); } catch (error) { alert(error.message); }
  loadManage();
}

$("#kiosk-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const created = await api("/kiosks", { body: { name: form.get("name"), location: form.get("location") } });
  $("#kiosk-token").hidden = false;
  $("#kiosk-token-text").textContent = created.token;
  const qr = qrcode(0, "M");
  qr.addData(created.token);
  qr.make();
  $("#kiosk-token-qr").src = qr.createDataURL(4, 2);
  event.target.reset();
  loadManage();
});

$("#account-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = {
    username: form.username.value, display_name: form.display_name.value, password: form.password.value,
    role: form.role.value, departments: checkedDepartments(form),
  };
  try {
    await api("/accounts", { body });
    $("#account-result").textContent = `${body.username} を作成しました。`;
    form.reset();
    departmentChecks(form.querySelector(".department-checks"));
  } catch (error) {
    $("#account-result").textContent = `作成できません: ${error.message}`;
  }
  loadManage();
});

// Audit.

async function loadAudit() {
  const [entries, accounts, kiosks] = await Promise.all([api("/audit"), api("/accounts"), api("/kiosks")]);
  const who = Object.fromEntries([...accounts.map((a) => [a.id, a.display_name]), ...kiosks.map((k) => [k.id, k.name])]);
  const name = (id) => who[id] ?? LABELS.actor[id] ?? id;
  $("#audit-table tbody").replaceChildren(...entries.map((e) =>
    h("tr", { "data-action": e.action }, h("td", { class: "nowrap" }, time(e.at)), h("td", {}, name(e.actor)),
      h("td", {}, label("action", e.action)), h("td", { class: "wrap" }, name(e.target)),
      h("td", { class: "id-text" }, e.ip || ""), h("td", { class: "detail" }, auditDetail(e.detail)))));
}

// An audit entry's detail as "key: value" lines, codes as their labels.
function auditDetail(detail, prefix = "") {
  const lines = [];
  for (const [key, value] of Object.entries(detail)) {
    // Keys are paths ("names.en", "hours.weekly.mon"): each part as its label.
    const name = prefix + key.split(".").map((part) => LABELS.detail[part] ?? part).join(" ");
    if (value && typeof value === "object" && !Array.isArray(value)) lines.push(...auditDetail(value, `${name} › `));
    // A username is what someone typed, not a code: shown as is, like the IP address.
    else lines.push([`${name}: `, key === "username" ? h("span", { class: "id-text" }, value) : auditValue(key, value)]);
  }
  return prefix ? lines : lines.map((line) => h("div", {}, ...line));
}

function auditValue(key, value) {
  if (Array.isArray(value)) return value.map((v) => auditValue(key, v)).join("、") || "なし";
  if (key === "reason") return label("reason", value);
  if (key === "role") return label("role", value);
  if (key === "method") return label("method", value);
  if (key === "departments") return state.names.departments[value] ?? value;
  if (key === "codes") return outcomeName(value);
  if (typeof value === "boolean") return value ? "はい" : "いいえ";
  return value === null ? "—" : String(value);
}

setupDirectory();  // directory.js
setupOutcomes();  // outcomes.js
setupAccounts();  // accounts.js
setupTranslations();  // translations.js
setupStaffMessages();  // staff_messages.js

// Boot: signed in already (a reload) or show the form.
api("/me").then((me) => { state.me = me; start(); }).catch(() => showLogin());
