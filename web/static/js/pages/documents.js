// Step 2: one scan per row. Rows a person's answers make unnecessary are
// marked, never counted as missing.
import { $, api, count, flash } from "../core.js";
import { renderSlots } from "../slots.js";
import { loadApplication, renderSteps } from "../steps.js";

export async function run(id) {
  const refresh = async () => {
    const app = await api("GET", "/applications/" + id);
    renderSteps(app, await api("GET", "/applications/" + id + "/readiness"), "documents");
    draw(app);
  };
  const draw = (app) => {
    const required = app.slots.filter((s) => s.required);
    const filled = required.filter((s) => s.status === "accepted").length;
    $("#docs-summary").textContent = app.missing.length === 0
      ? `Все обязательные документы загружены (${filled} из ${required.length}).`
      : `Загружено ${filled} из ${required.length} обязательных; не хватает: ${count(app.missing.length, "документа", "документов", "документов")}.`;
    $("#docs-summary").className = app.missing.length === 0 ? "ok" : "warn";
    renderSlots($("#slots"), app, () => refresh().catch((e) => flash(e.message)), { locked: app.status === "submitted" });
  };
  const { app } = await loadApplication(id, "documents");
  draw(app);
}
