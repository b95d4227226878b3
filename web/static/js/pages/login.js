// Sign in, or sign up as a specialist; then back to where the person was
// going.
import { $, $$, api, flash } from "../core.js";

function next() {
  const n = new URLSearchParams(location.search).get("next") || "";
  return n.startsWith("/app/") && !n.startsWith("//") ? n : "/app/";
}

function showErrors(form, fields) {
  for (const s of $$(".err", form)) s.textContent = "";
  for (const i of $$("[aria-invalid]", form)) i.removeAttribute("aria-invalid");
  let first = null;
  for (const f of fields) {
    const slot = $(`[data-err="${f.field}"]`, form);
    if (slot) slot.textContent = f.message;
    const input = form.elements[f.field];
    if (input) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  if (first) first.focus();
}

export async function run() {
  $("#login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    flash("");
    try {
      await api("POST", "/auth/login", { email: f.email.value, password: f.password.value });
      location.href = next();
    } catch (e) {
      showErrors(f, e.fields);
      flash(e.fields.length ? e.message : e.message);
    }
  });
  $("#register-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    flash("");
    const body = { name: f.name.value, email: f.email.value, password: f.password.value };
    try {
      await api("POST", "/auth/register", body);
      await api("POST", "/auth/login", { email: body.email, password: body.password });
      location.href = "/app/new";
    } catch (e) {
      showErrors(f, e.fields);
      // The message goes on the sign-up form itself, where the person looks.
      $("#register-status").textContent = e.message;
    }
  });
}
