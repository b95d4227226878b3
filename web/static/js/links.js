// The one-time token of an e-mail's link: it travels in the fragment
// (#token), which no request carries; the page takes it and clears it
// from the address bar, so it stays out of history and of screenshots.
export function linkToken(key) {
  let token = decodeURIComponent(location.hash.slice(1));
  if (token) {
    history.replaceState(null, "", location.pathname + location.search);
    if (key) sessionStorage.setItem(key, token);
  } else if (key) {
    token = sessionStorage.getItem(key) || "";
  }
  return token;
}
