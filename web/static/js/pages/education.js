// Step 3: the education ledger. Courses of advanced training (with the
// certificate row each belongs to, uploadable right here) and NMO
// activities; the hours of the reporting period against each rule set as
// progress bars; what was not counted, and why.
import { $, $$, api, confirmDanger, count, dateMessage, el, errorMessage, flash, ruDate } from "../core.js";
import { dateInput, isoDate, keepErrorsUntilChanged, setFieldErrors, focusFirstError } from "../form.js";
import { slotRow } from "../slots.js";
import { loadApplication, renderSteps, ruleHours } from "../steps.js";

const nmoKinds = { event: "мероприятие (конференция, вебинар)", e_module: "электронный модуль", programme: "программа (в часах курса)" };

// Cyrillic letters that look like Latin ones, as the server reads them
// (identifiers.NormalizeIKP): a code typed on a Russian keyboard.
const lookalikes = { А: "A", В: "B", Е: "E", К: "K", М: "M", Н: "H", О: "O", Р: "P", С: "C", Т: "T", Х: "X" };

// normalizeIKP writes an NMO confirmation code as the server does: upper
// case, look-alike Cyrillic letters as Latin, Latin letters and digits
// only, the letter O as zero, XXXX-XXXXXXXX.
function normalizeIKP(s) {
  const raw = Array.from(s.toUpperCase(), (c) => lookalikes[c] || c).join("").replace(/O/g, "0").replace(/[^A-Z0-9]/g, "").slice(0, 12);
  return raw.length > 4 ? raw.slice(0, 4) + "-" + raw.slice(4) : raw;
}

export async function run(id) {
  const base = "/applications/" + id;
  let app, report;
  ({ app, report } = await loadApplication(id, "education"));
  const locked = () => app.status === "submitted";

  const courseForm = $("#course-form");
  const nmoForm = $("#nmo-form");
  for (const f of [courseForm, nmoForm]) {
    keepErrorsUntilChanged(f, null);
    for (const i of $$("input[data-date]", f)) dateInput(i);
  }
  nmoForm.elements.code.addEventListener("input", () => {
    const i = nmoForm.elements.code;
    const at = i.selectionStart === i.value.length; // typing at the end: keep it there
    const v = normalizeIKP(i.value);
    if (v !== i.value && at) i.value = v;
  });
  nmoForm.elements.code.addEventListener("change", () => (nmoForm.elements.code.value = normalizeIKP(nmoForm.elements.code.value)));

  const refresh = async () => {
    [app, report] = await Promise.all([api("GET", base), api("GET", base + "/readiness")]);
    renderSteps(app, report, "education");
    await draw();
  };
  const changed = () => refresh().catch((e) => flash(errorMessage(e)));

  const draw = async () => {
    if (!report.education) {
      $("#education-na").hidden = false;
      $("#education-body").hidden = true;
      return;
    }
    drawTotals();
    const [{ courses }, { activities }] = await Promise.all([api("GET", base + "/courses"), api("GET", base + "/nmo")]);
    drawCourses(courses);
    drawNMO(activities);
    for (const f of [courseForm, nmoForm]) for (const i of f.elements) i.disabled = locked();
  };

  const bar = (label, have, need) => el("div", { class: "bar" },
    el("div", { class: "bar-label" }, `${label}: ${Math.min(have, need)} из ${need} ч`),
    el("progress", { max: String(need), value: String(Math.min(have, need)), "aria-label": `${label}: ${have} из ${need} ч` }));

  const drawTotals = () => {
    const t = report.totals;
    $("#period").textContent = `Отчётный период: ${ruDate(report.period_from)} — ${ruDate(report.period_to)}. Засчитываются курсы, окончившиеся в этот период, и мероприятия НМО в нём.`;
    $("#rule-sets").replaceChildren(...report.rule_sets.map((rs) => {
      const bars = [];
      if (rs.courses_min) bars.push(bar("Повышение квалификации", t.courses, rs.courses_min));
      if (rs.courses_in_specialty_min) bars.push(bar("Повышение квалификации по специальности", t.courses_in_specialty, rs.courses_in_specialty_min));
      if (rs.non_formal_min) bars.push(bar("Неформальное образование (НМО)", t.non_formal, rs.non_formal_min));
      if (rs.total_min) bars.push(bar("Всего", t.courses + t.non_formal, rs.total_min));
      return el("li", { class: "rule " + (rs.met ? "met" : "not-met") },
        el("div", { class: "rule-title" }, (rs.met ? "✓ " : "") + rs.title, " ", el("span", { class: rs.met ? "ok" : "warn" }, rs.met ? "выполнено" : "не выполнено")),
        ...bars);
    }));
    const anyMet = report.rule_sets.some((rs) => rs.met);
    $("#education-verdict").textContent = anyMet ? "Требование к обучению выполнено." : `Не хватает часов: нужно выполнить одно из требований (${Math.max(...report.rule_sets.map(ruleHours))} ч за пять лет).`;
    $("#education-verdict").className = anyMet ? "ok" : "warn";
    $("#by-year tbody").replaceChildren(...report.by_year.map((y) => el("tr", {},
      el("td", {}, String(y.year)), el("td", {}, String(y.courses)), el("td", {}, String(y.courses_in_specialty)), el("td", {}, String(y.non_formal)), el("td", {}, String(y.nmo)))));
    const ex = report.excluded;
    const excluded = [];
    if (ex.outside_period_hours) excluded.push(`${count(ex.outside_period_hours, "час", "часа", "часов")} курсов окончились вне отчётного периода.`);
    if (ex.outside_period_credits) excluded.push(`${count(ex.outside_period_credits, "ЗЕТ", "ЗЕТ", "ЗЕТ")} НМО получены вне отчётного периода.`);
    if (ex.foreign_credits) excluded.push(`${count(ex.foreign_credits, "ЗЕТ", "ЗЕТ", "ЗЕТ")} за зарубежные мероприятия: они не засчитываются.`);
    $("#excluded").replaceChildren(...(excluded.length ? excluded : ["Всё внесённое засчитано."]).map((t) => el("li", {}, t)));
    const frdo = (report.findings || []).filter((f) => f.code === "frdo_missing");
    $("#frdo-findings").replaceChildren(...frdo.map((f) => el("li", { class: "blocking" }, f.message)));
  };

  // The certificate rows a course may name: the existing ones and the next.
  const certificateRows = () => {
    const rows = app.slots.filter((s) => s.id.startsWith("qualification_certificates."));
    const next = Math.max(0, ...rows.map((s) => Number(s.id.split(".")[1]))) + 1;
    return [...rows.map((s) => [s.id, s.title + (s.document ? " — файл загружен" : " — файла нет")]),
      ["qualification_certificates." + next, "Удостоверение (№ " + next + ") — новая строка"]];
  };

  // The certificate rows offered, keeping the one chosen.
  const certificateOptions = () => {
    const select = courseForm.elements.certificate_slot;
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "— без файла —"), ...certificateRows().map(([v, t]) => el("option", { value: v }, t)));
    select.value = chosen;
  };

  // fillCourseForm empties the course form, or fills it with a course to
  // change.
  const fillCourseForm = (c) => {
    const f = courseForm;
    f.dataset.editing = c ? c.id : "";
    certificateOptions();
    f.elements.title.value = c ? c.title : "";
    f.elements.organization.value = c ? c.organization : "";
    f.elements.hours.value = c ? c.hours : "";
    f.elements.start_date.value = c ? ruDate(c.start_date) : "";
    f.elements.end_date.value = c ? ruDate(c.end_date) : "";
    f.elements.in_specialty.checked = c ? c.in_specialty : true;
    f.elements.frdo_number.value = c ? c.frdo_number : "";
    f.elements.certificate_slot.value = c ? c.certificate_slot : "";
    $("#course-form-title").textContent = c ? "Изменить курс" : "Добавить курс";
    $("#course-cancel").hidden = !c;
    setFieldErrors(f, []);
  };

  // certificateSlot is the row a course names, as the checklist has it, or
  // a new row of the certificates (a PUT to it creates it).
  const certificateSlot = (ref) => {
    if (!ref) return null;
    const found = app.slots.find((s) => s.id === ref);
    if (found) return found;
    const first = app.slots.find((s) => s.id.startsWith("qualification_certificates."));
    if (!first) return null;
    const n = ref.split(".")[1];
    return { ...first, id: ref, status: "empty", document: null, required: false, title: first.title.replace(/\(№ \d+\)$/, "(№ " + n + ")") };
  };

  const drawCourses = (courses) => {
    $("#courses-empty").hidden = courses.length > 0;
    $("#courses").replaceChildren(...courses.map((c) => {
      const slot = certificateSlot(c.certificate_slot);
      return el("li", { class: "ledger-item", "data-course": c.id },
        el("div", { class: "title" }, c.title),
        el("div", {}, `${c.organization} · ${count(c.hours, "час", "часа", "часов")} · ${ruDate(c.start_date)} — ${ruDate(c.end_date)} · ${c.in_specialty ? "по специальности" : "не по специальности"}`),
        el("div", { class: c.frdo_number ? "" : "status error" }, c.frdo_number ? "Номер в ФИС ФРДО: " + c.frdo_number : "Нет номера в ФИС ФРДО: без регистрации заявление отклонят"),
        slot ? el("ul", { class: "slots inline" }, slotRow(id, slot, changed, { locked: locked() })) : el("div", { class: "hint" }, "Строка удостоверения не указана."),
        locked() ? null : el("div", { class: "actions" },
          el("button", { type: "button", class: "secondary", onclick: () => { fillCourseForm(c); courseForm.scrollIntoView(); courseForm.elements.title.focus(); } }, "Изменить"),
          el("button", { type: "button", class: "danger", onclick: async () => {
            if (!confirmDanger(`Удалить курс «${c.title}»? Загруженное удостоверение останется в своей строке.`)) return;
            try { await api("DELETE", base + "/courses/" + c.id); await refresh(); } catch (e) { flash(errorMessage(e)); }
          } }, "Удалить")));
    }));
    certificateOptions();
  };

  const drawNMO = (acts) => {
    $("#nmo-empty").hidden = acts.length > 0;
    $("#activities").replaceChildren(...acts.map((a) => el("li", { class: "ledger-item", "data-nmo": a.id },
      el("div", { class: "title" }, a.title),
      el("div", {}, `${ruDate(a.date)} · ${count(a.credits, "ЗЕТ", "ЗЕТ", "ЗЕТ")} · ${nmoKinds[a.kind] || a.kind}${a.foreign ? " · за рубежом (не засчитывается)" : ""}`),
      el("div", { class: "hint" }, "Код подтверждения: " + a.code),
      locked() ? null : el("div", { class: "actions" }, el("button", { type: "button", class: "danger", onclick: async () => {
        if (!confirmDanger(`Удалить «${a.title}»?`)) return;
        try { await api("DELETE", base + "/nmo/" + a.id); await refresh(); } catch (e) { flash(errorMessage(e)); }
      } }, "Удалить")))));
  };

  courseForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = courseForm;
    const body = {
      title: f.elements.title.value, organization: f.elements.organization.value, hours: Number(f.elements.hours.value) || 0,
      start_date: isoDate(f.elements.start_date.value), end_date: isoDate(f.elements.end_date.value),
      in_specialty: f.elements.in_specialty.checked, frdo_number: f.elements.frdo_number.value, certificate_slot: f.elements.certificate_slot.value,
    };
    try {
      const editing = f.dataset.editing;
      await api(editing ? "PUT" : "POST", base + "/courses" + (editing ? "/" + editing : ""), body);
      flash(editing ? "Курс изменён." : "Курс добавлен.", "info");
      await refresh();
      fillCourseForm(null);
    } catch (e) {
      setFieldErrors(f, e.fields.map(dateError));
      if (e.fields.length) focusFirstError(f);
      else flash(errorMessage(e));
    }
  });
  $("#course-cancel").addEventListener("click", () => fillCourseForm(null));

  nmoForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = nmoForm;
    const body = { title: f.elements.title.value, date: isoDate(f.elements.date.value), credits: Number(f.elements.credits.value) || 0,
      code: f.elements.code.value, kind: f.elements.kind.value, foreign: f.elements.foreign.checked };
    try {
      await api("POST", base + "/nmo", body);
      f.reset();
      flash("Мероприятие НМО добавлено.", "info");
      await refresh();
    } catch (e) {
      setFieldErrors(f, e.fields.map(dateError));
      if (e.fields.length) focusFirstError(f);
      // A code already used: the API's own message, on the code's field.
      else if (e.code === "conflict") setFieldErrors(f, [{ field: "code", message: e.message }]);
      else flash(errorMessage(e));
    }
  });

  await draw();
  if (report.education) fillCourseForm(null);
}

// The ledger's date rule speaks of ГГГГ-ММ-ДД; the page's inputs take ДД.ММ.ГГГГ.
const dateError = (f) => (f.code === "past_date" ? { ...f, message: dateMessage } : f);
