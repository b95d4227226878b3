// API keys: one's own (a new key's token shown once with a copy button,
// the list, revocation); an administrator also sees every key of every
// account with its owner and revokes any.
import { $, api, confirmDanger, copyButton, el, errorMessage, flash, ruDate, ruDateTime, state } from "../core.js";
import { keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { cell, forbidden, once, roleNames } from "../admin.js";

const stateOf = (k) => k.revoked_at ? el("span", { class: "bad-text" }, "отозван " + ruDate(k.revoked_at))
  : k.owner_disabled ? el("span", { class: "warn" }, "не действует: владелец отключён") : el("span", { class: "ok" }, "действует");

export async function run() {
  const admin = state.me.role === "admin";
  const revokeButton = (k) => {
    if (k.revoked_at) return el("span", { class: "hint" }, "—");
    const b = el("button", { type: "button", class: "danger small", "data-action": "revoke" }, "Отозвать");
    b.addEventListener("click", once(b, async () => {
      flash("");
      const whose = k.owner_email && k.user_id !== state.me.user_id ? ` пользователя ${k.owner_email}` : "";
      if (!confirmDanger(`Отозвать ключ «${k.name}»${whose}? Программы, которые им пользуются, сразу получат отказ.`)) return;
      try {
        await api("DELETE", "/api-keys/" + k.id);
        flash(`Ключ «${k.name}» отозван.`, "info");
        await draw();
      } catch (e) {
        flash(errorMessage(e));
      }
    }));
    return b;
  };
  const draw = async () => {
    const { api_keys: own } = await api("GET", "/api-keys");
    $("#keys-empty").hidden = own.length > 0;
    $("#keys tbody").replaceChildren(...own.map((k) => el("tr", { "data-key": k.id },
      cell("Название", el("span", { class: "title" }, k.name)),
      cell("Создан", ruDate(k.created_at)),
      cell("Использован", k.last_used_at ? ruDateTime(k.last_used_at) : "ни разу"),
      cell("Состояние", stateOf(k)),
      cell("Действия", revokeButton(k)))));
    if (!admin) return;
    const { api_keys: all } = await api("GET", "/api-keys/all");
    $("#all-keys-box").hidden = false;
    $("#all-keys-empty").hidden = all.length > 0;
    $("#all-keys tbody").replaceChildren(...all.map((k) => el("tr", { "data-key": k.id, "data-owner": k.owner_email },
      cell("Владелец", el("span", { class: "title" }, k.owner_name), el("br"), el("span", { class: "hint" }, k.owner_email + " · " + (roleNames[k.owner_role] || k.owner_role))),
      cell("Название", k.name),
      cell("Создан", ruDate(k.created_at)),
      cell("Использован", k.last_used_at ? ruDateTime(k.last_used_at) : "ни разу"),
      cell("Состояние", stateOf(k)),
      cell("Действия", revokeButton(k)))));
  };
  try {
    await draw();
  } catch (e) {
    if (forbidden(e)) return;
    throw e;
  }
  const form = $("#key-form");
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", once($("button[type=submit]", form), async () => {
    flash("");
    $("#key-made").hidden = true;
    try {
      const k = await api("POST", "/api-keys", { name: form.elements.name.value });
      form.reset();
      setFieldErrors(form, []);
      $("#key-made-name").textContent = k.name;
      $("#key-token").textContent = k.token;
      $("#key-copy").replaceChildren(copyButton(k.token, "Копировать ключ"));
      $("#key-made").hidden = false;
      await draw();
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (!(e.fields && e.fields.length)) flash(errorMessage(e));
    }
  }));
}
