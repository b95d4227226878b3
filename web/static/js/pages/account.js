// The person's account: who they are, and a new password.
import { $, api, errorMessage, flash, state } from "../core.js";
import { focusFirstError, keepErrorsUntilChanged, setFieldErrors } from "../form.js";

export async function run() {
  const me = state.me;
  $("#me-name").textContent = me.name || "—";
  $("#me-email").textContent = me.email || me.label || "—";
  const form = $("#password-form");
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    if (form.elements.new_password.value !== form.elements.repeat.value) {
      setFieldErrors(form, [{ field: "repeat", message: "Пароли не совпадают." }]);
      focusFirstError(form);
      return;
    }
    try {
      await api("POST", "/auth/password", { current_password: form.elements.current_password.value, new_password: form.elements.new_password.value });
      form.reset();
      setFieldErrors(form, []);
      flash("Пароль изменён. Другие входы в учётную запись завершены.", "info");
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (e.fields && e.fields.length) focusFirstError(form);
      else flash(errorMessage(e));
    }
  });
}
