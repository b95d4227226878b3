// The five steps of an application, and where the person is: every page of
// an application shows them, with «шаг N из 5» and what each step still
// needs.
import { $, api, count, el, fullName } from "./core.js";

const steps = [
  { id: "form", title: "Данные заявления", href: (id) => `/app/a/${id}/form` },
  { id: "documents", title: "Документы", href: (id) => `/app/a/${id}/documents` },
  { id: "education", title: "Обучение", href: (id) => `/app/a/${id}/education` },
  { id: "check", title: "Проверка", href: (id) => `/app/a/${id}` },
  { id: "submit", title: "Сборка и подача", href: (id) => `/app/a/${id}/submit` },
];

// Where a finding of the readiness report is fixed: the step, and the
// anchor on its page. The one map the steps and the check page share.
const educationCodes = ["education_hours", "frdo_missing", "nmo_total", "nmo_year", "foreign_credits"];

export function fixOf(f) {
  if (educationCodes.includes(f.code)) return { step: "education", anchor: "" };
  // The report written in the service (an unsigned PDF in its row is fixed
  // on the documents page, with the signed scan).
  if (f.code.startsWith("report_") && f.code !== "report_unsigned") return { step: "report", anchor: "" };
  if (f.slot) return { step: "documents", anchor: "slot-" + f.slot };
  if (f.field) return { step: "form", anchor: "f-" + f.field.replace(/\./g, "-") };
  return null;
}

// progress says, per step, whether it is done and what it still needs, from
// the application and its readiness report (the server's one evaluation).
export function progress(app, report) {
  const blocking = app.blocking || [];
  const onStep = (step) => blocking.filter((f) => (fixOf(f) || {}).step === step);
  const toFix = onStep("form").length;
  const docs = documentCount(app);
  return {
    form: { done: toFix === 0, note: toFix ? "исправить: " + count(toFix, "пункт", "пункта", "пунктов") : "заполнено" },
    documents: { done: onStep("documents").length === 0, note: `${docs.filled} из ${docs.required}` },
    education: !report.education
      ? { done: true, na: true, note: "не требуется" }
      : { done: onStep("education").length === 0, note: hoursNote(report) },
    check: { done: app.ready, note: app.ready ? "готово к подаче" : count(blocking.length, "препятствие", "препятствия", "препятствий") },
    submit: { done: app.status === "submitted", note: app.status === "submitted" ? "отправлено" : "" },
  };
}

// documentCount is the required rows and how many hold a file.
export function documentCount(app) {
  const required = app.slots.filter((s) => s.required);
  return { required: required.length, filled: required.filter((s) => s.status === "accepted").length };
}

// hoursNote is the hours counted against the hours the rules ask for:
// "72 из 144 ч" (each rule set in detail on the education page). Enough
// hours that still meet no rule set (too few in the specialty, say) are
// said so, not shown as complete.
export function hoursNote(report) {
  if (report.rule_sets.some((rs) => rs.met)) return "выполнено";
  const need = Math.max(...report.rule_sets.map(ruleHours));
  const have = report.totals.courses + report.totals.non_formal;
  return have < need ? `${have} из ${need} ч` : `${have} ч, но требование не выполнено`;
}

// ruleHours is how many hours a rule set asks for in all.
export const ruleHours = (rs) => Math.max(rs.total_min || 0, (rs.courses_min || 0) + (rs.non_formal_min || 0), rs.courses_in_specialty_min || 0);

// loadApplication reads an application and its readiness, draws the steps
// with the current one marked, and the page's heading.
export async function loadApplication(id, current) {
  const [app, report] = await Promise.all([api("GET", "/applications/" + id), api("GET", "/applications/" + id + "/readiness")]);
  renderSteps(app, report, current);
  return { app, report };
}

export function renderSteps(app, report, current) {
  const p = progress(app, report);
  const n = steps.findIndex((s) => s.id === current) + 1; // 0: a page beside the steps
  $("h1").textContent = fullName(app.specialist) || "Заявление";
  const nav = $("#steps");
  nav.hidden = false;
  if (n > 0) $(".step-of", nav).textContent = `Шаг ${n} из ${steps.length}: ${steps[n - 1].title}`;
  $("ol", nav).replaceChildren(...steps.map((st, i) => {
    const state = p[st.id];
    const cls = ["step", state.done ? "done" : "todo", state.na ? "na" : "", st.id === current ? "current" : ""].filter(Boolean).join(" ");
    return el("li", { class: cls },
      el("a", { href: st.href(app.id), "aria-current": st.id === current ? "step" : null },
        el("span", { class: "num", "aria-hidden": "true" }, state.done ? "✓" : String(i + 1)),
        el("span", { class: "name" }, st.title),
        state.note ? el("span", { class: "note" }, state.note) : null));
  }));
  const links = $(".app-links", nav);
  const hasReport = app.slots.some((s) => s.id === "professional_report");
  if (links) links.replaceChildren(
    hasReport ? el("a", { href: `/app/a/${app.id}/report`, "aria-current": current === "report" ? "page" : null }, "Отчёт о профессиональной деятельности") : "",
    hasReport ? " · " : "",
    el("a", { href: `/app/a/${app.id}/share` }, "Доступ для консалтинга и учебного центра"));
}
