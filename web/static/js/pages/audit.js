// The audit log (administrators): newest first, filtered by who, action,
// application, outcome and dates (the API's filters), 50 lines a page, and
// the selection exported as CSV or NDJSON by the API itself.
import { $, api, catalog, el, errorMessage, flash, ruDateTime } from "../core.js";
import { dateInput, isoDate, setFieldErrors } from "../form.js";
import { actionNames, cell, forbidden, outcomeNames, roleNames } from "../admin.js";

const pageSize = 50;

// instant is the start of a day typed as ДД.ММ.ГГГГ in the person's own
// time zone, plus days, as the API's RFC 3339; "" for nothing typed, null
// for what is not a date.
function instant(typed, days = 0) {
  const v = typed.trim();
  if (!v) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate(v));
  if (!m) return null;
  const [y, mo, d] = [+m[1], +m[2] - 1, +m[3]];
  const day = new Date(y, mo, d);
  if (day.getFullYear() !== y || day.getMonth() !== mo || day.getDate() !== d) return null;
  return new Date(y, mo, d + days).toISOString();
}

export async function run() {
  const form = $("#audit-form");
  let users, slots = {};
  try {
    ({ users } = await api("GET", "/users"));
  } catch (e) {
    if (forbidden(e)) return;
    throw e;
  }
  try {
    for (const k of (await catalog()).kinds) for (const s of k.slots) slots[s.id] = s.title;
  } catch (e) {
    // Slot titles only make the log easier to read.
  }
  const names = Object.fromEntries(users.map((u) => [u.id, u]));
  form.elements.actor_id.replaceChildren(el("option", { value: "" }, "все"), el("option", { value: "bootstrap" }, "токен администратора"),
    ...users.map((u) => el("option", { value: u.id }, `${u.name} (${u.email})`)));
  form.elements.action.replaceChildren(el("option", { value: "" }, "все"),
    ...Object.entries(actionNames).sort((a, b) => a[1].localeCompare(b[1], "ru")).map(([v, t]) => el("option", { value: v }, t)));
  for (const name of ["from", "to"]) dateInput(form.elements[name]);

  // The filters as the API's query; null when a date is not a date.
  const query = () => {
    const q = new URLSearchParams();
    for (const name of ["actor_id", "action", "outcome"]) if (form.elements[name].value) q.set(name, form.elements[name].value);
    const app = form.elements.application_id.value.trim();
    if (app) q.set("application_id", app);
    const from = instant(form.elements.from.value), to = instant(form.elements.to.value, 1);
    const bad = [];
    if (from === null) bad.push({ field: "from", message: "Дата в формате ДД.ММ.ГГГГ." });
    if (to === null) bad.push({ field: "to", message: "Дата в формате ДД.ММ.ГГГГ." });
    setFieldErrors(form, bad);
    if (bad.length) return null;
    if (from) q.set("from", from);
    if (to) q.set("to", to);
    return q;
  };
  const who = (e) => {
    if (e.actor_id === "bootstrap") return "токен администратора";
    const u = names[e.actor_id];
    return (u ? u.name : e.actor) + (e.actor_role ? " · " + (roleNames[e.actor_role] || e.actor_role) : "");
  };
  const target = (e) => {
    const parts = [];
    if (e.application_id) parts.push(el("a", { href: "/app/a/" + e.application_id }, "заявление " + e.application_id));
    const t = e.target || "";
    const [slot, row] = t.split(".");
    let what = "";
    if (t === "list") what = "в списке заявлений";
    else if (t === "password") what = "пароль";
    else if (t.startsWith("key ")) what = "ключ " + t.slice(4);
    else if (t.startsWith("user ")) what = "пользователь " + ((names[t.slice(5)] || {}).email || t.slice(5));
    else if (slots[slot]) what = slots[slot] + (row ? ", строка " + row : "");
    else what = t;
    if (what) parts.push(el("span", { class: "hint" }, what));
    return parts.length ? parts.flatMap((p, i) => (i ? [el("br"), p] : [p])) : ["—"];
  };
  const line = (e) => el("tr", { "data-line": e.id, "data-action": e.action, "data-outcome": e.outcome },
    cell("Время", ruDateTime(e.at)),
    cell("Кто", who(e)),
    cell("Действие", actionNames[e.action] || e.action),
    cell("Объект", ...target(e)),
    cell("Результат", el("span", { class: e.outcome === "denied" ? "bad-text" : "ok" }, outcomeNames[e.outcome] || e.outcome)),
    cell("Адрес", e.remote || "—"));

  let shown = 0, before = 0, current = new URLSearchParams();
  const load = async (more) => {
    const q = new URLSearchParams(current);
    q.set("order", "desc");
    q.set("limit", String(pageSize));
    if (more && before) q.set("before", String(before));
    const page = await api("GET", "/audit?" + q);
    const rows = page.items.map(line);
    if (more) $("#audit tbody").append(...rows);
    else $("#audit tbody").replaceChildren(...rows);
    shown = (more ? shown : 0) + rows.length;
    before = page.next_before || 0;
    $("#audit-more").hidden = !before;
    $("#audit-count").textContent = shown ? `Показано записей: ${shown}${before ? " (есть ещё)" : ""}, новые первыми.` : "Записей не найдено.";
  };
  const apply = async () => {
    flash("");
    const q = query();
    if (!q) return;
    current = q;
    for (const [id, format] of [["#export-csv", "csv"], ["#export-ndjson", "ndjson"]]) {
      const x = new URLSearchParams(q);
      x.set("format", format);
      $(id).href = "/api/v1/audit?" + x;
    }
    try {
      await load(false);
    } catch (e) {
      flash(errorMessage(e));
    }
  };
  form.addEventListener("submit", apply);
  $("#audit-reset").addEventListener("click", () => {
    form.reset();
    apply();
  });
  $("#audit-more").addEventListener("click", () => load(true).catch((e) => flash(errorMessage(e))));
  await apply();
}
