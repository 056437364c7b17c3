// 翻訳: every city text side by side, one column per kiosk language (directory.js's LANGUAGES),
// edited in place and saved through the API that owns each text, which sends it to the kiosks
// at once. Above it, each language's completeness and what is missing, each a link to its cell.
// Uses admin.js's h, $, api, state; loaded before it, declares only.
"use strict";

// Each kind of city text: where its entries come from, which field holds the texts, and the
// request that saves one entry with new texts (a whole ward, site… as the API wants it).
const TEXT_KINDS = [
  { kind: "ward", label: "区", list: "/wards", field: "names", put: (e) => [`/wards/${enc(e.id)}`, e] },
  { kind: "site", label: "拠点", list: "/sites", field: "names", put: (e) => [`/sites/${enc(e.id)}`, e] },
  { kind: "service", label: "業務", list: "/services", field: "names", put: (e) => [`/services/${enc(e.id)}`, e] },
  { kind: "department", label: "課", list: "/departments", field: "names", put: (e) => [`/departments/${enc(e.id)}`, e] },
  { kind: "category", label: "相談の種類", list: "/categories", field: "names", put: (e) => [`/categories/${enc(e.id)}`, e] },
  // A category's description, counted only where the category has one in some language.
  { kind: "description", label: "相談の種類の説明", list: "/categories", field: "descriptions", optional: true,
    put: (e) => [`/categories/${enc(e.id)}`, e] },
  { kind: "outcome", label: "対応結果", list: "/outcome-codes", field: "names", key: "code",
    put: (e) => [`/outcome-codes/${enc(e.code)}`, { names: e.names }] },
  { kind: "message", label: "職員のメッセージ", list: "/staff-messages", field: "texts",
    put: (e) => [`/staff-messages/${enc(e.id)}`, { texts: e.texts }] },
];

const enc = encodeURIComponent;
// Cells grow with their text (admin.css, field-sizing); where a browser cannot, fit() does it.
const CELLS_GROW = CSS.supports("field-sizing", "content");
const translations = { rows: [], saving: Promise.resolve() };

// One row per text: its kind, the entry it belongs to (shared, so a save updates every row of
// that entry), and a name to list it by.
function textRows(lists) {
  const rows = [];
  for (const kind of TEXT_KINDS) {
    for (const entry of lists[kind.list]) {
      if (kind.optional && !Object.keys(entry[kind.field]).length) continue;
      const key = entry[kind.key || "id"];
      const name = entry.names ? entry.names.ja : entry.texts.ja;
      rows.push({ kind, entry, key, name: name || key, id: `${kind.kind}-${key}` });
    }
  }
  return rows;
}

const textOf = (row, lang) => row.entry[row.kind.field][lang] || "";

// Per language: how many texts it has, and which are missing.
function completeness(rows) {
  return LANGUAGES.map(([lang, name]) => {
    const missing = rows.filter((row) => !textOf(row, lang));
    const done = rows.length - missing.length;
    // Rounded down: 100% only when nothing is missing.
    const percent = rows.length ? Math.floor((done * 100) / rows.length) : 100;
    return { lang, name, percent, missing };
  });
}

async function loadTranslations() {
  const paths = [...new Set(TEXT_KINDS.map((k) => k.list))];
  const answers = await Promise.all(paths.map((path) => api(path)));
  translations.rows = textRows(Object.fromEntries(paths.map((path, i) => [path, answers[i]])));
  renderTranslationTable();
  renderCompleteness();
  loadStaffMessages();  // staff_messages.js
  loadReadings();
}

function renderCompleteness() {
  $("#completeness").replaceChildren(...completeness(translations.rows).map(({ lang, name, percent, missing }) =>
    h("section", { class: `language${missing.length ? " incomplete" : ""}`, "data-lang": lang },
      h("h3", { lang }, name),
      h("p", { class: "figure" }, h("strong", { class: "percent" }, `${percent}%`), " — ",
        h("span", { class: "missing-count" }, missing.length ? `${missing.length} 件未翻訳` : "すべて翻訳済み")),
      meter(percent / 100),  // admin.js
      missing.length ? h("details", {},
        h("summary", {}, "未翻訳の一覧"),
        h("ul", { class: "gaps" }, ...missing.map((row) => h("li", {},
          h("button", { type: "button", class: "link-like", "data-cell": `${row.id}:${lang}`, onclick: () => goToCell(row, lang) },
            `${row.kind.label}: ${row.name}`))))) : null)));
}

function renderTranslationTable() {
  const manage = state.me.can_manage;
  const body = [];
  let kindShown = null;
  for (const row of translations.rows) {
    if (row.kind !== kindShown) {
      kindShown = row.kind;
      body.push(h("tr", { class: "group" }, h("th", { colspan: LANGUAGES.length + 1, scope: "rowgroup" }, row.kind.label)));
    }
    body.push(h("tr", { "data-row": row.id },
      h("th", { scope: "row" }, row.name, h("small", { class: "muted id-text" }, row.key)),
      ...LANGUAGES.map(([lang, name]) => {
        const text = h("textarea", {
          lang, rows: 1, id: `cell-${row.id}:${lang}`, readonly: !manage,
          "aria-label": `${row.kind.label} ${row.name} (${name})`,
          onchange: (event) => queueSave(row, lang, event.target),
          oninput: (event) => fit(event.target),
          onkeydown: (event) => { if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); event.target.blur(); } },
        });
        text.value = textOf(row, lang);
        const cell = h("td", { "data-lang": lang }, h("span", { class: "gap" }, "未翻訳"), text);
        markCell(cell, text.value);
        return cell;
      })));
  }
  $("#translation-table tbody").replaceChildren(...body);
  for (const text of document.querySelectorAll("#translation-table textarea")) fit(text);
}

function fit(text) {
  if (CELLS_GROW) return;
  text.style.height = "auto";
  text.style.height = `${text.scrollHeight + 2}px`;
}

// A missing text is marked by a word and a dashed box, not by colour alone.
function markCell(cell, value) {
  cell.classList.toggle("missing", !value.trim());
}

function goToCell(row, lang) {
  const text = document.getElementById(`cell-${row.id}:${lang}`);
  text.scrollIntoView({ block: "center" });
  text.focus({ preventScroll: true });
}

// One save at a time, in the order typed: two cells of one entry each send the whole entry.
function queueSave(row, lang, text) {
  translations.saving = translations.saving.then(() => saveText(row, lang, text));
}

async function saveText(row, lang, text) {
  const field = row.kind.field;
  const value = text.value.trim();
  // An empty cell drops the language: the kiosk falls back for it (the API refuses "").
  const texts = { ...row.entry[field] };
  if (value) texts[lang] = value; else delete texts[lang];
  const [path, body] = row.kind.put({ ...row.entry, [field]: texts });
  const where = `${row.kind.label}「${row.name}」の${LANGUAGES.find(([l]) => l === lang)[1]}`;
  try {
    await api(path, { method: "PUT", body });
    row.entry[field] = texts;
    text.value = value;
    $("#translations-status").textContent = `${where}を保存しました。キオスクにもすぐ反映されます。`;
  } catch (error) {
    text.value = textOf(row, lang);
    $("#translations-status").textContent = `${where}を保存できません: ${error.message}`;
  }
  markCell(text.closest("td"), text.value);
  renderCompleteness();
  if (lang === "ja" && (row.kind.kind === "department" || row.kind.kind === "outcome")) {
    state.names = await api("/directory");  // the history filters name them in Japanese
    fillFilters();
  }
}

// 読み: the city's own readings for the kiosk's ruby, saved as one list.

function readingRow(reading = { word: "", reading: "" }) {
  const manage = state.me.can_manage;
  return h("tr", {},
    h("td", {}, h("input", { name: "word", value: reading.word, maxlength: 32, "aria-label": "ことば", readonly: !manage })),
    h("td", {}, h("input", { name: "reading", value: reading.reading, maxlength: 64, "aria-label": "読み", readonly: !manage })),
    h("td", { class: "actions" }, manage ? h("button", { type: "button", class: "delete", onclick: (event) => event.target.closest("tr").remove() }, "削除") : null));
}

async function loadReadings() {
  const readings = await api("/readings");
  $("#reading-form .error").textContent = "";
  $("#reading-table tbody").replaceChildren(...readings.map((r) => readingRow(r)));
}

function setupTranslations() {
  const form = $("#reading-form");
  $("#reading-add").addEventListener("click", () => {
    const row = readingRow();
    $("#reading-table tbody").append(row);
    row.querySelector("input").focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const readings = [...form.querySelectorAll("tbody tr")]
      .map((tr) => ({ word: tr.querySelector("[name=word]").value.trim(), reading: tr.querySelector("[name=reading]").value.trim() }))
      .filter((r) => r.word || r.reading);
    try {
      await api("/readings", { method: "PUT", body: readings });
    } catch (error) {
      form.querySelector(".error").textContent = `保存できません: ${error.message}`;
      return;
    }
    await loadReadings();
    $("#translations-status").textContent = `読みを保存しました (${readings.length} 件)。キオスクのふりがなにすぐ反映されます。`;
  });
  form.addEventListener("input", () => { form.querySelector(".error").textContent = ""; });
}
