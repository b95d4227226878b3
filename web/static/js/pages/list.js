// The applications the person may see: a specialist's own, a consultancy's
// clients. The server searches, filters, sorts and pages (any number of
// clients); this page asks for one page at a time. Staff also assign
// clients to colleagues, export the view and build packages of several
// clients at once.
import { $, $$, api, count, el, errorMessage, flash, fullName, ruDate, state } from "../core.js";
import { dateInput, isoDate } from "../form.js";

const attentionTitles = { overdue: "срок подачи прошёл", expired: "аккредитация истекла" };
const pageSize = 25;

export async function run() {
  if (state.me.role === "training_center") {
    location.href = "/app/import";
    return;
  }
  const staff = state.me.role === "consultant";
  let colleagues = [];
  if (staff) {
    colleagues = (await api("GET", "/staff")).staff;
    $("#assignee-filter").hidden = false;
    $("#filter-assignee").append(...colleagues.filter((c) => c.id !== state.me.user_id).map((c) => el("option", { value: c.id }, c.name || c.email)));
    $$(".assignee-col, .pick").forEach((e) => (e.hidden = false));
    $("#bulk").hidden = false;
  }
  let cursor = "";
  let shown = [];
  const picked = new Set();

  // The query of the current view: the same for a page and an export.
  const query = () => {
    const q = new URLSearchParams();
    const text = $("#filter-text").value.trim();
    if (text) q.set("q", text);
    for (const [id, name] of [["#filter-ready", "ready"], ["#filter-status", "status"], ["#filter-assignee", "assignee"], ["#filter-report", "report"]]) {
      if ($(id).value) q.set(name, $(id).value);
    }
    const att = $("#filter-attention").value;
    if (att) q.set(att, "true");
    const due = isoDate($("#filter-due").value);
    if (due) q.set("due_before", due);
    const [sort, order] = $("#sort").value.split(":");
    q.set("sort", sort);
    q.set("order", order);
    return q;
  };
  const updateExports = () => {
    for (const f of ["csv", "xlsx"]) {
      const q = query();
      q.set("format", f);
      $("#export-" + f).href = "/api/v1/applications/export?" + q;
    }
  };
  const statusText = (a) => a.status === "submitted" ? "отправлено" + (a.submitted_on ? " " + ruDate(a.submitted_on) : "") : "готовится";
  const assigneeCell = (a) => {
    const sel = el("select", { "aria-label": "Ответственный за клиента " + (fullName(a.specialist) || "без имени") },
      el("option", { value: "" }, "никто"),
      ...colleagues.map((c) => el("option", { value: c.id }, c.id === state.me.user_id ? "я" : c.name || c.email)));
    sel.value = a.assignee || "";
    sel.addEventListener("change", async () => {
      try {
        await api("PUT", "/applications/" + a.id + "/assignee", { user_id: sel.value });
        a.assignee = sel.value;
        flash("Ответственный назначен.", "ok");
      } catch (e) {
        sel.value = a.assignee || "";
        flash(errorMessage(e));
      }
    });
    return el("td", { "data-label": "Ответственный", class: "assignee-col" }, sel);
  };
  const row = (a) => {
    const name = fullName(a.specialist) || "без имени";
    const n = a.blocking.length;
    const badges = (a.attention || []).map((w) => el("span", { class: "badge " + w }, attentionTitles[w]));
    // A report on professional activity nobody has begun: written here or scanned.
    if (a.report && a.report.state === "empty" && a.status !== "submitted") badges.push(el("span", { class: "badge report" }, "отчёт не начат"));
    const cells = [];
    if (staff) {
      const box = el("input", { type: "checkbox", "aria-label": "Выбрать " + name });
      box.checked = picked.has(a.id);
      box.addEventListener("change", () => {
        box.checked ? picked.add(a.id) : picked.delete(a.id);
        updateBulk();
      });
      cells.push(el("td", { class: "pick", "data-label": "Выбрать" }, box));
    }
    cells.push(
      el("td", { "data-label": "Специалист" }, el("a", { href: "/app/a/" + a.id }, name), ...badges),
      el("td", { "data-label": "Специальность" }, a.specialty || "—"),
      el("td", { "data-label": "Готовность", class: a.ready ? "ok" : "warn" }, a.status === "submitted" ? "—" : a.ready ? "готово к подаче" : "не готово: " + count(n, "препятствие", "препятствия", "препятствий")),
      el("td", { "data-label": "Подать до" }, ruDate(a.deadlines && a.deadlines.submit_by) || "—"),
      el("td", { "data-label": "Статус", "data-build": a.id }, statusText(a)));
    if (staff) cells.push(assigneeCell(a));
    return el("tr", { class: (a.attention || []).length ? "attention" : "", "data-id": a.id }, ...cells);
  };
  const render = () => {
    $("#empty").hidden = shown.length > 0;
    $("#empty").textContent = query().toString().match(/(^|&)(q|ready|status|assignee|overdue|expired|due_before|report)=/) ? "По этому отбору никого нет." : "Заявлений пока нет.";
    $("#more").hidden = !cursor;
    $("#shown").textContent = shown.length ? "Показано: " + shown.length + (cursor ? " (есть ещё)" : "") : "";
    const [sort, order] = $("#sort").value.split(":");
    $$("#applications th[data-sort]").forEach((th) => th.setAttribute("aria-sort", th.dataset.sort === sort ? (order === "asc" ? "ascending" : "descending") : "none"));
    updateExports();
    updateBulk();
  };
  // The table is busy from a change of the view until its page is shown;
  // an answer overtaken by a later request is dropped.
  let asked = 0;
  const busy = (on) => $("#applications").setAttribute("aria-busy", on ? "true" : "false");
  const load = async (more = false) => {
    const q = query();
    q.set("limit", String(pageSize));
    if (more && cursor) q.set("cursor", cursor);
    const mine = ++asked;
    busy(true);
    let page;
    try {
      page = await api("GET", "/applications?" + q);
    } finally {
      if (mine === asked) busy(false);
    }
    if (mine !== asked) return;
    if (!more) {
      shown = [];
      $("#applications tbody").replaceChildren();
    }
    shown.push(...page.items);
    $("#applications tbody").append(...page.items.map(row));
    cursor = page.next_cursor || "";
    render();
  };
  const reload = () => load().catch((e) => flash(errorMessage(e)));

  // ---- building several packages ----
  const updateBulk = () => {
    if (!staff) return;
    $("#bulk-count").textContent = "Выбрано: " + picked.size;
    $("#bulk-build").disabled = picked.size === 0 || building;
    const all = $("#pick-all");
    all.checked = shown.length > 0 && shown.every((a) => picked.has(a.id));
  };
  let building = false;
  const setRowStatus = (id, text, cls = "") => {
    const cell = $(`td[data-build="${id}"]`);
    if (cell) cell.replaceChildren(el("span", { class: cls }, text));
  };
  const buildOne = async (id) => {
    let b;
    try {
      b = await api("POST", "/applications/" + id + "/bundles", { kind: "frmr_package" }, { quiet: true });
    } catch (e) {
      // Not ready: the findings, in the words of the check page.
      const why = e.findings && e.findings.length
        ? "заявление не готово (" + count(e.findings.length, "препятствие", "препятствия", "препятствий") + "); черновик пакета — на странице заявления"
        : errorMessage(e);
      setRowStatus(id, "не собрано: " + why, "warn");
      return false;
    }
    setRowStatus(id, "собирается…");
    for (;;) {
      if (b.status === "done") {
        const cell = $(`td[data-build="${id}"]`);
        if (cell) cell.replaceChildren(el("a", { href: "/api/v1/bundles/" + b.id + "/file", download: "" }, "пакет готов — скачать"));
        return true;
      }
      if (b.status === "failed") {
        setRowStatus(id, "не собрано: " + b.error, "warn");
        return false;
      }
      if (b.progress && b.progress.total) setRowStatus(id, `собирается: ${b.progress.done} из ${b.progress.total}`);
      await new Promise((r) => setTimeout(r, 700));
      b = await api("GET", "/bundles/" + b.id);
    }
  };
  if (staff) {
    $("#pick-all").addEventListener("change", () => {
      for (const a of shown) $("#pick-all").checked ? picked.add(a.id) : picked.delete(a.id);
      $$("#applications td.pick input").forEach((b) => (b.checked = $("#pick-all").checked));
      updateBulk();
    });
    $("#bulk-build").addEventListener("click", async () => {
      const ids = [...picked];
      building = true;
      updateBulk();
      $("#bulk-progress").hidden = false;
      let done = 0, built = 0;
      const report = () => {
        $("#bulk-bar").value = ids.length ? done / ids.length : 0;
        $("#bulk-status").textContent = `Обработано ${done} из ${ids.length}; собрано пакетов: ${built}.`;
      };
      report();
      // Two at a time: the server's queue does the work; the page only
      // watches.
      const queue = ids.slice();
      const worker = async () => {
        while (queue.length) {
          const id = queue.shift();
          if (await buildOne(id).catch(() => false)) built++;
          done++;
          report();
        }
      };
      await Promise.all([worker(), worker()]);
      building = false;
      picked.clear();
      $$("#applications td.pick input").forEach((b) => (b.checked = false));
      updateBulk();
    });
  }

  // ---- filters ----
  let typing;
  $("#filter-text").addEventListener("input", () => {
    busy(true);
    clearTimeout(typing);
    typing = setTimeout(reload, 300);
  });
  for (const id of ["#filter-ready", "#filter-status", "#filter-attention", "#filter-assignee", "#filter-report", "#sort"]) $(id).addEventListener("change", reload);
  $$("#applications th[data-sort]").forEach((th) => {
    $("button", th).addEventListener("click", () => {
      const [sort, order] = $("#sort").value.split(":");
      const key = th.dataset.sort;
      const next = sort === key ? (order === "asc" ? "desc" : "asc") : key === "created" ? "desc" : "asc";
      const wanted = key + ":" + next;
      // The select lists the usual orders; others are added on demand.
      if (!$(`#sort option[value="${wanted}"]`)) {
        const titles = { name: "по ФИО", due: "по сроку подачи", created: "по созданию" };
        $("#sort").append(el("option", { value: wanted }, titles[key] + (next === "desc" ? ", в обратном порядке" : "")));
      }
      $("#sort").value = wanted;
      reload();
    });
  });
  dateInput($("#filter-due"));
  $("#filter-due").addEventListener("change", () => {
    const v = $("#filter-due").value.trim();
    if (v && !/^\d{4}-\d{2}-\d{2}$/.test(isoDate(v))) {
      flash("Дата «Подать до» — в формате ДД.ММ.ГГГГ.");
      return;
    }
    flash("");
    reload();
  });
  $("#more").addEventListener("click", () => load(true).catch((e) => flash(errorMessage(e))));
  await load();
  // A specialist with nothing yet starts at the first step.
  if (shown.length === 0 && state.me.role === "specialist" && !query().has("q")) $("#first-time").hidden = false;
}
