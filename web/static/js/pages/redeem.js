// Consultancy staff and training centers enter a specialist's one-time
// code: the application is then shared with their organization.
import { $, api, errorMessage, flash, state } from "../core.js";
import { keepErrorsUntilChanged, setFieldErrors } from "../form.js";

export async function run() {
  if (state.me.role !== "consultant" && state.me.role !== "training_center") {
    $("#redeem-refused").hidden = false;
    $("#redeem-form").hidden = true;
    return;
  }
  const form = $("#redeem-form");
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    try {
      const { application_id: id } = await api("POST", "/share-codes/redeem", { code: form.elements.code.value });
      form.reset();
      setFieldErrors(form, []);
      if (state.me.role === "training_center") {
        // A center adds certificates; it does not read the application.
        $("#redeemed").hidden = false;
        $("#redeemed-text").textContent = "Заявление открыто вашему центру. Удостоверения в него загружаются на странице «Загрузка удостоверений» — по СНИЛС специалиста.";
      } else {
        location.href = "/app/a/" + id;
      }
    } catch (e) {
      if (e.status === 0 || e.status >= 500) flash(errorMessage(e));
      else {
        setFieldErrors(form, [{ field: "code", message: errorMessage(e) }]);
        form.elements.code.focus();
      }
    }
  });
}
