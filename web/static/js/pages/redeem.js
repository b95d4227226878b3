// Consultancy staff and training centers enter a specialist's one-time
// code: the application is then shared with their organization.
import { $, api, flash, state } from "../core.js";

export async function run() {
  if (state.me.role !== "consultant" && state.me.role !== "training_center") {
    $("#redeem-refused").hidden = false;
    $("#redeem-form").hidden = true;
    return;
  }
  const form = $("#redeem-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    $("[data-err=code]").textContent = "";
    try {
      const { application_id: id } = await api("POST", "/share-codes/redeem", { code: form.elements.code.value });
      form.reset();
      if (state.me.role === "training_center") {
        $("#redeemed").hidden = false;
        $("#redeemed-text").textContent = "Заявление открыто вашему центру (№ " + id + "). Удостоверения в него загружаются на странице «Загрузка удостоверений».";
      } else {
        location.href = "/app/a/" + id;
      }
    } catch (e) {
      $("[data-err=code]").textContent = e.message;
      form.elements.code.setAttribute("aria-invalid", "true");
      form.elements.code.focus();
    }
  });
}
