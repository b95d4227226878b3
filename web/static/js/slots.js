// Document rows: one file per row, uploaded as a PDF, or as photos and
// several files the server composes into one PDF. A row shows its file
// (open in the browser, download, replace, remove), its earlier files and
// the originals a composed file was made from. A refused upload's
// explanation stays on its row until that row changes.
import { api, confirmDanger, count, el, errorMessage, fileErrors, formatSize, pages, ruDateTime, state, toLogin } from "./core.js";

const refusals = new Map(); // slot row id -> the explanation shown on it

// slotRow draws one row; changed() is called after the row's file changed.
export function slotRow(appID, s, changed, opts = {}) {
  const base = "/applications/" + appID + "/slots/" + s.id;
  const input = el("input", { type: "file", multiple: true, accept: "application/pdf,.pdf,image/jpeg,image/png", "aria-label": "Файл для строки «" + s.title + "»" });
  const status = el("div", { class: "status", role: "status" });
  const bar = el("progress", { max: "1", value: "0", hidden: true, "aria-label": "Загрузка" });
  if (refusals.has(s.id)) {
    status.textContent = refusals.get(s.id);
    status.className = "status error";
  }
  // Needed now, not needed with these answers, or needed when one has it;
  // a further row of a repeatable document is just another row.
  const needed = s.required ? el("span", { class: "mark required" }, "нужен")
    : s.requirement === "conditional" ? el("span", { class: "mark" }, "не требуется при ваших ответах")
      : s.requirement === "optional" && !s.hint ? el("span", { class: "mark" }, "при наличии") : null;
  const doc = s.document;
  const locked = opts.locked;
  const details = el("div", { class: "more" });
  const row = el("li", { class: "slot " + s.status + (s.required ? " required" : "") + (!s.required && s.requirement === "conditional" ? " not-needed" : ""), "data-slot": s.id, id: "slot-" + s.id },
    el("div", { class: "title" }, s.title, " ", needed),
    s.hint ? el("div", { class: "hint" }, s.hint) : null,
    el("div", { class: "doc" }, doc ? `Принят: ${doc.file_name || "файл"} · ${pages(doc.pages)} · ${formatSize(doc.size)} · ${ruDateTime(doc.uploaded_at)}` : "Файла нет"),
    doc ? readingBlock(base, s, doc.reading, status, changed) : null,
    bar, status,
    el("div", { class: "actions" },
      locked ? null : el("label", { class: "button" + (doc ? " secondary" : "") }, doc ? "Заменить" : "Выбрать файл", input),
      s.id === "professional_report" ? el("a", { class: "button secondary", href: `/app/a/${appID}/report` }, "Написать в сервисе") : null,
      doc ? el("a", { class: "button secondary", href: "/api/v1" + base + "/file?inline=1", target: "_blank", rel: "noopener" }, "Открыть") : null,
      doc ? el("a", { class: "button secondary", href: "/api/v1" + base + "/file", download: "" }, "Скачать") : null,
      doc ? el("button", { type: "button", class: "link", "aria-expanded": "false", onclick: (ev) => toggleHistory(ev.target, base, details) }, "История файлов") : null,
      doc && !locked ? el("button", { type: "button", class: "danger", onclick: async () => {
        if (!confirmDanger(`Убрать файл из строки «${s.title}»? Он останется в истории строки.`)) return;
        try {
          await api("DELETE", base + "/file");
          refusals.delete(s.id);
          await changed();
        } catch (e) {
          status.textContent = errorMessage(e);
          status.className = "status error";
        }
      } }, "Удалить") : null),
    details);
  const send = (files) => uploadFiles(appID, s, files, { row, status, bar }, changed);
  input.addEventListener("change", () => input.files.length && send([...input.files]));
  if (!locked) {
    row.addEventListener("dragover", (ev) => { ev.preventDefault(); row.classList.add("drop"); });
    row.addEventListener("dragleave", () => row.classList.remove("drop"));
    row.addEventListener("drop", (ev) => {
      ev.preventDefault();
      row.classList.remove("drop");
      const files = [...ev.dataTransfer.files];
      if (files.length) send(files);
    });
  }
  return row;
}

// readingBlock says what reading the scan found: still reading, nothing
// to say, or warnings with «Документ верный», which dismisses them.
let pollTimer = null;
function readingBlock(base, s, r, status, changed) {
  if (!r || r.status === "off") return null;
  if (r.status === "pending") {
    // One refresh for the page, whichever rows are still being read.
    if (!pollTimer) pollTimer = setTimeout(async () => { pollTimer = null; await changed(); }, 4000);
    return el("div", { class: "reading muted" }, "Скан читается: проверка содержимого займёт до минуты.");
  }
  const warnings = r.warnings || [];
  if (!warnings.length) return el("div", { class: "reading ok" }, "Скан прочитан: замечаний к содержимому нет.");
  if (r.confirmed) return el("div", { class: "reading muted" }, `Вы подтвердили, что документ верный: ${count(warnings.length, "замечание снято", "замечания сняты", "замечаний снято")}.`);
  return el("div", { class: "reading" },
    el("ul", { class: "findings" }, ...warnings.map((w) => el("li", { class: "warning" }, w.message))),
    el("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        await api("POST", base + "/confirm");
        await changed();
      } catch (e) {
        status.textContent = errorMessage(e);
        status.className = "status error";
      }
    } }, "Документ верный"),
    el("span", { class: "hint" }, " — если вы уверены, что файл тот и читается: предупреждения не мешают подаче."));
}

// toggleHistory shows the row's earlier files and the originals of
// composed ones.
async function toggleHistory(button, base, box) {
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  if (open) {
    box.replaceChildren();
    return;
  }
  try {
    const [{ history }, { sources }] = await Promise.all([api("GET", base + "/history"), api("GET", base + "/sources").catch(() => ({ sources: [] }))]);
    const appBase = base.slice(0, base.indexOf("/slots/"));
    const src = (list) => list && list.length ? el("ul", { class: "sources" }, ...list.map((x) => el("li", {},
      el("a", { href: "/api/v1" + appBase + "/sources/" + x.id, download: "" }, `${x.position}. ${x.file_name || "часть " + x.position}`), ` (${formatSize(x.size)})`))) : null;
    const items = [];
    if (sources.length) items.push(el("li", {}, "Текущий файл собран из: ", src(sources)));
    for (const h of history) {
      items.push(el("li", {}, `${h.file_name || "файл"} · ${pages(h.pages)} · ${formatSize(h.size)} · загружен ${ruDateTime(h.uploaded_at)}, ${h.ended_reason === "deleted" ? "удалён" : "заменён"} ${ruDateTime(h.ended_at)}`,
        el("div", { class: "hint sha" }, "SHA-256: " + h.sha256), src(h.sources)));
    }
    box.replaceChildren(items.length ? el("ul", { class: "history" }, ...items) : el("p", { class: "hint" }, "Других файлов в этой строке не было."));
  } catch (e) {
    box.replaceChildren(el("p", { class: "status error" }, errorMessage(e)));
  }
}

// One PDF goes to the slot as it is; photos, or several files, are
// composed by the server into one PDF (in the order chosen) and fitted
// under the limit.
const isPDF = (f) => f.type === "application/pdf" || /\.pdf$/i.test(f.name);

function uploadFiles(appID, s, files, ui, changed) {
  const base = "/api/v1/applications/" + appID + "/slots/" + s.id;
  const { status, bar } = ui;
  const compose = !(files.length === 1 && isPDF(files[0]) && files[0].size <= 25 * 1024 * 1024);
  bar.hidden = false;
  bar.value = 0;
  status.textContent = compose ? `Загрузка: ${count(files.length, "файл", "файла", "файлов")}, затем сборка в один PDF…` : "Загрузка…";
  status.className = "status";
  const xhr = new XMLHttpRequest();
  let body;
  if (compose) {
    xhr.open("POST", base + "/compose?optimize=true");
    body = new FormData();
    for (const f of files) body.append("file", f, f.name);
  } else {
    xhr.open("PUT", base + "/file?filename=" + encodeURIComponent(files[0].name));
    xhr.setRequestHeader("Content-Type", "application/pdf");
    body = files[0];
  }
  xhr.setRequestHeader("X-CSRF-Token", state.csrf);
  xhr.upload.onprogress = (ev) => {
    if (!ev.lengthComputable) return;
    bar.value = ev.loaded / ev.total;
    if (compose && ev.loaded === ev.total) status.textContent = "Собираем PDF из " + count(files.length, "файла", "файлов", "файлов") + "…";
  };
  xhr.onload = async () => {
    bar.hidden = true;
    let data = null;
    try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
    if (xhr.status === 201) {
      refusals.delete(s.id);
      await changed();
      return;
    }
    if (xhr.status === 401) {
      toLogin();
      return;
    }
    const err = (data && data.error) || {};
    const text = "Не принят: " + (err.message || fileErrors[err.code] || "ошибка сервиса, повторите попытку.");
    refusals.set(s.id, text);
    status.textContent = text;
    status.className = "status error";
  };
  xhr.onerror = () => {
    bar.hidden = true;
    status.textContent = "Не удалось отправить файл: проверьте связь и повторите.";
    status.className = "status error";
  };
  xhr.send(body);
}

// renderSlots lists an application's rows; after the last row of a
// repeatable slot a button adds the next row.
export function renderSlots(list, app, changed, opts = {}) {
  const rows = [];
  app.slots.forEach((s, i) => {
    rows.push(slotRow(app.id, s, changed, opts));
    const next = app.slots[i + 1];
    const base = s.id.split(".")[0];
    if (!opts.locked && s.repeatable && s.status === "accepted" && (!next || next.id.split(".")[0] !== base)) {
      const n = Number(s.id.split(".")[1]) + 1;
      rows.push(el("li", { class: "slot add" }, el("button", { type: "button", class: "secondary", onclick: (ev) => {
        const title = s.title.replace(/\(№ \d+\)$/, "(№ " + n + ")");
        ev.target.closest("li").replaceWith(slotRow(app.id, { ...s, id: base + "." + n, status: "empty", document: null, title, required: false }, changed, opts));
      } }, "+ Добавить ещё одну строку")));
    }
  });
  list.replaceChildren(...rows);
}
