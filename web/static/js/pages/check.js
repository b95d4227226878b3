// Step 4: is the application ready? The server's one evaluation: «Готово к
// подаче» only when nothing blocks; otherwise how far each part is, and
// what blocks, first, each with a link to where it is fixed.
import { $, count, el, ruDate } from "../core.js";
import { documentCount, fixOf, hoursNote, loadApplication, progress } from "../steps.js";

const fixTitles = { education: "К обучению", documents: "К документу", form: "К полю", report: "К отчёту" };
const stepPaths = { education: "/education", documents: "/documents", form: "/form", report: "/report" };

// fixLink says where a finding is fixed: [href, link text], or null.
function fixLink(id, f) {
  const fix = fixOf(f);
  if (!fix) return null;
  return [`/app/a/${id}${stepPaths[fix.step]}${fix.anchor ? "#" + fix.anchor : ""}`, fixTitles[fix.step]];
}

function finding(id, f) {
  const link = fixLink(id, f);
  return el("li", { class: f.severity }, f.message, link ? [" ", el("a", { href: link[0] }, link[1])] : null);
}

export async function run(id) {
  const { app, report } = await loadApplication(id, "check");
  const p = progress(app, report);
  const verdict = $("#verdict");
  if (app.status === "submitted") {
    verdict.textContent = "Заявление отправлено" + (app.submitted_on ? " " + ruDate(app.submitted_on) : "") + ".";
    verdict.className = "verdict ok";
  } else if (app.ready) {
    verdict.textContent = "Готово к подаче";
    verdict.className = "verdict ok";
  } else {
    verdict.textContent = "Пока не готово к подаче: " + count(app.blocking.length, "препятствие", "препятствия", "препятствий");
    verdict.className = "verdict warn";
  }
  const docs = documentCount(app);
  $("#summary-list").replaceChildren(
    el("li", { class: p.documents.done ? "ok" : "warn" }, `Документы: ${docs.filled} из ${docs.required}`),
    report.education ? el("li", { class: p.education.done ? "ok" : "warn" }, "Обучение: " + hoursNote(report)) : el("li", { class: "ok" }, "Обучение: не требуется для этого вида аккредитации"),
    el("li", { class: p.form.done ? "ok" : "warn" }, p.form.done ? "Данные заявления: заполнены" : "Данные заявления: " + p.form.note));
  const blocking = report.findings.filter((f) => f.severity === "blocking");
  const warnings = report.findings.filter((f) => f.severity !== "blocking");
  $("#blocking").replaceChildren(...blocking.map((f) => finding(id, f)));
  $("#blocking-box").hidden = blocking.length === 0;
  $("#warnings").replaceChildren(...warnings.map((f) => finding(id, f)));
  $("#warnings-box").hidden = warnings.length === 0;
  $("#warnings-count").textContent = String(warnings.length);
  // On a wide screen the warnings are open; on a phone they fold away.
  $("#warnings-box").open = window.matchMedia("(min-width: 48rem)").matches;
  const d = app.deadlines;
  if (d) {
    $("#deadlines").hidden = false;
    const rows = [["Предыдущая аккредитация", ruDate(d.previous_accreditation)], ["Аккредитация действует до", ruDate(d.expiry)],
      ["Рекомендуем подать", `с ${ruDate(d.submit_from)} по ${ruDate(d.submit_by)}`],
      [app.status === "submitted" ? "Подано" : "Подача (планируемая)", ruDate(d.planned_submission)]];
    for (const st of d.stages || []) rows.push([`${st.title} (${count(st.working_days, "рабочий день", "рабочих дня", "рабочих дней")})`, "до " + ruDate(st.ends)]);
    $("#deadlines dl").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
    $("#deadlines-note").textContent = d.provisional_calendar ? "Рабочие дни 2027 года посчитаны по производственному календарю, ещё не сверенному с официальным текстом постановления." : "";
  }
  $("#next-step").href = app.ready || app.status === "submitted" ? `/app/a/${id}/submit` : (blocking[0] && fixLink(id, blocking[0]) || [`/app/a/${id}/documents`])[0];
  $("#next-step").textContent = app.ready || app.status === "submitted" ? "Дальше: сборка и подача" : "Исправить первое препятствие";
}
