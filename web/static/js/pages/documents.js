// Step 2: one scan per row. Rows a person's answers make unnecessary are
// marked, never counted as missing.
import { $, api, count, errorMessage, flash } from "../core.js";
import { renderSlots } from "../slots.js";
import { documentCount, loadApplication, renderSteps } from "../steps.js";

export async function run(id) {
  const refresh = async () => {
    const app = await api("GET", "/applications/" + id);
    renderSteps(app, await api("GET", "/applications/" + id + "/readiness"), "documents");
    draw(app);
  };
  const draw = (app) => {
    const { filled, required } = documentCount(app);
    $("#docs-summary").textContent = app.missing.length === 0
      ? `Все обязательные документы загружены (${filled} из ${required}).`
      : `Загружено ${filled} из ${required} обязательных; не хватает: ${count(app.missing.length, "документа", "документов", "документов")}.`;
    $("#docs-summary").className = app.missing.length === 0 ? "ok" : "warn";
    renderSlots($("#slots"), app, () => refresh().catch((e) => flash(errorMessage(e))), { locked: app.status === "submitted" });
  };
  const { app } = await loadApplication(id, "documents");
  draw(app);
}
