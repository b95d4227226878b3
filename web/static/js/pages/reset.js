// A new password from the link of a reset e-mail.
import { $, api, errorMessage, flash } from "../core.js";
import { focusFirstError, keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { linkToken } from "../links.js";

export async function run() {
  const form = $("#reset-form");
  const token = linkToken("reset-token");
  if (!token) {
    form.hidden = true;
    $("#reset-again").hidden = false;
    flash("В ссылке нет кода: откройте ссылку из письма целиком или запросите новую.");
    return;
  }
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    const password = form.elements.password.value;
    if (password !== form.elements.password2.value) {
      setFieldErrors(form, [{ field: "password2", message: "Пароли не совпадают: введите тот же пароль ещё раз." }]);
      focusFirstError(form);
      return;
    }
    try {
      await api("POST", "/auth/password-reset/confirm", { token, password });
      sessionStorage.removeItem("reset-token");
      form.hidden = true;
      $("#reset-done").hidden = false;
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (e.fields && e.fields.length) focusFirstError(form);
      else {
        flash(errorMessage(e));
        if (e.status === 404 || e.status === 409) {
          sessionStorage.removeItem("reset-token");
          form.hidden = true;
          $("#reset-again").hidden = false;
        }
      }
    }
  });
}
