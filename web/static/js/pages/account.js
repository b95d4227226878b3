// The person's account: who they are, and a new password.
import { $, $$, api, flash, state } from "../core.js";

export async function run() {
  const me = state.me;
  $("#me-name").textContent = me.name || "—";
  $("#me-email").textContent = me.email || me.label || "—";
  const form = $("#password-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    for (const s of $$(".err", form)) s.textContent = "";
    if (form.elements.new_password.value !== form.elements.repeat.value) {
      $("[data-err=repeat]", form).textContent = "Пароли не совпадают.";
      form.elements.repeat.focus();
      return;
    }
    try {
      await api("POST", "/auth/password", { current_password: form.elements.current_password.value, new_password: form.elements.new_password.value });
      form.reset();
      flash("Пароль изменён. Другие входы в учётную запись завершены.", "info");
    } catch (e) {
      for (const f of e.fields) {
        const slot = $(`[data-err="${f.field}"]`, form);
        if (slot) slot.textContent = f.message;
      }
      if (!e.fields.length) flash(e.message);
      else form.elements[e.fields[0].field]?.focus();
    }
  });
}
