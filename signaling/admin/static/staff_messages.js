// 翻訳 › 職員のメッセージ: what staff send at a touch ("少々お待ちください"), kept in the six
// kiosk languages so the citizen reads it in theirs. Add, edit, reorder (the consoles' order)
// and delete; each change reaches consoles and kiosks at once. Uses directory.js's LANGUAGES
// and texts, translations.js's loadTranslations, admin.js's h, $, api, state; declares only.
"use strict";

const staffMessages = { list: [] };

async function loadStaffMessages() {
  staffMessages.list = await api("/staff-messages");
  const manage = state.me.can_manage;
  const count = staffMessages.list.length;
  $("#staff-message-table tbody").replaceChildren(...(count ? staffMessages.list.map((m, index) =>
    h("tr", { "data-message": m.id },
      h("td", { class: "wrap" }, m.texts.ja), h("td", { class: "muted id-text" }, m.id),
      h("td", {}, `${LANGUAGES.filter(([lang]) => m.texts[lang]).length} / ${LANGUAGES.length} 言語`),
      h("td", { class: "actions" },
        manage ? h("button", { class: "up", title: "上へ", "aria-label": `${m.texts.ja} を上へ`, disabled: index === 0, onclick: () => moveStaffMessage(index, -1) }, "▲") : null,
        manage ? h("button", { class: "down", title: "下へ", "aria-label": `${m.texts.ja} を下へ`, disabled: index === count - 1, onclick: () => moveStaffMessage(index, 1) }, "▼") : null,
        h("button", { class: "edit", onclick: () => editStaffMessage(m) }, manage ? "編集" : "詳細"),
        manage ? h("button", { class: "delete", onclick: () => removeStaffMessage(m) }, "削除") : null)))
    : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "メッセージはありません。職員はその都度入力します。"))]));
}

function editStaffMessage(m) {
  const form = $("#staff-message-form");
  form.entry_id.value = m ? m.id : "";
  form.entry_id.readOnly = Boolean(m);
  for (const [lang] of LANGUAGES) form[`text-${lang}`].value = m ? m.texts[lang] || "" : "";
  form.querySelector("h3").textContent = m ? `職員のメッセージ: ${m.texts.ja}` : "職員のメッセージを追加";
  form.querySelector(".error").textContent = "";
  form.querySelector("fieldset").disabled = !state.me.can_manage;
  form.hidden = false;
  $("#staff-message-layout").classList.add("editing");
  (m ? form["text-ja"] : form.entry_id).focus();
}

function closeStaffMessageForm() {
  $("#staff-message-form").hidden = true;
  $("#staff-message-layout").classList.remove("editing");
}

async function staffMessagesChanged(message) {
  $("#translations-status").textContent = message;
  await loadTranslations();  // the side-by-side table lists the messages too
}

async function moveStaffMessage(index, step) {
  const ids = staffMessages.list.map((m) => m.id);
  [ids[index], ids[index + step]] = [ids[index + step], ids[index]];
  try {
    await api("/staff-message-order", { method: "PUT", body: { ids } });
    await staffMessagesChanged("順番を変えました。職員の画面にもすぐ反映されます。");
  } catch (error) {
    $("#translations-status").textContent = `順番を変えられません: ${error.message}`;
  }
}

async function removeStaffMessage(m) {
  if (!confirm(`職員のメッセージ「${m.texts.ja}」を削除しますか?`)) return;
  try {
    await api(`/staff-messages/${encodeURIComponent(m.id)}`, { method: "DELETE" });
    closeStaffMessageForm();
    await staffMessagesChanged(`職員のメッセージ「${m.texts.ja}」を削除しました。`);
  } catch (error) {
    $("#translations-status").textContent = `削除できません: ${error.message}`;
  }
}

function setupStaffMessages() {
  const form = $("#staff-message-form");
  form.querySelector(".names tbody").replaceChildren(...LANGUAGES.map(([lang, label]) => h("tr", {},
    h("th", {}, label, lang === "ja" ? h("span", { class: "required" }, " (必須)") : null),
    h("td", {}, h("textarea", { name: `text-${lang}`, lang, rows: 2, maxlength: 200, "aria-label": `メッセージ ${label}`, required: lang === "ja" })))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = form.entry_id.value.trim();
    form.querySelector(".error").textContent = "";
    try {
      await api(`/staff-messages/${encodeURIComponent(id)}`, { method: "PUT", body: { texts: texts(form, "text") } });
    } catch (error) {
      form.querySelector(".error").textContent = `保存できません: ${error.message}`;
      return;
    }
    closeStaffMessageForm();
    await staffMessagesChanged(`職員のメッセージ「${form["text-ja"].value.trim()}」を保存しました。`);
  });
  form.querySelector(".close").addEventListener("click", closeStaffMessageForm);
  form.addEventListener("input", () => { form.querySelector(".error").textContent = ""; });
  $("#staff-message-new").addEventListener("click", () => editStaffMessage(null));
}
