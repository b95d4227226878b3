// Asking for a password reset link: the answer is the same whatever the
// address, and says what to expect.
import { $, api, errorMessage, flash } from "../core.js";
import { keepErrorsUntilChanged, setFieldErrors } from "../form.js";

export async function run() {
  const form = $("#forgot-form");
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    const email = form.elements.email.value.trim();
    if (!email.includes("@")) {
      setFieldErrors(form, [{ field: "email", message: "Укажите адрес электронной почты, например ivanova@example.ru." }]);
      form.elements.email.focus();
      return;
    }
    try {
      const r = await api("POST", "/auth/password-reset", { email });
      form.hidden = true;
      $("#forgot-done").textContent = r.message;
      $("#forgot-done").hidden = false;
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (!(e.fields && e.fields.length)) flash(errorMessage(e));
    }
  });
}
