// Organizations (administrators): consultancies and training centers, how
// many staff each has, and a new one.
import { $, api, count, el, errorMessage, flash, ruDate } from "../core.js";
import { focusFirstError, keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { cell, forbidden, kindNames, once } from "../admin.js";

export async function run() {
  const draw = async () => {
    const [{ organizations }, { users }] = await Promise.all([api("GET", "/organizations"), api("GET", "/users")]);
    const staff = {};
    for (const u of users) if (u.organization_id) staff[u.organization_id] = (staff[u.organization_id] || 0) + 1;
    $("#orgs-empty").hidden = organizations.length > 0;
    $("#orgs tbody").replaceChildren(...organizations.map((o) => el("tr", { "data-org": o.id },
      cell("Название", el("span", { class: "title" }, o.name)),
      cell("Вид", kindNames[o.kind] || o.kind),
      cell("Сотрудники", staff[o.id] ? count(staff[o.id], "человек", "человека", "человек") : "нет"),
      cell("Создана", ruDate(o.created_at)))));
  };
  try {
    await draw();
  } catch (e) {
    if (forbidden(e)) return;
    throw e;
  }
  const form = $("#org-form");
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", once($("button[type=submit]", form), async () => {
    flash("");
    const body = { name: form.elements.name.value, kind: form.elements.kind.value };
    try {
      const o = await api("POST", "/organizations", body);
      form.reset();
      setFieldErrors(form, []);
      flash(`Организация «${o.name}» создана. Её сотрудников добавляют на странице «Пользователи».`, "info");
      await draw();
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (e.fields && e.fields.length) focusFirstError(form);
      else flash(errorMessage(e));
    }
  }));
}
