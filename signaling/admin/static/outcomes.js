// 窓口の設定 › 対応結果: the outcome codes staff record at a wrap-up, with names in the six
// languages. Uses directory.js's editor helpers (openEditor, closeEditors, languageRows, texts)
// and admin.js's h, $, api, state. The hub keeps at least one code (a delete of the last is 409).
"use strict";

const outcomes = { codes: [] };

async function loadOutcomes() {
  outcomes.codes = await api("/outcome-codes");
  const manage = state.me.can_manage;
  const count = outcomes.codes.length;
  renderRows($("#outcome-table tbody"), outcomes.codes, () => outcomes.codes.map((o, index) =>
    h("tr", { "data-outcome": o.code },
      h("td", {}, o.names.ja), h("td", { class: "muted id-text" }, o.code),
      h("td", { class: "wrap other-names" }, LANGUAGES.filter(([lang]) => lang !== "ja" && o.names[lang])
        .map(([lang, name]) => h("span", { class: "name-in", lang }, h("small", { class: "muted" }, `${name}: `), o.names[lang]))),
      h("td", { class: "actions" },
        manage ? h("button", { class: "up", title: "上へ", "aria-label": `${o.names.ja} を上へ`, disabled: index === 0, onclick: () => moveOutcome(index, -1) }, "▲") : null,
        manage ? h("button", { class: "down", title: "下へ", "aria-label": `${o.names.ja} を下へ`, disabled: index === count - 1, onclick: () => moveOutcome(index, 1) }, "▼") : null,
        h("button", { class: "edit", onclick: () => editOutcome(o) }, manage ? "編集" : "詳細"),
        manage ? h("button", { class: "delete", onclick: () => removeOutcome(o) }, "削除") : null))));
}

function editOutcome(o) {
  const form = $("#outcome-form");
  form.entry_id.value = o ? o.code : "";
  form.entry_id.readOnly = Boolean(o);
  for (const [lang] of LANGUAGES) form[`name-${lang}`].value = o ? o.names[lang] || "" : "";
  openEditor(form, o ? `対応結果: ${o.names.ja}` : "対応結果を追加");
}

async function outcomesChanged(message) {
  $("#directory-status").textContent = message;
  await loadOutcomes();
  state.names = await api("/directory");  // the history filter's names
  fillFilters();
}

async function moveOutcome(index, step) {
  const codes = outcomes.codes.map((o) => o.code);
  [codes[index], codes[index + step]] = [codes[index + step], codes[index]];
  try {
    await api("/outcome-code-order", { method: "PUT", body: { codes } });
    await outcomesChanged("順番を変えました。職員の画面にもすぐ反映されます。");
  } catch (error) {
    $("#directory-status").textContent = `順番を変えられません: ${error.message}`;
  }
}

async function removeOutcome(o) {
  if (!confirm(`対応結果「${o.names.ja}」を削除しますか? 過去の記録はそのまま残ります。`)) return;
  try {
    await api(`/outcome-codes/${encodeURIComponent(o.code)}`, { method: "DELETE" });
    await outcomesChanged(`対応結果「${o.names.ja}」を削除しました。`);
  } catch (error) {
    $("#directory-status").textContent = error.status === 409
      ? "最後の対応結果は削除できません。先に別の対応結果を追加してください。"
      : `削除できません: ${error.message}`;
  }
}

function setupOutcomes() {
  const form = $("#outcome-form");
  languageRows(form.querySelector(".names tbody"), false);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = form.entry_id.value.trim();
    form.querySelector(".error").textContent = "";
    try {
      await api(`/outcome-codes/${encodeURIComponent(code)}`, { method: "PUT", body: { names: texts(form, "name") } });
    } catch (error) {
      form.querySelector(".error").textContent = `保存できません: ${error.message}`;
      return;
    }
    closeEditors();
    await outcomesChanged(`対応結果「${form["name-ja"].value.trim()}」を保存しました。`);
  });
  form.querySelector(".close").addEventListener("click", closeEditors);
  form.addEventListener("input", () => { form.querySelector(".error").textContent = ""; });
  $("#outcome-new").addEventListener("click", () => editOutcome(null));
}
