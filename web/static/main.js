// accredpack in the browser: each page is a module of js/pages/, run for
// the view the server's page shell names. Everything goes through the JSON
// API with the session cookie; writes carry the session's CSRF token.
import { flash } from "./js/core.js";
import { signedIn } from "./js/session.js";

const view = document.body.dataset.view;

async function main() {
  if (view === "notfound") {
    await signedIn();
    return;
  }
  if (view !== "login" && !(await signedIn())) {
    location.href = "/app/login?next=" + encodeURIComponent(location.pathname);
    return;
  }
  const page = await import(`./js/pages/${view}.js`);
  await page.run(document.body.dataset.id);
}

// data-ready tells that the page's script has done its first work (tests
// wait for it before they click).
main().catch((e) => flash(e.message || String(e))).finally(() => (document.body.dataset.ready = "1"));
