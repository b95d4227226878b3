// API keys: one's own (a new key, with its scope and days of validity,
// its token shown once with a copy button; the list with scope, expiry
// and state, «истёк» once expired; revocation); an administrator also sees every key of every
// account with its owner and revokes any.
import { $, api, confirmDanger, copyButton, el, errorMessage, flash, ruDate, ruDateTime, state } from "../core.js";
import { keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { cell, forbidden, once, roleNames } from "../admin.js";

// What a key may do (its scope), as the form's select names it.
const scopeNames = { full: "Полный доступ", read: "Только чтение", import: "Импорт удостоверений" };
const scopeOf = (k) => el("span", { "data-scope": k.scope }, scopeNames[k.scope] || k.scope);

// An expiry is a moment: its date in the person's own time zone.
const localDate = (iso) => ruDateTime(iso).slice(0, 10);
const expired = (k) => k.expires_at && new Date(k.expires_at) <= new Date();
const expiryOf = (k) => !k.expires_at ? el("span", { class: "hint" }, "бессрочно")
  : expired(k) ? el("span", { class: "bad-text" }, localDate(k.expires_at)) : localDate(k.expires_at);

const stateOf = (k) => k.revoked_at ? el("span", { class: "bad-text" }, "отозван " + ruDate(k.revoked_at))
  : expired(k) ? el("span", { class: "bad-text", "data-state": "expired" }, "истёк " + localDate(k.expires_at))
  : k.owner_disabled ? el("span", { class: "warn" }, "не действует: владелец отключён") : el("span", { class: "ok" }, "действует");

// termsOf says in words what a new key may do and until when.
const termsOf = (k) => (scopeNames[k.scope] || k.scope).toLowerCase() + ", " + (k.expires_at ? "действует до " + localDate(k.expires_at) : "бессрочно");

// expiryField reads the number of days: empty is a key without expiry;
// anything but a whole number is the person's to fix (never silently
// «бессрочно»).
function expiryField(value) {
  const v = value.trim();
  if (v === "") return { days: null };
  if (!/^\d{1,3}$/.test(v) || +v < 1 || +v > 732) {
    return { error: { field: "expires_in_days", code: "range", message: "Срок действия ключа — целое число дней от 1 до 732; для бессрочного ключа оставьте поле пустым." } };
  }
  return { days: +v };
}

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
      cell("Доступ", scopeOf(k)),
      cell("Создан", ruDate(k.created_at)),
      cell("Действует до", expiryOf(k)),
      cell("Использован", k.last_used_at ? ruDateTime(k.last_used_at) : "ни разу"),
      cell("Состояние", stateOf(k)),
      cell("Действия", revokeButton(k)))));
    if (!admin) return;
    const { api_keys: all } = await api("GET", "/api-keys/all");
    $("#all-keys-box").hidden = false;
    $("#all-keys-empty").hidden = all.length > 0;
    $("#all-keys tbody").replaceChildren(...all.map((k) => el("tr", { "data-key": k.id, "data-owner": k.owner_email },
      cell("Владелец", el("span", { class: "title" }, k.owner_name), el("br"), el("span", { class: "hint" }, k.owner_email + " · " + (roleNames[k.owner_role] || k.owner_role))),
      cell("Название", k.name, el("br"), el("span", { class: "hint" }, "создан " + ruDate(k.created_at))),
      cell("Доступ", scopeOf(k)),
      cell("Действует до", expiryOf(k)),
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
  const scope = form.elements.scope;
  const showScopeHint = () => { $("#scope-hint").textContent = scope.selectedOptions[0].dataset.hint; };
  scope.addEventListener("change", showScopeHint);
  form.addEventListener("submit", once($("button[type=submit]", form), async () => {
    flash("");
    $("#key-made").hidden = true;
    const expiry = expiryField(form.elements.expires_in_days.value);
    if (expiry.error) {
      setFieldErrors(form, [expiry.error]);
      return;
    }
    const body = { name: form.elements.name.value, scope: scope.value };
    if (expiry.days !== null) body.expires_in_days = expiry.days;
    try {
      const k = await api("POST", "/api-keys", body);
      form.reset();
      showScopeHint();
      setFieldErrors(form, []);
      $("#key-made-name").textContent = k.name;
      $("#key-made-terms").textContent = termsOf(k);
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
