// Step 1: the application's form, saved with a PATCH; the server's field
// errors stay next to their inputs until changed.
import { $, api, catalog, errorMessage, flash } from "../core.js";
import { fillForm, focusFirstError, prepareForm, readForm, setFieldErrors } from "../form.js";
import { loadApplication, renderSteps } from "../steps.js";

export async function run(id) {
  const form = $("#application-form");
  await prepareForm(form);
  const cat = await catalog();
  const { app } = await loadApplication(id, "form");
  fillForm(form, app, cat);
  // Problems of the stored form under today's rules (a specialty that left
  // the nomenclature, a question not answered) are shown at once.
  setFieldErrors(form, app.problems || []);
  if (app.status === "submitted") {
    for (const i of form.elements) i.disabled = true;
    flash("Заявление отправлено и закрыто для изменений. Чтобы исправить его, верните его в работу на шаге «Сборка и подача».", "info");
    return;
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    const body = readForm(form);
    delete body.kind;
    try {
      const saved = await api("PATCH", "/applications/" + id, body);
      setFieldErrors(form, saved.problems || []);
      renderSteps(saved, await api("GET", "/applications/" + id + "/readiness"), "form");
      flash((saved.problems || []).length ? "Сохранено. Остались вопросы — они отмечены в форме." : "Сохранено.", "info");
    } catch (e) {
      setFieldErrors(form, e.fields);
      if (e.fields.length) focusFirstError(form);
      else flash(errorMessage(e));
    }
  });
}
