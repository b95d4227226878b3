// accredpack in the browser: every action goes through the JSON API with
// the session cookie; writes carry the session's CSRF token. The server
// decides every rule; this script only shows its answers.
"use strict";

const state = { csrf: "", me: null, catalog: null };

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function flash(text, kind = "error") {
  const f = $("#flash");
  f.textContent = text;
  f.className = "flash " + kind;
  f.hidden = !text;
}

class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || "Ошибка " + status);
    this.status = status;
    this.code = e.code || "";
    this.fields = e.fields || [];
  }
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch("/api/v1" + path, opts);
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status === 401 && document.body.dataset.view !== "login") {
    location.href = "/app/login";
    throw new APIError(401, data);
  }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// Plain Russian for the file rules; the server's message follows.
const fileErrors = {
  not_pdf: "файл не PDF",
  file_too_large: "больше 25 МБ",
  pdf_encrypted: "защищён паролем",
  pdf_invalid: "файл повреждён или не читается",
  one_file_per_slot: "в строку загружается один файл",
  rate_limited: "слишком много загрузок подряд",
  image_invalid: "изображение не читается",
  optimize_unreadable: "не уменьшить без потери читаемости",
  bad_request: "запрос не принят",
};

function formatSize(n) {
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1).replace(".", ",") + " МБ";
  return Math.max(1, Math.round(n / 1024)) + " КБ";
}

// ruDate writes an ISO date (ГГГГ-ММ-ДД) as ДД.ММ.ГГГГ.
function ruDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso || "";
}

function plural(n, one, few, many) {
  const m10 = n % 10, m100 = n % 100;
  return m10 === 1 && m100 !== 11 ? one : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? few : many;
}

function pages(n) {
  const m10 = n % 10, m100 = n % 100;
  const word = m10 === 1 && m100 !== 11 ? "страница" : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? "страницы" : "страниц";
  return n + " " + word;
}

// ---- session ----

async function whoAmI() {
  try {
    state.me = await api("GET", "/auth/me");
  } catch (e) {
    return false;
  }
  state.csrf = state.me.csrf_token || "";
  $("#who").textContent = state.me.label;
  $("#nav-import").hidden = state.me.role !== "training_center";
  const out = $("#logout");
  out.hidden = false;
  out.onclick = async () => {
    await api("POST", "/auth/logout").catch(() => {});
    location.href = "/app/login";
  };
  return true;
}

// showFieldErrors puts the server's messages next to the inputs; focus
// moves to the first only after a submit, never while the person types.
function showFieldErrors(form, fields, focus = true) {
  $$(".err", form).forEach((s) => (s.textContent = ""));
  $$("[aria-invalid]", form).forEach((i) => i.removeAttribute("aria-invalid"));
  let first = null;
  for (const f of fields) {
    const slot = $(`[data-err="${f.field}"]`, form);
    if (slot) slot.textContent = f.message;
    const input = form.elements[f.field];
    if (input && input.setAttribute) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  if (first && focus) first.focus();
}

function viewLogin() {
  $("#login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    try {
      await api("POST", "/auth/login", { email: f.email.value, password: f.password.value });
      location.href = "/app/";
    } catch (e) {
      flash(e.message);
    }
  });
  $("#register-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { name: f.name.value, email: f.email.value, password: f.password.value };
    try {
      await api("POST", "/auth/register", body);
      await api("POST", "/auth/login", { email: body.email, password: body.password });
      location.href = "/app/";
    } catch (e) {
      showFieldErrors(f, e.fields);
      flash(e.message);
    }
  });
}

// ---- the application form ----

async function catalog() {
  if (!state.catalog) state.catalog = await api("GET", "/catalog");
  return state.catalog;
}

const levelTitles = { higher: "высшее", secondary_vocational: "среднее профессиональное" };

async function prepareForm(form) {
  const cat = await catalog();
  const levels = form.elements.education_level;
  levels.replaceChildren(el("option", { value: "" }, "—"), ...cat.education_levels.map((l) => el("option", { value: l }, levelTitles[l] || l)));
  // The specialties in force today for the chosen level (all levels while
  // none is chosen): the nomenclature changes with dates.
  const specialties = () => {
    const chosen = levels.value ? [levels.value] : cat.education_levels;
    const names = new Set();
    for (const l of chosen) for (const n of (cat.specialties_in_force[l] || {}).specialties || []) names.add(n);
    $("#specialties").replaceChildren(...Array.from(names).sort().map((n) => el("option", { value: n })));
  };
  levels.addEventListener("change", specialties);
  specialties();
  // The questions of each kind (order 709н), asked only when they apply.
  for (const k of cat.kinds) for (const q of k.questions || []) {
    const label = $(`[data-question="${q.field}"]`, form);
    if (!label) continue;
    $(".q-title", label).textContent = q.title;
    form.elements[q.field].replaceChildren(el("option", { value: "" }, "—"), ...q.options.map((o) => el("option", { value: o.value }, o.title)));
  }
  const sync = () => syncQuestions(form, cat);
  form.addEventListener("change", sync);
  sync();
}

// syncQuestions shows a kind's questions when their condition holds, and
// the report question only for kinds that ask it.
function syncQuestions(form, cat) {
  const kind = cat.kinds.find((k) => k.id === form.elements.kind.value);
  if (!kind) return;
  const value = (field) => {
    const input = form.elements[field];
    if (!input) return undefined;
    if (input.type === "checkbox") return input.checked;
    if (field === "report_agreed") return input.value === "" ? undefined : input.value === "true";
    return input.value;
  };
  for (const label of $$("[data-question]", form)) {
    const field = label.dataset.question;
    const q = (kind.questions || []).find((x) => x.field === field);
    label.hidden = field === "report_agreed" ? !(kind.required_fields || []).includes(field) : !q || (q.when && value(q.when.field) !== q.when.equals);
    // A hidden question is disabled, and readForm sends no answer to it.
    form.elements[field].disabled = label.hidden;
  }
  // "I do not work" as the reason: not working now, whatever the box said.
  if (!form.elements.report_not_agreed_reason.disabled && form.elements.report_not_agreed_reason.value === "not_employed") form.elements.employed.checked = false;
}

function readForm(form) {
  const out = { specialist: {}, contact: {} };
  for (const input of form.elements) {
    // A disabled input is a question not asked (the kind, shown but fixed,
    // is still sent: the server's checks depend on it).
    if (!input.name || (input.disabled && input.name !== "kind")) continue;
    let v = input.type === "checkbox" ? input.checked : input.value;
    if (input.name === "report_agreed") v = v === "" ? null : v === "true";
    const [a, b] = input.name.split(".");
    if (b) out[a][b] = v;
    else out[a] = v;
  }
  return out;
}

function fillForm(form, app) {
  for (const input of form.elements) {
    if (!input.name) continue;
    const [a, b] = input.name.split(".");
    let v = b ? (app[a] || {})[b] : app[a];
    if (input.name === "employed" && v === undefined) v = true;
    if (input.type === "checkbox") input.checked = !!v;
    else if (input.name === "report_agreed") input.value = v === null || v === undefined ? "" : String(v);
    else input.value = v || "";
  }
  if (state.catalog) syncQuestions(form, state.catalog);
  form.elements.kind.disabled = true;
}

// Inline checks on leaving a field: the server's own rules, nothing stored.
function checkOnBlur(form) {
  form.addEventListener("focusout", async () => {
    try {
      await api("POST", "/forms/check", readForm(form));
      showFieldErrors(form, [], false);
    } catch (e) {
      if (e.status !== 422) return;
      const touched = new Set($$("[data-touched]", form).map((i) => i.name));
      showFieldErrors(form, e.fields.filter((f) => touched.has(f.field)), false);
    }
  });
  form.addEventListener("input", (ev) => ev.target.setAttribute("data-touched", ""));
}

async function viewNew() {
  const form = $("#application-form");
  await prepareForm(form);
  checkOnBlur(form);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const app = await api("POST", "/applications", readForm(form));
      location.href = "/app/a/" + app.id;
    } catch (e) {
      showFieldErrors(form, e.fields);
      flash(e.message);
    }
  });
}

// ---- the list ----

async function viewList() {
  if (state.me.role === "training_center") {
    flash("Учебный центр не видит заявлений: он добавляет удостоверения в заявления, открытые ему специалистами, — пакетом на странице «Загрузка удостоверений» или через API.", "info");
    $("#list-body").hidden = true;
    $("#main-import").hidden = false;
    return;
  }
  const sortState = { key: "due", dir: 1 };
  let items = [];
  const load = async () => {
    const q = new URLSearchParams({ limit: "100" });
    if ($("#filter-ready").value) q.set("ready", $("#filter-ready").value);
    if ($("#filter-due").value) q.set("due_before", $("#filter-due").value);
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
      case "status": return a.status;
    }
    return "";
  };
  const render = () => {
    const text = $("#filter-text").value.trim().toLowerCase();
    const rows = items
      .filter((a) => !text || (keyOf(a, "name") + " " + keyOf(a, "specialty")).includes(text))
      .sort((x, y) => (keyOf(x, sortState.key) < keyOf(y, sortState.key) ? -1 : keyOf(x, sortState.key) > keyOf(y, sortState.key) ? 1 : 0) * sortState.dir);
    $("#applications tbody").replaceChildren(...rows.map((a) => {
      const s = a.specialist;
      const name = [s.last_name, s.first_name, s.middle_name].filter(Boolean).join(" ") || "без имени";
      return el("tr", {},
        el("td", {}, el("a", { href: "/app/a/" + a.id }, name)),
        el("td", {}, a.specialty || "—"),
        el("td", { class: a.ready ? "ok" : "warn" }, a.ready ? "готово" : "не готово: " + a.blocking.length + " " + plural(a.blocking.length, "препятствие", "препятствия", "препятствий")),
        el("td", {}, ruDate(a.deadlines && a.deadlines.submit_by) || "—"),
        el("td", {}, a.status === "submitted" ? "отправлено" : "черновик"));
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
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (ev) => ev.key === "Enter" && sort());
  });
  $("#filter-text").addEventListener("input", render);
  $("#filter-ready").addEventListener("change", load);
  $("#filter-due").addEventListener("change", load);
  await load();
}

// ---- one application ----

const requirementTitles = { required: "обязательный", optional: "необязательный", conditional: "по условию" };

async function viewApplication() {
  const id = document.body.dataset.id;
  const base = "/applications/" + id;
  const form = $("#application-form");
  await prepareForm(form);
  checkOnBlur(form);
  let app;

  const refresh = async () => {
    app = await api("GET", base);
    renderSummary(await api("GET", base + "/readiness"));
    renderSlots();
  };

  const renderSummary = (r) => {
    // The application's own verdict (one evaluation on the server); what
    // blocks comes first, then the warnings.
    const n = app.blocking.length;
    $("#ready-line").textContent = app.ready ? "Заявление готово к подаче." : `Заявление не готово к подаче: ${n} ${plural(n, "препятствие", "препятствия", "препятствий")}.`;
    $("#ready-line").className = app.ready ? "ok" : "warn";
    const findings = [...(r.findings || [])].sort((a, b) => (a.severity === "blocking" ? 0 : 1) - (b.severity === "blocking" ? 0 : 1));
    $("#findings").replaceChildren(...findings.map((f) => el("li", { class: f.severity }, (f.severity === "blocking" ? "Мешает подаче: " : "Внимание: ") + f.message)));
    const d = app.deadlines;
    $("#deadline-line").textContent = d ? `Срок аккредитации истекает ${ruDate(d.expiry)}; подать рекомендуем с ${ruDate(d.submit_from)} до ${ruDate(d.submit_by)}.` : (app.kind === "periodic" ? "Укажите дату предыдущей аккредитации, чтобы рассчитать сроки." : "");
  };

  // One PDF goes to the slot as it is; photos, or several files, are
  // composed by the server into one PDF (in the order chosen) and fitted
  // under the limit.
  const isPDF = (f) => f.type === "application/pdf" || /\.pdf$/i.test(f.name);
  const uploadFiles = (slotID, files, row) => {
    if (files.length === 1 && isPDF(files[0]) && files[0].size <= 25 * 1024 * 1024) {
      upload(slotID, files[0], row);
      return;
    }
    const form = new FormData();
    for (const f of files) form.append("file", f, f.name);
    upload(slotID, null, row, form, files.length);
  };

  const upload = (slotID, file, row, form, parts) => {
    const status = $(".status", row);
    const bar = $("progress", row);
    bar.hidden = false;
    bar.value = 0;
    status.textContent = form ? `Загрузка ${parts} файл(ов)… затем сборка в один PDF` : "Загрузка…";
    status.className = "status";
    const xhr = new XMLHttpRequest();
    if (form) {
      xhr.open("POST", "/api/v1" + base + "/slots/" + slotID + "/compose?optimize=true");
    } else {
      xhr.open("PUT", "/api/v1" + base + "/slots/" + slotID + "/file?filename=" + encodeURIComponent(file.name));
      xhr.setRequestHeader("Content-Type", "application/pdf");
    }
    xhr.setRequestHeader("X-CSRF-Token", state.csrf);
    xhr.upload.onprogress = (ev) => {
      if (!ev.lengthComputable) return;
      bar.value = ev.loaded / ev.total;
      if (form && ev.loaded === ev.total) status.textContent = "Собираем PDF из " + parts + " файл(ов)…";
    };
    xhr.onload = async () => {
      bar.hidden = true;
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201) {
        await refresh();
        return;
      }
      const err = (body && body.error) || {};
      status.textContent = "Не принят: " + (fileErrors[err.code] || "ошибка") + (err.message ? ". " + err.message : "");
      status.className = "status error";
    };
    xhr.onerror = () => {
      bar.hidden = true;
      status.textContent = "Не удалось отправить файл: проверьте связь и повторите.";
      status.className = "status error";
    };
    if (form) {
      xhr.send(form);
      return;
    }
    if (file.size > 25 * 1024 * 1024) {
      // The server refuses it anyway after reading 25 MB; say so at once.
      bar.hidden = true;
      status.textContent = "Не принят: " + fileErrors.file_too_large + " (" + formatSize(file.size) + ").";
      status.className = "status error";
      return;
    }
    xhr.send(file);
  };

  const slotRow = (s) => {
    const input = el("input", { type: "file", multiple: true, accept: "application/pdf,.pdf,image/jpeg,image/png",
      "aria-label": "Файл для строки " + s.title });
    const row = el("li", { class: "slot " + s.status, "data-slot": s.id },
      el("div", { class: "title" }, s.title, " ", el("span", { class: "mark " + s.requirement }, requirementTitles[s.requirement] || ""),
        s.hint ? el("span", { class: "hint" }, " — " + s.hint) : null),
      el("div", { class: "doc" }, s.document ? `Принят: ${s.document.file_name || "файл"}, ${pages(s.document.pages)}, ${formatSize(s.document.size)}` : "Файла нет"),
      el("progress", { max: "1", value: "0", hidden: true }),
      el("div", { class: "status", role: "status" }),
      el("div", { class: "actions" },
        el("label", { class: "button" }, s.document ? "Заменить" : "Выбрать файл", input),
        s.document ? el("a", { class: "button", href: "/api/v1" + base + "/slots/" + s.id + "/file" }, "Открыть") : null,
        s.document ? el("button", { type: "button", onclick: async () => {
          if (!confirm("Убрать файл из строки? Он останется в истории.")) return;
          try { await api("DELETE", base + "/slots/" + s.id + "/file"); await refresh(); } catch (e) { flash(e.message); }
        } }, "Удалить") : null));
    input.addEventListener("change", () => input.files.length && uploadFiles(s.id, [...input.files], row));
    row.addEventListener("dragover", (ev) => { ev.preventDefault(); row.classList.add("drop"); });
    row.addEventListener("dragleave", () => row.classList.remove("drop"));
    row.addEventListener("drop", (ev) => {
      ev.preventDefault();
      row.classList.remove("drop");
      const files = [...ev.dataTransfer.files];
      if (files.length) uploadFiles(s.id, files, row);
    });
    return row;
  };

  const renderSlots = () => {
    const list = $("#slots");
    const rows = [];
    app.slots.forEach((s, i) => {
      rows.push(slotRow(s));
      const next = app.slots[i + 1];
      const base = s.id.split(".")[0];
      // After the last row of a repeatable slot: a row to add.
      if (s.repeatable && s.status === "accepted" && (!next || next.id.split(".")[0] !== base)) {
        const n = Number(s.id.split(".")[1]) + 1;
        rows.push(el("li", { class: "slot add" }, el("button", { type: "button", onclick: (ev) => {
          ev.target.closest("li").replaceWith(slotRow({ ...s, id: base + "." + n, status: "empty", document: null, title: s.title + " (ещё одно)" }));
        } }, "+ Добавить ещё: " + s.title)));
      }
    });
    list.replaceChildren(...rows);
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = readForm(form);
    delete body.kind;
    try {
      await api("PATCH", base, body);
      showFieldErrors(form, []);
      flash("Сохранено.", "info");
      await refresh();
    } catch (e) {
      showFieldErrors(form, e.fields);
      flash(e.message);
    }
  });

  const watch = async (bundle, item) => {
    for (;;) {
      const b = await api("GET", "/bundles/" + bundle.id);
      const bar = $("progress", item);
      if (b.progress && b.progress.total) bar.value = b.progress.done / b.progress.total;
      $(".status", item).textContent = { queued: "в очереди", running: "собирается", done: "готово", failed: "не собрано: " + b.error }[b.status];
      if (b.status === "done") {
        bar.value = 1;
        item.append(el("a", { class: "button download", href: "/api/v1/bundles/" + b.id + "/file", download: "" }, "Скачать (" + formatSize(b.size) + ")"));
        return;
      }
      if (b.status === "failed") return;
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  $$(".build").forEach((btn) => btn.addEventListener("click", async () => {
    flash("");
    try {
      const b = await api("POST", base + "/bundles", { kind: btn.dataset.kind, draft: $("#draft").checked });
      const item = el("li", { class: "bundle", "data-bundle": b.id }, btn.textContent.replace("Собрать ", "") + ": ",
        el("span", { class: "status" }, "в очереди"), " ", el("progress", { max: "1", value: "0" }), " ");
      $("#bundles").prepend(item);
      await watch(b, item);
    } catch (e) {
      flash(e.message);
    }
  }));

  await refresh();
  fillForm(form, app);
  $("#form-details").open = !app.ready && app.problems && app.problems.length > 0;
}

// ---- a training center's certificate import ----

const importStatuses = {
  added: "добавлено",
  duplicate: "уже было",
  refused: "отказано",
  invalid: "ошибка в строке",
  failed: "не выполнено",
};

const importColumns = {
  snils: "СНИЛС", title: "Название программы", hours: "Часы", start_date: "Дата начала", end_date: "Дата окончания",
  frdo_number: "Номер ФРДО", in_specialty: "По специальности", file: "Файл", application_id: "Заявление",
};

// An Idempotency-Key for one sending of one choice of files: a retry
// after a lost answer is answered from the first run, not run again.
function newImportKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return "web-import-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function importSlot(slot) {
  const n = (slot || "").split(".")[1];
  return n ? "удостоверение в строке " + n : "";
}

function importRow(r) {
  const reasons = [];
  // With field errors the general message ("see fields") says nothing more.
  if (r.message && !(r.fields && r.fields.length)) reasons.push(el("div", {}, r.message));
  for (const f of r.fields || []) reasons.push(el("div", { class: "field" }, (importColumns[f.field] || f.field) + ": " + f.message));
  const apps = (r.applications || []).map((a) => {
    const more = [importStatuses[a.status] || a.status, importSlot(a.certificate_slot)];
    if (a.message && a.message !== r.message) more.push(a.message);
    return el("div", { class: "app" }, el("code", {}, a.application_id), " — " + more.filter(Boolean).join("; "));
  });
  // data-label names the cell where a phone shows the row as a card.
  return el("tr", { class: "st-" + r.status, "data-row": r.row, "data-status": r.status },
    el("td", { "data-label": "Строка" }, String(r.row)),
    el("td", { class: "snils", "data-label": "СНИЛС" }, r.snils || "—"),
    el("td", { "data-label": "Номер ФРДО" }, r.frdo_number || "—"),
    el("td", { class: "status", "data-label": "Результат" }, importStatuses[r.status] || r.status),
    reasons.length ? el("td", { "data-label": "Пояснение" }, reasons) : el("td", { class: "none" }, "—"),
    apps.length ? el("td", { "data-label": "Заявление" }, apps) : el("td", { class: "none" }, "—"));
}

function showImportReport(rep) {
  const s = rep.summary;
  const parts = ["Строк: " + s.rows, "добавлено: " + s.added, "уже было: " + s.duplicate, "отказано: " + s.refused, "с ошибками: " + s.invalid];
  if (s.failed) parts.push("не выполнено: " + s.failed + " (отправьте пакет ещё раз)");
  $("#import-summary").textContent = parts.join(" · ");
  $("#import-summary").className = s.failed || s.invalid || s.refused ? "warn" : "ok";
  $("#import-rows tbody").replaceChildren(...rep.rows.map(importRow));
  $("#import-report").hidden = false;
}

function viewImport() {
  if (state.me.role !== "training_center") {
    $("#import-refused").hidden = false;
    return;
  }
  $("#import-body").hidden = false;
  const form = $("#import-form");
  const { batch: batchInput, files: zipInput } = form.elements;
  const send = $("#import-send");
  const bar = $("#import-progress");
  const status = $("#import-status");
  let key = newImportKey();
  let busy = false;
  const setStatus = (text, kind = "") => {
    status.textContent = text;
    status.className = "status " + kind;
  };
  const done = () => {
    busy = false;
    send.disabled = false;
    batchInput.disabled = zipInput.disabled = false;
    bar.hidden = true;
  };
  // A new choice of files is a new import.
  form.addEventListener("change", () => {
    key = newImportKey();
    $("[data-err=batch]", form).textContent = "";
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (busy) return;
    flash("");
    setStatus("");
    const batch = batchInput.files[0];
    const zip = zipInput.files[0];
    if (!batch) {
      $("[data-err=batch]", form).textContent = "Выберите файл с пакетом: CSV или JSON.";
      batchInput.focus();
      return;
    }
    // The server refuses these from the request's length, before reading
    // it; say so at once rather than after sending a gigabyte.
    if (batch.size > 5 * 1024 * 1024 || (zip && zip.size > 1024 * 1024 * 1024)) {
      flash(batch.size > 5 * 1024 * 1024 ? "Пакет больше 5 МБ: разделите его на несколько (до 1000 строк в каждом)."
        : "Архив больше 1 ГБ (" + formatSize(zip.size) + "): разделите пакет и архив на части.");
      return;
    }
    const body = new FormData();
    body.append("batch", batch, batch.name);
    if (zip) body.append("files", zip, zip.name);
    busy = true;
    $("#import-report").hidden = true;
    send.disabled = true;
    batchInput.disabled = zipInput.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    setStatus("Загрузка…");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/imports/certificates");
    xhr.setRequestHeader("X-CSRF-Token", state.csrf);
    xhr.setRequestHeader("Idempotency-Key", key);
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      bar.value = e.loaded / e.total;
      setStatus(e.loaded < e.total ? "Загрузка… " + Math.floor((100 * e.loaded) / e.total) + "% из " + formatSize(e.total)
        : "Файлы отправлены, сервис проверяет строки…");
    };
    xhr.onload = () => {
      done();
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      // Still running (409) keeps the key: sending again waits for that run.
      if (xhr.status !== 409) key = newImportKey();
      if (xhr.status === 401) {
        location.href = "/app/login";
        return;
      }
      if (xhr.status === 200 && data && data.summary) {
        setStatus(xhr.getResponseHeader("Idempotent-Replayed") ? "Готово (ответ на первую отправку этого пакета)." : "Готово.", "ok");
        showImportReport(data);
        return;
      }
      const err = new APIError(xhr.status, data);
      setStatus("Пакет не принят.", "error");
      flash(err.message);
    };
    xhr.onerror = () => {
      done();
      setStatus("Не удалось отправить пакет: проверьте связь и повторите — дважды он не загрузится.", "error");
    };
    xhr.send(body);
  });
}

// ---- start ----

document.addEventListener("DOMContentLoaded", async () => {
  const view = document.body.dataset.view;
  if (view === "login") return viewLogin();
  if (!(await whoAmI())) {
    location.href = "/app/login";
    return;
  }
  try {
    if (view === "list") await viewList();
    if (view === "new") await viewNew();
    if (view === "application") await viewApplication();
    if (view === "import") viewImport();
  } catch (e) {
    flash(e.message);
  }
});
