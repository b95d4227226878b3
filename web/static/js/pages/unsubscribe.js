// Unsubscribing from reminders by the link in one: a button, so that a
// mail scanner opening the link unsubscribes nobody.
import { $, api, errorMessage, flash } from "../core.js";
import { linkToken } from "../links.js";

export async function run() {
  const token = linkToken("unsubscribe-token");
  const button = $("#unsubscribe-button");
  if (!token) {
    button.hidden = true;
    flash("В ссылке нет кода: откройте ссылку из письма целиком.");
    return;
  }
  button.addEventListener("click", async () => {
    flash("");
    try {
      const r = await api("POST", "/unsubscribe", { token });
      sessionStorage.removeItem("unsubscribe-token");
      button.hidden = true;
      $("#unsubscribe-done").textContent = r.message;
      $("#unsubscribe-done").hidden = false;
    } catch (e) {
      flash(errorMessage(e));
    }
  });
}
