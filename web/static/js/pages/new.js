// Step 1 for a new application: the form; saved, the application goes on
// to its documents.
import { $, api, errorMessage, flash } from "../core.js";
import { focusFirstError, prepareForm, readForm, setFieldErrors } from "../form.js";

export async function run() {
  const form = $("#application-form");
  await prepareForm(form);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    try {
      const app = await api("POST", "/applications", readForm(form));
      location.href = "/app/a/" + app.id + "/documents";
    } catch (e) {
      setFieldErrors(form, e.fields);
      if (e.fields.length) focusFirstError(form);
      else flash(errorMessage(e));
    }
  });
}
