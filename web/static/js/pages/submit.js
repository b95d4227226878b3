// Step 5: build the bundles, and submit on the portal. The FRMR personal
// account's application form in its order: each value with a copy button,
// each row's file to download under the portal's row name, so nothing is
// retyped by hand. Then mark the application submitted with the day the
// portal took it (or reopen it), and see when each stage should end.
import { $, api, confirmDanger, copyButton, count, el, flash, formatSize, ruDate, ruDateTime } from "../core.js";
import { dateInput, isoDate } from "../form.js";
import { loadApplication, renderSteps } from "../steps.js";

const kindTitles = { frmr_package: "Пакет для ФРМР (ZIP)", portfolio_pdf: "Портфолио (PDF)" };
const statusTitles = { queued: "в очереди", running: "собирается", done: "готово", failed: "не собрано" };
const levelTitles = { higher: "Высшее", secondary_vocational: "Среднее профессиональное" };
const reasonTitles = {
  head_refused: "Руководитель отказал в согласовании", not_employed: "Не работаю", head_of_organization: "Руководитель организации",
  sole_proprietor: "Индивидуальный предприниматель",
};

export async function run(id) {
  const base = "/applications/" + id;
  let { app, report } = await loadApplication(id, "submit");

  const refresh = async () => {
    [app, report] = await Promise.all([api("GET", base), api("GET", base + "/readiness")]);
    renderSteps(app, report, "submit");
    draw();
    await drawBundles();
  };

  // ---- bundles ----
  const bundleItem = (b) => {
    const bar = el("progress", { max: "1", value: b.progress && b.progress.total ? String(b.progress.done / b.progress.total) : "0", hidden: b.status === "done" || b.status === "failed", "aria-label": "Сборка" });
    const links = [];
    if (b.status === "done") {
      links.push(el("a", { class: "button", href: "/api/v1/bundles/" + b.id + "/file", download: "" }, "Скачать"));
      if (b.kind === "portfolio_pdf") links.push(el("a", { class: "button secondary", href: "/api/v1/bundles/" + b.id + "/file?inline=1", target: "_blank", rel: "noopener" }, "Открыть"));
    }
    return el("li", { class: "bundle " + b.status, "data-bundle": b.id },
      el("div", { class: "title" }, kindTitles[b.kind] || b.kind, b.draft ? el("span", { class: "mark draft" }, "черновик") : null),
      el("div", { class: "hint" }, `${ruDateTime(b.created_at)} · ${statusTitles[b.status] || b.status}` + (b.status === "done" ? ` · ${formatSize(b.size)}` : "") + (b.status === "failed" ? ": " + b.error : "")),
      b.status === "done" ? el("div", { class: "hint sha" }, "SHA-256: " + b.sha256) : null,
      bar, el("div", { class: "actions" }, ...links));
  };
  const drawBundles = async () => {
    const { bundles } = await api("GET", base + "/bundles");
    $("#bundles").replaceChildren(...bundles.map(bundleItem));
    $("#bundles-empty").hidden = bundles.length > 0;
    // Builds still going are watched until they end.
    if (bundles.some((b) => b.status === "queued" || b.status === "running")) setTimeout(() => drawBundles().catch(() => {}), 700);
  };
  for (const btn of document.querySelectorAll(".build")) btn.addEventListener("click", async () => {
    flash("");
    try {
      await api("POST", base + "/bundles", { kind: btn.dataset.kind, draft: !app.ready });
      await drawBundles();
    } catch (e) {
      flash(e.message);
    }
  });

  // ---- the portal's form ----
  const row = (label, value) => el("div", { class: "portal-row" },
    el("dt", {}, label), el("dd", {}, el("span", { class: "value" }, value || "—"), value ? copyButton(value) : null));
  const draw = () => {
    const s = app.specialist;
    const answer = app.report_agreed === true ? "Да" : app.report_agreed === false ? "Нет" : "";
    const fields = [
      ["Контактный телефон", app.contact.phone], ["Адрес электронной почты", app.contact.email],
      ["Уровень образования", levelTitles[app.education_level] || app.education_level], ["Специальность", app.specialty]];
    if (app.kind === "periodic") {
      fields.push(["Согласование отчёта о профессиональной деятельности", answer]);
      if (app.report_agreed === false) fields.push(["Причина несогласования (для комментария)", reasonTitles[app.report_not_agreed_reason] || ""]);
    }
    fields.push(["Комментарий", app.comment], ["Согласие на обработку персональных данных", app.consent ? "Да" : "Нет"]);
    $("#portal-person").textContent = `${[s.last_name, s.first_name, s.middle_name].filter(Boolean).join(" ")}, СНИЛС ${s.snils}: эти данные портал берёт из Госуслуг.`;
    $("#portal-fields").replaceChildren(...fields.map(([k, v]) => row(k, v)));
    const files = app.slots.filter((x) => x.document);
    $("#portal-files").replaceChildren(...files.map((x) => el("li", {},
      el("span", { class: "title" }, x.title), " ",
      el("a", { class: "button secondary small", href: "/api/v1" + base + "/slots/" + x.id + "/file", download: "" }, "Скачать PDF"),
      el("span", { class: "hint" }, ` ${formatSize(x.document.size)}`))));
    const missing = app.slots.filter((x) => x.required && !x.document);
    $("#portal-missing").textContent = missing.length ? "Ещё не загружены: " + missing.map((x) => x.title).join("; ") + "." : "";

    const submitted = app.status === "submitted";
    $("#submit-box").hidden = submitted;
    $("#submitted-box").hidden = !submitted;
    $("#not-ready").hidden = app.ready || submitted;
    $("#submit-form button").disabled = !app.ready;
    $("#build-note").textContent = app.ready ? "" : "Заявление ещё не готово: сборки будут черновиками с пометкой «ЧЕРНОВИК».";
    if (submitted) {
      $("#submitted-line").textContent = "Отправлено на портале " + ruDate(app.submitted_on || app.submitted_at) + ". Изменения закрыты, пока заявление не возвращено в работу.";
      const d = app.deadlines;
      $("#stages").replaceChildren(...(d && d.stages ? d.stages : []).map((st) => el("li", {}, `${st.title}: ${count(st.working_days, "рабочий день", "рабочих дня", "рабочих дней")}, ожидаемое окончание ${ruDate(st.ends)}`)));
      $("#stages-none").hidden = !!(d && d.stages && d.stages.length);
    }
  };

  const dateField = $("#submit-form").elements.submitted_on;
  dateInput(dateField);
  // Today as the person's own calendar has it.
  const now = new Date();
  dateField.value = [now.getDate(), now.getMonth() + 1].map((n) => String(n).padStart(2, "0")).join(".") + "." + now.getFullYear();
  $("#submit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    $("[data-err=submitted_on]").textContent = "";
    try {
      await api("POST", base + "/submit", { submitted_on: isoDate(dateField.value) });
      flash("Заявление отмечено отправленным.", "info");
      await refresh();
    } catch (e) {
      const f = e.fields.find((x) => x.field === "submitted_on");
      if (f) $("[data-err=submitted_on]").textContent = f.message;
      else flash(e.message);
    }
  });
  $("#reopen").addEventListener("click", async () => {
    if (!confirmDanger("Вернуть заявление в работу? Отметка об отправке снимется; документы и сборки останутся.")) return;
    try {
      await api("POST", base + "/reopen");
      flash("Заявление снова в работе.", "info");
      await refresh();
    } catch (e) {
      flash(e.message);
    }
  });
  draw();
  await drawBundles();
}
