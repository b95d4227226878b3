// The one-time token of an e-mail's link: it travels in the fragment
// (#token), which no request carries; the page takes it and clears it
// from the address bar, so it stays out of history and of screenshots.
// With a key it is kept for this tab (sessionStorage) — or, with
// lasting, for every tab of the site (localStorage: an invitation waits
// through a sign-up whose confirmation link opens in another tab) — until
// the page is done with it.
export function linkToken(key, lasting = false) {
  const store = lasting ? localStorage : sessionStorage;
  let token = decodeURIComponent(location.hash.slice(1));
  if (token) {
    history.replaceState(null, "", location.pathname + location.search);
    if (key) store.setItem(key, token);
  } else if (key) {
    token = store.getItem(key) || "";
  }
  return token;
}

// pendingInvitation tells whether an invitation waits to be accepted.
export const pendingInvitation = () => !!localStorage.getItem("invitation-token");
export const dropInvitation = () => localStorage.removeItem("invitation-token");
