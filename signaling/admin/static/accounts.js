// 管理 › アカウント: change a staff member's name, role and departments, reset a password
// (temporary by default: its owner chooses a new one at the next sign-in), and the sign-in
// page's form for that change (POST /account/password, which needs no session). Uses admin.js's
// h, $, api, state; loaded before it, declares only.
"use strict";

// Departments as checkboxes, every one in sight: a <select multiple> showed four or five.
function departmentChecks(container, chosen = []) {
  container.replaceChildren(...Object.entries(state.names.departments).map(([id, name]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "departments", value: id, checked: chosen.includes(id) }), name)));
}

const checkedDepartments = (form) =>
  [...form.querySelectorAll("input[name=departments]:checked")].map((input) => input.value);

function openAccountForm(form, title) {
  for (const other of document.querySelectorAll("#accounts-layout .editor")) other.hidden = other !== form;
  $("#accounts-layout").classList.add("editing");
  form.querySelector("h3").textContent = title;
  form.querySelector(".error").textContent = "";
  form.hidden = false;
}

function closeAccountForms() {
  for (const form of document.querySelectorAll("#accounts-layout .editor")) form.hidden = true;
  $("#accounts-layout").classList.remove("editing");
}

function editAccount(account) {
  const form = $("#account-edit");
  form.dataset.account = account.id;
  form.display_name.value = account.display_name;
  form.name_reading.value = account.name_reading || "";
  form.role.value = account.role;
  form.site_id.replaceChildren(h("option", { value: "" }, "なし (特定の拠点なし)"),
    ...state.sites.map((site) => h("option", { value: site.id }, site.names.ja)));
  form.site_id.value = account.site_id || "";
  departmentChecks(form.querySelector(".department-checks"), account.departments);
  openAccountForm(form, `アカウントの変更: ${account.display_name}`);
}

function resetPassword(account) {
  const form = $("#password-reset");
  form.dataset.account = account.id;
  form.password.value = "";
  form.temporary.checked = true;
  openAccountForm(form, `パスワード再設定: ${account.display_name}`);
}

async function accountSaved(form, message) {
  closeAccountForms();
  $("#accounts-status").textContent = message;
  await loadManage();
}

function setupAccounts() {
  const edit = $("#account-edit");
  edit.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      display_name: edit.display_name.value, name_reading: edit.name_reading.value.trim(),
      role: edit.role.value, departments: checkedDepartments(edit),
      site_id: edit.site_id.value || null,
    };
    try {
      await api(`/accounts/${encodeURIComponent(edit.dataset.account)}`, { method: "PUT", body });
    } catch (error) {
      edit.querySelector(".error").textContent = `保存できません: ${error.message}`;
      return;
    }
    await accountSaved(edit, `${body.display_name.trim()} さんのアカウントを保存しました。`);
  });
  const reset = $("#password-reset");
  reset.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { password: reset.password.value, temporary: reset.temporary.checked };
    try {
      await api(`/accounts/${encodeURIComponent(reset.dataset.account)}/password`, { body });
    } catch (error) {
      reset.querySelector(".error").textContent = `再設定できません: ${error.message}`;
      return;
    }
    await accountSaved(reset, body.temporary
      ? "仮のパスワードを設定しました。本人が次回ログイン時に変更します。"
      : "パスワードを再設定しました。");
  });
  for (const form of [edit, reset]) {
    form.querySelector(".close").addEventListener("click", closeAccountForms);
    form.addEventListener("input", () => { form.querySelector(".error").textContent = ""; });
  }
  setupPasswordChange();
}

// The sign-in page, when the hub says the password is a temporary one.
function showPasswordChange(username, password) {
  const form = $("#password-change-form");
  form.username.value = username;
  form.password.value = password;
  form.new_password.value = "";
  form.again.value = "";
  form.querySelector(".error").textContent = "";
  $("#login-form").hidden = true;
  form.hidden = false;
  form.new_password.focus();
}

function setupPasswordChange() {
  const form = $("#password-change-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = form.querySelector(".error");
    if (form.new_password.value !== form.again.value) {
      error.textContent = "新しいパスワードが一致しません。";
      return;
    }
    const response = await fetch("/account/password", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: form.username.value, password: form.password.value, new_password: form.new_password.value }),
      credentials: "omit",
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      error.textContent = response.status === 429
        ? "失敗が続いたため、しばらくお待ちください。"
        : `変更できません: ${body.message || response.statusText}`;
      return;
    }
    form.hidden = true;
    $("#login-form").hidden = false;
    $("#login-form").password.value = "";
    $("#login-status").textContent = "パスワードを変更しました。新しいパスワードでログインしてください。";
  });
}
