// An invitation to take over an application: a signed-in specialist
// accepts it; anyone else signs in or up first and comes back (the token
// waits in local storage, through a sign-up and its confirmation).
import { $, api, errorMessage, flash, state } from "../core.js";
import { dropInvitation, linkToken } from "../links.js";

export async function run() {
  const token = linkToken("invitation-token", true);
  if (!token) {
    flash("В ссылке нет кода приглашения: откройте ссылку из письма целиком.");
    return;
  }
  if (!state.me) {
    $("#invite-signed-out").hidden = false;
    return;
  }
  if (state.me.role !== "specialist") {
    flash("Приглашение принимает специалист. Выйдите и войдите в учётную запись специалиста (или зарегистрируйтесь).");
    $("#invite-signed-out").hidden = false;
    return;
  }
  $("#invite-signed-in").hidden = false;
  $("#invite-who").textContent = "Заявление станет заявлением учётной записи " + (state.me.email || state.me.label) + ".";
  $("#invite-accept").addEventListener("click", async () => {
    flash("");
    try {
      const { application_id: id } = await api("POST", "/invitations/redeem", { token });
      dropInvitation();
      location.href = "/app/a/" + id;
    } catch (e) {
      flash(errorMessage(e));
      // Used, expired or taken: nothing to come back for.
      if (e.status === 404 || e.status === 409) dropInvitation();
    }
  });
}
