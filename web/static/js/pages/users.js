// Users (administrators): every account with its role, organization and
// state; a new account of any role; disabling and enabling (the API ends
// the sessions and refuses the keys of a disabled account); a password
// reset e-mail.
import { $, api, confirmDanger, el, errorMessage, flash, ruDate, state } from "../core.js";
import { focusFirstError, keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { cell, forbidden, kindNames, once, roleNames } from "../admin.js";

// The organization kind staff of each role belong to.
const orgKindOf = { consultant: "consultancy", training_center: "training_center" };

export async function run() {
  let users = [], orgs = [];
  const load = async () => {
    [{ users }, { organizations: orgs }] = await Promise.all([api("GET", "/users"), api("GET", "/organizations")]);
    render();
  };
  const orgName = (id) => (orgs.find((o) => o.id === id) || {}).name || "";
  const render = () => {
    const text = $("#users-filter").value.trim().toLowerCase();
    const st = $("#users-state").value;
    const rows = users.filter((u) => (!text || [u.name, u.email, orgName(u.organization_id)].join(" ").toLowerCase().includes(text)) &&
      (!st || (st === "disabled") === !!u.disabled_at));
    $("#users-empty").hidden = rows.length > 0;
    $("#users tbody").replaceChildren(...rows.map(row));
  };
  const row = (u) => {
    const self = u.id === state.me.user_id;
    const status = el("p", { class: "status", role: "status" });
    const toggle = el("button", { type: "button", class: u.disabled_at ? "secondary small" : "danger small", "data-action": u.disabled_at ? "enable" : "disable" },
      u.disabled_at ? "Включить" : "Отключить");
    toggle.addEventListener("click", once(toggle, async () => {
      flash("");
      const disable = !u.disabled_at;
      if (disable && !confirmDanger(`Отключить «${u.name}» (${u.email})? Все сеансы пользователя завершатся сразу, ключи API перестанут действовать, войти он не сможет.`)) return;
      try {
        const changed = await api("PATCH", "/users/" + u.id, { disabled: disable });
        Object.assign(u, { disabled_at: changed.disabled_at || null });
        flash(disable ? `Пользователь «${u.name}» отключён: сеансы завершены, ключи не действуют.` : `Пользователь «${u.name}» снова включён: он может войти.`, "info");
        render();
      } catch (e) {
        flash(errorMessage(e));
      }
    }));
    const reset = el("button", { type: "button", class: "secondary small", "data-action": "reset" }, "Сбросить пароль");
    reset.addEventListener("click", once(reset, async () => {
      status.className = "status";
      status.textContent = "";
      if (!confirmDanger(`Отправить «${u.name}» письмо для сброса пароля на ${u.email}?`)) return;
      try {
        const r = await api("POST", "/users/" + u.id + "/password-reset");
        status.className = "status ok";
        status.textContent = (r && r.message) || `Письмо для сброса пароля отправлено на ${u.email}.`;
      } catch (e) {
        status.className = "status error";
        status.textContent = errorMessage(e);
      }
    }));
    return el("tr", { "data-user": u.id, "data-email": u.email, class: u.disabled_at ? "off" : "" },
      cell("Пользователь", el("span", { class: "title" }, u.name), el("br"), el("span", { class: "hint" }, u.email)),
      cell("Роль", roleNames[u.role] || u.role),
      cell("Организация", u.organization_id ? orgName(u.organization_id) : "—"),
      cell("Состояние", u.disabled_at ? el("span", { class: "bad-text" }, "отключён с " + ruDate(u.disabled_at)) : el("span", { class: "ok" }, "действует")),
      cell("Действия", el("div", { class: "row-actions" }, self ? el("span", { class: "hint" }, "это вы") : toggle, reset), status));
  };
  try {
    await load();
  } catch (e) {
    if (forbidden(e)) return;
    throw e;
  }
  $("#users-filter").addEventListener("input", render);
  $("#users-state").addEventListener("change", render);

  const form = $("#user-form");
  const role = form.elements.role;
  const orgSelect = form.elements.organization_id;
  // Staff belong to an organization of their role's kind; others to none.
  const syncOrg = () => {
    const kind = orgKindOf[role.value];
    $("#org-field").hidden = !kind;
    orgSelect.disabled = !kind;
    const fit = orgs.filter((o) => o.kind === kind);
    orgSelect.replaceChildren(el("option", { value: "" }, fit.length ? "— выберите организацию —" : "— организаций этого вида нет: создайте её на странице «Организации» —"),
      ...fit.map((o) => el("option", { value: o.id }, o.name + " (" + kindNames[o.kind] + ")")));
  };
  role.addEventListener("change", syncOrg);
  syncOrg();
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", once($("button[type=submit]", form), async () => {
    flash("");
    const body = { name: form.elements.name.value, email: form.elements.email.value, password: form.elements.password.value, role: role.value };
    if (!orgSelect.disabled) body.organization_id = orgSelect.value;
    try {
      const u = await api("POST", "/users", body);
      form.reset();
      syncOrg();
      setFieldErrors(form, []);
      flash(`Пользователь «${u.name}» создан (${roleNames[u.role] || u.role}). Передайте ему адрес входа и пароль.`, "info");
      await load();
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (e.fields && e.fields.length) focusFirstError(form);
      else flash(errorMessage(e));
    }
  }));
}
