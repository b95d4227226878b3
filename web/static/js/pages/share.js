// Sharing an application: with a consultancy (chosen from the list) or by a
// one-time code for a training center; the grants, and taking one back.
import { $, api, confirmDanger, copyButton, el, errorMessage, flash, ruDate, ruDateTime, state } from "../core.js";
import { keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { loadApplication } from "../steps.js";

const kindTitles = { consultancy: "консалтинг", training_center: "учебный центр" };

export async function run(id) {
  const base = "/applications/" + id;
  const { app } = await loadApplication(id, "share");
  // Staff reach this page only for a client without an account (sharing
  // is the specialist's otherwise): they may invite the client.
  if (state.me.role === "consultant" || state.me.role === "admin") inviteClient(base, app);
  $(".step-of").textContent = "Доступ к заявлению";
  const drawGrants = async () => {
    const { grants } = await api("GET", base + "/grants");
    $("#grants-empty").hidden = grants.length > 0;
    $("#grants").replaceChildren(...grants.map((g) => el("li", { "data-org": g.organization_id },
      el("span", { class: "title" }, g.organization_name), ` (${kindTitles[g.organization_kind] || g.organization_kind}), с ${ruDate(g.created_at)} `,
      el("button", { type: "button", class: "danger small", onclick: async () => {
        if (!confirmDanger(`Закрыть доступ организации «${g.organization_name}»? Её сотрудники сразу перестанут видеть заявление.`)) return;
        try { await api("DELETE", base + "/grants/" + g.organization_id); await drawGrants(); } catch (e) { flash(errorMessage(e)); }
      } }, "Закрыть доступ"))));
  };
  const { organizations } = await api("GET", "/organizations");
  const consultancies = organizations.filter((o) => o.kind === "consultancy");
  const select = $("#grant-form").elements.organization_id;
  select.replaceChildren(el("option", { value: "" }, consultancies.length ? "— выберите организацию —" : "— организаций пока нет —"),
    ...consultancies.map((o) => el("option", { value: o.id }, o.name)));
  $("#grant-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    if (!select.value) {
      $("[data-err=organization_id]").textContent = "Выберите организацию из списка.";
      select.focus();
      return;
    }
    $("[data-err=organization_id]").textContent = "";
    try {
      await api("POST", base + "/grants", { organization_id: select.value });
      flash("Доступ открыт.", "info");
      await drawGrants();
    } catch (e) {
      flash(errorMessage(e));
    }
  });
  $("#code-button").addEventListener("click", async () => {
    flash("");
    try {
      const sc = await api("POST", base + "/share-codes");
      $("#code-box").hidden = false;
      $("#code").textContent = sc.code;
      $("#code-copy").replaceChildren(copyButton(sc.code, "Копировать код"));
      $("#code-expires").textContent = "Код действует до " + ruDateTime(sc.expires_at) + " и срабатывает один раз.";
      await drawGrants();
    } catch (e) {
      flash(errorMessage(e));
    }
  });
  await drawGrants();
}

function inviteClient(base, app) {
  const form = $("#invite-form");
  $("#invite-card").hidden = false;
  form.elements.email.value = (app.contact && app.contact.email) || "";
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    flash("");
    try {
      const inv = await api("POST", base + "/invitations", { email: form.elements.email.value });
      setFieldErrors(form, []);
      flash("Приглашение отправлено на " + inv.email + ". Ссылка действует до " + ruDateTime(inv.expires_at) + ".", "info");
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (!(e.fields && e.fields.length)) flash(errorMessage(e));
    }
  });
}
