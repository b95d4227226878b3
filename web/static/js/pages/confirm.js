// The link of a sign-up's e-mail: the address is confirmed by the token in
// the link's fragment (never sent in a page request).
import { $, api, errorMessage } from "../core.js";
import { linkToken, pendingInvitation } from "../links.js";

export async function run() {
  const status = $("#confirm-status");
  const token = linkToken();
  if (!token) {
    status.textContent = "В ссылке нет кода подтверждения: откройте ссылку из письма целиком.";
    status.className = "error";
    return;
  }
  try {
    const r = await api("POST", "/auth/confirm", { token });
    status.textContent = r.message;
    status.className = "ok";
    $("#confirm-next").hidden = false;
    // Signed up from an invitation: back to it after signing in.
    if (pendingInvitation()) $("#confirm-next a").href = "/app/login?next=/app/invitation";
  } catch (e) {
    status.textContent = errorMessage(e);
    status.className = "error";
  }
}
