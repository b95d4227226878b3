// Sign in, or sign up as a specialist; then back to where the person was
// going (a new specialist to the first step of an application).
import { $, api, errorMessage, flash } from "../core.js";
import { focusFirstError, keepErrorsUntilChanged, setFieldErrors } from "../form.js";

function next() {
  const n = new URLSearchParams(location.search).get("next") || "";
  return n.startsWith("/app/") && !n.startsWith("//") ? n : "/app/";
}

export async function run() {
  const login = $("#login-form");
  const register = $("#register-form");
  keepErrorsUntilChanged(login, null);
  keepErrorsUntilChanged(register, null);
  login.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    try {
      await api("POST", "/auth/login", { email: login.elements.email.value, password: login.elements.password.value });
      location.href = next();
    } catch (e) {
      setFieldErrors(login, e.fields || []);
      flash(errorMessage(e));
    }
  });
  register.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    $("#register-status").textContent = "";
    $("#register-status").className = "status error";
    const body = { name: register.elements.name.value, email: register.elements.email.value, password: register.elements.password.value };
    try {
      const r = await api("POST", "/auth/register", body);
      if (r.confirm_email) {
        // The account works once the address is confirmed by the link
        // sent to it (the answer is the same for a known address).
        register.reset();
        setFieldErrors(register, []);
        $("#register-status").className = "status ok";
        $("#register-status").textContent = r.message;
        return;
      }
      await api("POST", "/auth/login", { email: body.email, password: body.password });
      const n = next();
      location.href = n === "/app/" ? "/app/new" : n;
    } catch (e) {
      // The messages go on the sign-up form itself, where the person looks.
      setFieldErrors(register, e.fields || []);
      if (e.fields && e.fields.length) focusFirstError(register);
      else $("#register-status").textContent = errorMessage(e);
    }
  });
}
