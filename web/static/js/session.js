// Who is signed in, and the header that greets them with the pages their
// role may use.
import { $, api, el, state } from "./core.js";
import { adminLinks } from "./admin.js";

const roleTitles = { specialist: "специалист", consultant: "сотрудник консалтинга", training_center: "учебный центр", admin: "администратор" };

// signedIn reads the session; false when nobody is signed in.
export async function signedIn(opts) {
  try {
    state.me = await api("GET", "/auth/me", undefined, opts);
  } catch (e) {
    return false;
  }
  state.csrf = state.me.csrf_token || "";
  renderHeader();
  return true;
}

function renderHeader() {
  const me = state.me;
  const links = [];
  if (me.role !== "training_center") links.push(["/app/", "Заявления"]);
  if (me.role === "consultant" || me.role === "training_center") links.push(["/app/redeem", "Ввести код доступа"]);
  if (me.role === "training_center") links.push(["/app/import", "Загрузка удостоверений"]);
  links.push(...adminLinks(me));
  links.push(["/app/account", "Учётная запись"]);
  const here = location.pathname;
  $("#nav").replaceChildren(...links.map(([href, text]) => el("a", { href, "aria-current": here === href ? "page" : null }, text)));
  $("#nav").hidden = false;
  $("#who").textContent = (me.name || me.email || me.label || "") + (roleTitles[me.role] ? " · " + roleTitles[me.role] : "");
  const out = $("#logout");
  out.hidden = false;
  out.onclick = async () => {
    await api("POST", "/auth/logout").catch(() => {});
    location.href = "/app/login";
  };
}
