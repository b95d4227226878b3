// The pieces every page uses: DOM helpers, the JSON API with the session's
// CSRF token, Russian formatting. The server decides every rule; pages only
// show its answers.

export const state = { csrf: "", me: null, catalog: null };

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// el builds an element: attributes (on* are listeners), then children.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

// flash shows a message at the top of the page (an error unless told).
export function flash(text, kind = "error") {
  const f = $("#flash");
  f.textContent = text;
  f.className = "flash " + kind;
  f.hidden = !text;
  if (text && kind === "error") f.scrollIntoView({ block: "nearest" });
}

// The API's general message for field errors points at "fields"; a person
// is shown the fields themselves.
const generalFieldsMessage = "Некоторые поля заполнены неверно: исправьте отмеченные поля.";

// errorMessage is what a person is told of any failure: the API's Russian
// message, or a plain Russian sentence for a fault of the page itself
// (whose text goes to the console).
export function errorMessage(e) {
  if (e instanceof APIError) return e.message;
  console.error(e);
  return "Ошибка на странице. Обновите её и повторите; если ошибка повторится, сообщите в поддержку.";
}

export class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    const fields = e.fields || [];
    super(fields.length ? generalFieldsMessage : e.message || (status === 0 ? "Нет связи с сервисом: проверьте интернет и повторите." : "Ошибка сервиса (" + status + "). Повторите попытку."));
    this.status = status;
    this.code = e.code || "";
    this.fields = fields;
    this.findings = e.findings || [];
  }
}

// toLogin sends the person to sign in, and back here afterwards.
export function toLogin() {
  location.href = "/app/login?next=" + encodeURIComponent(location.pathname);
}

// api calls the JSON API; a 401 sends the person to sign in unless quiet.
export async function api(method, path, body, { quiet = false } = {}) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch("/api/v1" + path, opts);
  } catch (e) {
    throw new APIError(0, null);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (res.status === 401 && !quiet && document.body.dataset.view !== "login") {
    toLogin();
    throw new APIError(401, data);
  }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

export async function catalog() {
  if (!state.catalog) state.catalog = await api("GET", "/catalog");
  return state.catalog;
}

// ---- Russian formatting ----

// plural picks the form for n: plural(5, "файл", "файла", "файлов").
function plural(n, one, few, many) {
  const m10 = n % 10, m100 = n % 100;
  return m10 === 1 && m100 !== 11 ? one : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? few : many;
}

export const count = (n, one, few, many) => n + " " + plural(n, one, few, many);

// ruDate writes an ISO date or time as ДД.ММ.ГГГГ.
export function ruDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso || "";
}

// todayRu is today in the person's own calendar, as ДД.ММ.ГГГГ.
export function todayRu() {
  const d = new Date();
  return [d.getDate(), d.getMonth() + 1].map((n) => String(n).padStart(2, "0")).join(".") + "." + d.getFullYear();
}

// The date rules of the API speak of ГГГГ-ММ-ДД; the pages take ДД.ММ.ГГГГ.
export const dateMessage = "Дата в формате ДД.ММ.ГГГГ, не в будущем.";

export const levelTitles = { higher: "высшее", secondary_vocational: "среднее профессиональное" };

// fullName writes a specialist's last, first and middle names.
export const fullName = (s) => [s.last_name, s.first_name, s.middle_name].filter(Boolean).join(" ");

// ruDateTime writes a time as ДД.ММ.ГГГГ ЧЧ:ММ in the person's time zone.
export function ruDateTime(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso || "";
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// decimal writes a number with a decimal comma.
const decimal = (n, digits = 1) => n.toFixed(digits).replace(".", ",");

export function formatSize(n) {
  if (n >= 1 << 20) return decimal(n / (1 << 20)) + " МБ";
  return Math.max(1, Math.round(n / 1024)) + " КБ";
}

export const pages = (n) => count(n, "страница", "страницы", "страниц");

// Plain Russian for the file rules, when an answer carries no message.
export const fileErrors = {
  not_pdf: "файл не PDF",
  file_too_large: "больше 25 МБ",
  pdf_encrypted: "защищён паролем",
  pdf_invalid: "файл повреждён или не читается",
  one_file_per_slot: "в строку загружается один файл",
  rate_limited: "слишком много загрузок подряд",
  image_invalid: "изображение не читается",
  optimize_unreadable: "не уменьшить без потери читаемости",
  bad_request: "запрос не принят",
  conflict: "сейчас нельзя",
};

// confirmDanger asks before something that cannot be undone.
export const confirmDanger = (question) => window.confirm(question);

// idempotencyKey is a fresh key for one sending of one request.
export function idempotencyKey(prefix) {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return prefix + "-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// copyButton copies text and says so.
export function copyButton(text, label = "Копировать") {
  const b = el("button", { type: "button", class: "secondary small", "aria-label": label + ": " + text }, label);
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "Скопировано";
      b.setAttribute("aria-label", "Скопировано: " + text);
    } catch (e) {
      // Without clipboard access (an old browser, no HTTPS): select the text.
      const t = el("input", { value: text, readonly: true, "aria-label": label });
      b.replaceWith(t);
      t.select();
      return;
    }
    setTimeout(() => {
      b.textContent = label;
      b.setAttribute("aria-label", label + ": " + text);
    }, 1500);
  });
  return b;
}
