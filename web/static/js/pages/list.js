// The applications the person may see: a specialist's own, a consultancy's
// clients. Filtered by the server (ready, due before a date), searched and
// sorted here.
import { $, $$, api, count, el, errorMessage, flash, fullName, ruDate, state } from "../core.js";
import { dateInput, isoDate } from "../form.js";

export async function run() {
  if (state.me.role === "training_center") {
    location.href = "/app/import";
    return;
  }
  const sortState = { key: "due", dir: 1 };
  let items = [];
  const load = async () => {
    const q = new URLSearchParams({ limit: "100" });
    if ($("#filter-ready").value) q.set("ready", $("#filter-ready").value);
    const due = isoDate($("#filter-due").value);
    if (due) q.set("due_before", due);
    items = [];
    let cursor = "";
    do {
      if (cursor) q.set("cursor", cursor);
      const page = await api("GET", "/applications?" + q);
      items.push(...page.items);
      cursor = page.next_cursor || "";
    } while (cursor && items.length < 1000);
    render();
  };
  const keyOf = (a, k) => {
    const s = a.specialist;
    switch (k) {
      case "name": return [s.last_name, s.first_name, s.middle_name].join(" ").toLowerCase();
      case "specialty": return (a.specialty || "").toLowerCase();
      case "ready": return a.ready ? 1 : 0;
      case "due": return (a.deadlines && a.deadlines.submit_by) || "9999";
      case "status": return a.status + (a.submitted_on || "");
    }
    return "";
  };
  const statusText = (a) => a.status === "submitted" ? "отправлено" + (a.submitted_on ? " " + ruDate(a.submitted_on) : "") : "готовится";
  const render = () => {
    const text = $("#filter-text").value.trim().toLowerCase();
    const rows = items
      .filter((a) => !text || (keyOf(a, "name") + " " + keyOf(a, "specialty")).includes(text))
      .sort((x, y) => (keyOf(x, sortState.key) < keyOf(y, sortState.key) ? -1 : keyOf(x, sortState.key) > keyOf(y, sortState.key) ? 1 : 0) * sortState.dir);
    $("#applications tbody").replaceChildren(...rows.map((a) => {
      const name = fullName(a.specialist) || "без имени";
      const n = a.blocking.length;
      return el("tr", {},
        el("td", { "data-label": "Специалист" }, el("a", { href: "/app/a/" + a.id }, name)),
        el("td", { "data-label": "Специальность" }, a.specialty || "—"),
        el("td", { "data-label": "Готовность", class: a.ready ? "ok" : "warn" }, a.status === "submitted" ? "—" : a.ready ? "готово к подаче" : "не готово: " + count(n, "препятствие", "препятствия", "препятствий")),
        el("td", { "data-label": "Подать до" }, ruDate(a.deadlines && a.deadlines.submit_by) || "—"),
        el("td", { "data-label": "Статус" }, statusText(a)));
    }));
    $("#empty").hidden = rows.length > 0;
    $$("#applications th").forEach((th) => th.setAttribute("aria-sort", th.dataset.sort === sortState.key ? (sortState.dir > 0 ? "ascending" : "descending") : "none"));
  };
  $$("#applications th").forEach((th) => {
    const sort = () => {
      sortState.dir = sortState.key === th.dataset.sort ? -sortState.dir : 1;
      sortState.key = th.dataset.sort;
      render();
    };
    $("button", th).addEventListener("click", sort);
  });
  dateInput($("#filter-due"));
  $("#filter-text").addEventListener("input", render);
  $("#filter-ready").addEventListener("change", () => load().catch((e) => flash(errorMessage(e))));
  $("#filter-due").addEventListener("change", () => {
    const v = $("#filter-due").value.trim();
    if (v && !/^\d{4}-\d{2}-\d{2}$/.test(isoDate(v))) {
      flash("Дата «Подать до» — в формате ДД.ММ.ГГГГ.");
      return;
    }
    flash("");
    load().catch((e) => flash(errorMessage(e)));
  });
  await load();
  // A specialist with nothing yet starts at the first step.
  if (items.length === 0 && state.me.role === "specialist") $("#first-time").hidden = false;
}
