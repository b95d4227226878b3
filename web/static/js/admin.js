// What the administration pages share: the header's links to them (only
// for roles the API lets use them), Russian names of roles, organization
// kinds and audit actions, and «Нет доступа» when the API refuses a page's
// first call (the server refuses the page itself when it knows the
// session).
import { $, el } from "./core.js";

// adminLinks are the header's links for me: people manage their own API
// keys and webhooks; administrators also organizations, users and the log.
export function adminLinks(me) {
  const links = [];
  if (me.role === "admin") links.push(["/app/organizations", "Организации"], ["/app/users", "Пользователи"]);
  if (me.user_id) links.push(["/app/keys", "Ключи API"], ["/app/webhooks", "Вебхуки"]);
  if (me.role === "admin") links.push(["/app/audit", "Журнал"]);
  return links;
}

export const roleNames = { specialist: "специалист", consultant: "сотрудник консалтинга", training_center: "сотрудник учебного центра", admin: "администратор" };
export const kindNames = { consultancy: "консалтинговая компания", training_center: "учебный центр" };

// actionNames are the audit log's actions in words.
export const actionNames = {
  "application.create": "создание заявления",
  "application.list": "список заявлений",
  "application.read": "просмотр заявления",
  "application.update": "изменение заявления",
  "application.submit": "подача или возврат в работу",
  "application.delete": "удаление заявления",
  "document.read": "просмотр документа",
  "document.write": "загрузка или удаление документа",
  "ledger.read": "просмотр обучения",
  "ledger.add": "добавление обучения",
  "ledger.write": "изменение обучения",
  "bundle.build": "сборка пакета",
  "bundle.read": "просмотр сборки",
  "sharing.manage": "управление доступом",
  "audit.read": "просмотр журнала заявления",
  "certificates.import": "импорт удостоверений",
  "password.change": "смена пароля",
  "keys.revoke": "отзыв ключа API",
  "user.disable": "отключение пользователя",
  "user.enable": "включение пользователя",
};

export const outcomeNames = { granted: "разрешено", denied: "отказано" };

// forbidden replaces the page with «Нет доступа» when the API answered
// 403: true when it did.
export function forbidden(e) {
  if (!e || e.status !== 403) return false;
  document.title = "Нет доступа — accredpack";
  $("h1").textContent = "Нет доступа";
  const main = $("#main");
  main.replaceChildren($("h1"), $("#flash"), el("section", { class: "card", id: "forbidden" },
    el("p", {}, el("strong", {}, "Эта страница недоступна вашей роли. "), e.message),
    el("p", {}, el("a", { class: "button", href: "/app/" }, "На главную"))));
  return true;
}

// cell is a table cell with its column's name, for the phone's cards.
export const cell = (label, ...children) => el("td", { "data-label": label }, ...children);

// once runs fn for a form's sending at most once at a time (a double click
// sends once), its submit button disabled meanwhile.
export function once(button, fn) {
  let busy = false;
  return async (...args) => {
    if (busy) return;
    busy = true;
    button.disabled = true;
    try {
      await fn(...args);
    } finally {
      busy = false;
      button.disabled = false;
    }
  };
}
