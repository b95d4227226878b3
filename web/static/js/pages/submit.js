// Step 5: build the bundles, and submit on the portal. The FRMR personal
// account's application form in its order: each value with a copy button,
// each row's file to download under the portal's row name, so nothing is
// retyped by hand. Then mark the application submitted with the day the
// portal took it (or reopen it), and see when each stage should end.
import { $, api, catalog, confirmDanger, copyButton, count, dateMessage, el, errorMessage, flash, formatSize, fullName, levelTitles, ruDate, ruDateTime, todayRu } from "../core.js";
import { dateInput, isoDate, keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { loadApplication, renderSteps } from "../steps.js";

const kindTitles = { frmr_package: "Пакет для ФРМР (ZIP)", portfolio_pdf: "Портфолио (PDF)" };
const statusTitles = { queued: "в очереди", running: "собирается", done: "готово", failed: "не собрано" };

// answerTitle is a question's answer as the catalog words it.
function answerTitle(cat, kind, field, value) {
  const q = ((cat.kinds.find((k) => k.id === kind) || {}).questions || []).find((x) => x.field === field);
  const o = q && q.options.find((x) => x.value === value);
  return o ? o.title : "";
}

export async function run(id) {
  const base = "/applications/" + id;
  let { app, report } = await loadApplication(id, "submit");
  const cat = await catalog();

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
      el("div", { class: "title" }, kindTitles[b.kind] || "Сборка", b.draft ? el("span", { class: "mark draft" }, "черновик") : null),
      el("div", { class: "hint" }, `${ruDateTime(b.created_at)} · ${statusTitles[b.status] || ""}` + (b.status === "done" ? ` · ${formatSize(b.size)}` : "") + (b.status === "failed" ? ": " + b.error : "")),
      b.status === "done" ? el("div", { class: "hint sha" }, "SHA-256: " + b.sha256) : null,
      bar, el("div", { class: "actions" }, ...links));
  };
  // One watch of the builds at a time: the latest answer is drawn, and
  // builds still going are looked at again until they end.
  let watch = null;
  const drawBundles = async () => {
    clearTimeout(watch);
    const { bundles } = await api("GET", base + "/bundles");
    $("#bundles").replaceChildren(...bundles.map(bundleItem));
    $("#bundles-empty").hidden = bundles.length > 0;
    if (bundles.some((b) => b.status === "queued" || b.status === "running")) {
      watch = setTimeout(() => drawBundles().catch((e) => flash(errorMessage(e))), 700);
    }
  };
  for (const btn of document.querySelectorAll(".build")) btn.addEventListener("click", async () => {
    flash("");
    try {
      // Whether it is a draft is the server's verdict now, not when the
      // page opened.
      const now = await api("GET", base);
      await api("POST", base + "/bundles", { kind: btn.dataset.kind, draft: !now.ready });
      await drawBundles();
    } catch (e) {
      flash(errorMessage(e));
    }
  });

  // ---- the portal's form ----
  const row = (label, value) => el("div", { class: "portal-row" },
    el("dt", {}, label), el("dd", {}, el("span", { class: "value" }, value || "—"), value ? copyButton(value) : null));
  const draw = () => {
    const answer = app.report_agreed === true ? "Да" : app.report_agreed === false ? "Нет" : "";
    const fields = [
      ["Контактный телефон", app.contact.phone], ["Адрес электронной почты", app.contact.email],
      ["Уровень образования", levelTitles[app.education_level] || ""], ["Специальность", app.specialty]];
    if (app.kind === "periodic") {
      fields.push(["Согласование отчёта о профессиональной деятельности", answer]);
      if (app.report_agreed === false) fields.push(["Причина несогласования (для комментария)", answerTitle(cat, app.kind, "report_not_agreed_reason", app.report_not_agreed_reason)]);
    } else {
      fields.push(["Основание первичной специализированной аккредитации", answerTitle(cat, app.kind, "primary_basis", app.primary_basis)]);
    }
    fields.push(["Комментарий", app.comment], ["Согласие на обработку персональных данных", app.consent ? "Да" : "Нет"]);
    $("#portal-person").textContent = `${fullName(app.specialist)}, СНИЛС ${app.specialist.snils}: эти данные портал берёт из Госуслуг.`;
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

  const submitForm = $("#submit-form");
  const dateField = submitForm.elements.submitted_on;
  dateInput(dateField);
  keepErrorsUntilChanged(submitForm, null);
  dateField.value = todayRu();
  submitForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    try {
      await api("POST", base + "/submit", { submitted_on: isoDate(dateField.value) });
      setFieldErrors(submitForm, []);
      flash("Заявление отмечено отправленным.", "info");
      await refresh();
    } catch (e) {
      // The API's date rule speaks of ГГГГ-ММ-ДД; the page takes ДД.ММ.ГГГГ.
      const f = (e.fields || []).find((x) => x.field === "submitted_on");
      if (f) setFieldErrors(submitForm, [{ ...f, message: /ГГГГ-ММ-ДД/.test(f.message) ? dateMessage : f.message }]);
      else flash(errorMessage(e));
    }
  });
  $("#reopen").addEventListener("click", async () => {
    if (!confirmDanger("Вернуть заявление в работу? Отметка об отправке снимется; документы и сборки останутся.")) return;
    try {
      await api("POST", base + "/reopen");
      flash("Заявление снова в работе.", "info");
      await refresh();
    } catch (e) {
      flash(errorMessage(e));
    }
  });
  draw();
  await drawBundles();
}
