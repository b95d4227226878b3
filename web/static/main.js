// accredpack in the browser: each page is a module of js/pages/, run for
// the view the server's page shell names. Everything goes through the JSON
// API with the session cookie; writes carry the session's CSRF token.
import { errorMessage, flash, toLogin } from "./js/core.js";
import { signedIn } from "./js/session.js";

// No form is ever sent by the browser itself: each page's script sends
// them through the API (a click before the script is ready does nothing).
document.addEventListener("submit", (ev) => ev.preventDefault(), true);

const view = document.body.dataset.view;
// Pages that work signed out: the login, and the pages of e-mail links.
const publicViews = new Set(["login", "confirm", "forgot", "reset", "invitation", "unsubscribe"]);

async function main() {
  // «Нет доступа» (403 from the server) runs no page script either.
  if (view === "notfound" || view === "forbidden") {
    await signedIn({ quiet: true });
    return;
  }
  if (publicViews.has(view)) {
    if (view !== "login") await signedIn({ quiet: true });
  } else if (!(await signedIn())) {
    toLogin();
    return;
  }
  const page = await import(`./js/pages/${view}.js`);
  await page.run(document.body.dataset.id);
  // A link to a field or a row (#f-…, #slot-…) finds it once it is drawn.
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target) {
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }
}

// data-ready tells that the page's script has done its first work ("error"
// when it failed): tests wait for it before they click.
main().then(() => (document.body.dataset.ready = "1"), (e) => {
  flash(errorMessage(e));
  document.body.dataset.ready = "error";
});
