// 窓口の設定: departments (課), their hours, and the categories citizens pick. Loaded before
// admin.js, whose helpers (h, $, api, state) it uses once the page runs; it only declares here.
// Admins edit; supervisors get the same forms read-only, and the API refuses them anyway.
"use strict";

const LANGUAGES = [
  ["ja", "日本語"], ["ja-easy", "やさしい日本語"], ["en", "English"],
  ["zh", "中文"], ["ko", "한국어"], ["vi", "Tiếng Việt"],
];
const WEEKDAYS = [["mon", "月"], ["tue", "火"], ["wed", "水"], ["thu", "木"], ["fri", "金"], ["sat", "土"], ["sun", "日"]];
// signaling/directory.py CATEGORY_ICONS, which kiosks draw (tests/admin/test_directory_api.py
// checks the two agree); no icon shows as 窓口.
const ICONS = [
  ["", "窓口 (標準)"], ["document", "書類"], ["house", "住まい"], ["card", "カード"], ["child", "子ども"],
  ["daycare", "保育"], ["care", "介護"], ["yen", "お金"], ["help", "相談"],
];

const directory = { departments: [], categories: [], services: [] };

// A list typed as "08:30-12:00, 13:00-17:15" or "12-29、12-30": commas, 、 or spaces.
const items = (text) => text.split(/[\s,、]+/).filter(Boolean);

// "月〜金 08:30-17:15 / 土 09:00-12:00": runs of days with the same hours.
function weekSummary(weekly) {
  const runs = [];
  WEEKDAYS.forEach(([day, label], index) => {
    const spans = (weekly[day] || []).join(", ");
    const last = runs[runs.length - 1];
    if (!spans) return;
    if (last && last.spans === spans && last.end === index - 1) Object.assign(last, { to: label, end: index });
    else runs.push({ from: label, to: label, spans, end: index });
  });
  if (!runs.length) return "休み";
  return runs.map((r) => `${r.from === r.to ? r.from : `${r.from}〜${r.to}`} ${r.spans}`).join(" / ");
}

async function loadDirectory() {
  [directory.departments, directory.categories, directory.services] =
    await Promise.all([api("/departments"), api("/categories"), api("/services")]);
  const manage = state.me.can_manage;
  const buttons = (kind, entry, index, count) => h("td", { class: "actions" },
    manage ? h("button", { class: "up", title: "上へ", "aria-label": `${entry.names.ja} を上へ`, disabled: index === 0, onclick: () => move(kind, index, -1) }, "▲") : null,
    manage ? h("button", { class: "down", title: "下へ", "aria-label": `${entry.names.ja} を下へ`, disabled: index === count - 1, onclick: () => move(kind, index, 1) }, "▼") : null,
    h("button", { class: "edit", onclick: () => (kind === "department" ? editDepartment(entry) : editCategory(entry)) }, manage ? "編集" : "詳細"),
    manage ? h("button", { class: "delete", onclick: () => remove(kind, entry) }, "削除") : null);
  renderRows($("#department-table tbody"), directory.departments, () => directory.departments.map((d, i, all) =>
    h("tr", { "data-department": d.id }, h("td", {}, d.names.ja), h("td", { class: "muted" }, d.id),
      h("td", { class: "hours wrap" }, weekSummary(d.hours.weekly)), h("td", { class: "wrap" }, d.hours.closed_dates.join(", ")),
      h("td", {}, d.hours.national_holidays_closed ? "休み" : "開庁"), buttons("department", d, i, all.length))));
  const departmentName = (id) => directory.departments.find((d) => d.id === id)?.names.ja || id;
  // A topic of a service goes to the citizen's own ward's desk for it (docs/admin.md).
  const serviceName = (id) => `各区の${directory.services.find((s) => s.id === id)?.names.ja || id}`;
  renderRows($("#category-table tbody"), directory, () => directory.categories.map((c, i, all) =>
    h("tr", { "data-category": c.id }, h("td", {}, c.names.ja), h("td", { class: "muted" }, c.id),
      h("td", { class: "wrap" }, c.department_id ? departmentName(c.department_id) : serviceName(c.service_id)),
      h("td", { class: "wrap" }, c.names.en || ""),
      h("td", {}, (ICONS.find(([v]) => v === c.icon) || [c.icon, c.icon])[1]), buttons("category", c, i, all.length))));
}

function openEditor(form, title) {
  for (const other of document.querySelectorAll(".editor")) other.hidden = other !== form;
  $("#directory-layout").classList.add("editing");
  form.querySelector("h3").textContent = title;
  form.querySelector(".error").textContent = "";
  form.querySelector("fieldset").disabled = !state.me.can_manage;
  form.hidden = false;
}

function closeEditors() {
  for (const form of document.querySelectorAll(".editor")) form.hidden = true;
  $("#directory-layout").classList.remove("editing");
}

function editDepartment(d) {
  const form = $("#department-form");
  const hours = d ? d.hours : { weekly: {}, closed_dates: [], national_holidays_closed: true };
  form.entry_id.value = d ? d.id : "";
  form.entry_id.readOnly = Boolean(d);
  for (const [lang] of LANGUAGES) form[`name-${lang}`].value = d ? d.names[lang] || "" : "";
  for (const [day] of WEEKDAYS) form[`hours-${day}`].value = (hours.weekly[day] || []).join(", ");
  form.closed_dates.value = hours.closed_dates.join(", ");
  form.national_holidays_closed.checked = hours.national_holidays_closed;
  openEditor(form, d ? `課: ${d.names.ja}` : "課を追加");
}

function editCategory(c) {
  const form = $("#category-form");
  form.entry_id.value = c ? c.id : "";
  form.entry_id.readOnly = Boolean(c);
  // One department, or a service: then each ward's desk that offers it (values "service:<id>").
  form.department_id.replaceChildren(
    h("optgroup", { label: "課" }, ...directory.departments.map((d) => h("option", { value: d.id }, d.names.ja))),
    directory.services.length ? h("optgroup", { label: "業務 (区ごとの窓口へ)" }, ...directory.services.map((sv) =>
      h("option", { value: `service:${sv.id}` }, `各区の${sv.names.ja}`))) : null);
  form.department_id.value = c ? (c.service_id ? `service:${c.service_id}` : c.department_id) : directory.departments[0]?.id || "";
  form.icon.value = c ? c.icon : "";
  for (const [lang] of LANGUAGES) {
    form[`name-${lang}`].value = c ? c.names[lang] || "" : "";
    form[`description-${lang}`].value = c ? c.descriptions[lang] || "" : "";
  }
  openEditor(form, c ? `相談の種類: ${c.names.ja}` : "相談の種類を追加");
}

// Languages left empty are left out: the kiosk falls back to Japanese, then English.
function texts(form, prefix) {
  const out = {};
  for (const [lang] of LANGUAGES) if (form[`${prefix}-${lang}`].value.trim()) out[lang] = form[`${prefix}-${lang}`].value.trim();
  return out;
}

async function save(form, kind, body) {
  const id = form.entry_id.value.trim();
  form.querySelector(".error").textContent = "";
  try {
    await api(`/${kind}/${encodeURIComponent(id)}`, { method: "PUT", body });
  } catch (error) {
    form.querySelector(".error").textContent = `保存できません: ${error.message}`;
    return;
  }
  closeEditors();
  $("#directory-status").textContent = `${id} を保存しました。`;
  await loadDirectory();
  state.names = await api("/directory");
  fillFilters();
}

// The kiosk shows categories in this order, so the most asked-for topics can come first.
async function move(kind, index, step) {
  const ids = (kind === "department" ? directory.departments : directory.categories).map((e) => e.id);
  [ids[index], ids[index + step]] = [ids[index + step], ids[index]];
  try {
    await api(`/${kind}-order`, { method: "PUT", body: { ids } });
    $("#directory-status").textContent = "順番を変えました。キオスクにもすぐ反映されます。";
  } catch (error) {
    $("#directory-status").textContent = `順番を変えられません: ${error.message}`;
  }
  await loadDirectory();
}

async function remove(kind, entry) {
  if (!confirm(`${entry.names.ja} (${entry.id}) を削除しますか?`)) return;
  const path = kind === "department" ? "departments" : "categories";
  try {
    await api(`/${path}/${encodeURIComponent(entry.id)}`, { method: "DELETE" });
    $("#directory-status").textContent = `${entry.id} を削除しました。`;
  } catch (error) {
    $("#directory-status").textContent = `削除できません: ${error.message}`;
  }
  await loadDirectory();
}

function languageRows(container, withDescriptions) {
  container.replaceChildren(...LANGUAGES.map(([lang, label]) => h("tr", {},
    h("th", {}, label, lang === "ja" ? h("span", { class: "required" }, " (必須)") : null),
    h("td", {}, h("input", { name: `name-${lang}`, lang, "aria-label": `名前 ${label}`, required: lang === "ja" })),
    withDescriptions ? h("td", {}, h("input", { name: `description-${lang}`, lang, "aria-label": `説明 ${label}` })) : null)));
}

function setupDirectory() {
  const departmentForm = $("#department-form");
  const categoryForm = $("#category-form");
  languageRows(departmentForm.querySelector(".names tbody"), false);
  languageRows(categoryForm.querySelector(".names tbody"), true);
  departmentForm.querySelector(".week tbody").replaceChildren(...WEEKDAYS.map(([day, label]) =>
    h("tr", {}, h("th", {}, `${label}曜`),
      h("td", {}, h("input", { name: `hours-${day}`, placeholder: "休み (例: 08:30-17:15)", "aria-label": `${label}曜の受付時間` })))));
  categoryForm.icon.replaceChildren(...ICONS.map(([value, label]) => h("option", { value }, label)));

  departmentForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const weekly = {};
    for (const [day] of WEEKDAYS) {
      const spans = items(departmentForm[`hours-${day}`].value);
      if (spans.length) weekly[day] = spans;
    }
    save(departmentForm, "departments", {
      names: texts(departmentForm, "name"),
      hours: {
        weekly,
        closed_dates: items(departmentForm.closed_dates.value),
        national_holidays_closed: departmentForm.national_holidays_closed.checked,
      },
    });
  });
  categoryForm.addEventListener("submit", (event) => {
    event.preventDefault();
    save(categoryForm, "categories", {
      ...(categoryForm.department_id.value.startsWith("service:")
        ? { service_id: categoryForm.department_id.value.slice("service:".length) }
        : { department_id: categoryForm.department_id.value }),
      names: texts(categoryForm, "name"),
      descriptions: texts(categoryForm, "description"),
      icon: categoryForm.icon.value,
    });
  });
  for (const form of [departmentForm, categoryForm]) {
    form.querySelector(".close").addEventListener("click", closeEditors);
    form.addEventListener("input", () => { form.querySelector(".error").textContent = ""; });  // being fixed
  }
  $("#department-new").addEventListener("click", () => editDepartment(null));
  $("#category-new").addEventListener("click", () => editCategory(null));
}
