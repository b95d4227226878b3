// Webhooks: one's own subscriptions (staff: their organization's); a new
// one with the events chosen, its secret shown once; a test event; a new
// secret shown once (the replaced one signs on until the grace period
// ends); the delivery log with every attempt; deletion.
import { $, api, confirmDanger, copyButton, count, el, errorMessage, flash, ruDate, ruDateTime } from "../core.js";
import { focusFirstError, keepErrorsUntilChanged, setFieldErrors } from "../form.js";
import { forbidden, once } from "../admin.js";

const eventNames = { "document.accepted": "документ принят", "readiness.changed": "готовность изменилась", "bundle.done": "сборка завершена", ping: "проверочное событие" };
const statusNames = { pending: "ожидает отправки", delivered: "доставлено", failed: "не доставлено" };
const statusClass = { pending: "warn", delivered: "ok", failed: "bad-text" };

// showSecret shows a secret once, with a copy button.
function showSecret(title, secret, note) {
  $("#hook-secret-title").textContent = title;
  $("#hook-secret-value").textContent = secret;
  $("#hook-secret-copy").replaceChildren(copyButton(secret, "Копировать секрет"));
  $("#hook-secret-note").textContent = note || "";
  $("#hook-secret").hidden = false;
  $("#hook-secret").scrollIntoView({ block: "nearest" });
}

function attemptLine(a) {
  const answer = a.status ? "ответ HTTP " + a.status : "нет ответа";
  return el("li", {}, `попытка ${a.attempt}, ${ruDateTime(a.at)}: ${answer}`, a.error ? " — " + a.error : "", `, ${a.duration_ms} мс`);
}

function deliveryItem(d) {
  return el("li", { class: "delivery", "data-delivery": d.id, "data-status": d.status },
    el("p", {}, el("span", { class: "title" }, eventNames[d.event_type] || d.event_type), ", ", ruDateTime(d.created_at), ": ",
      el("span", { class: statusClass[d.status] || "" }, statusNames[d.status] || d.status), ", ", count(d.attempts, "попытка", "попытки", "попыток"),
      d.next_attempt_at && d.status === "pending" ? `, следующая ${ruDateTime(d.next_attempt_at)}` : ""),
    d.log.length ? el("ul", { class: "attempts" }, ...d.log.map(attemptLine)) : null);
}

export async function run() {
  const draw = async () => {
    const { webhooks } = await api("GET", "/webhooks");
    $("#hooks-empty").hidden = webhooks.length > 0;
    $("#hooks").replaceChildren(...webhooks.map(item));
  };
  const item = (h) => {
    const log = el("div", { class: "deliveries", hidden: true });
    const status = el("p", { class: "status", role: "status" });
    const say = (text, kind = "ok") => { status.className = "status " + kind; status.textContent = text; };
    const showLog = async () => {
      const { deliveries } = await api("GET", "/webhooks/" + h.id + "/deliveries?limit=20");
      log.replaceChildren(el("h3", {}, "Журнал доставок"),
        deliveries.length ? el("ul", { class: "delivery-log" }, ...deliveries.map(deliveryItem)) : el("p", { class: "hint" }, "Доставок пока не было."),
        el("button", { type: "button", class: "secondary small", "data-action": "refresh", onclick: () => showLog().catch((e) => say(errorMessage(e), "error")) }, "Обновить журнал"));
      log.hidden = false;
    };
    const ping = el("button", { type: "button", class: "small", "data-action": "ping" }, "Проверить");
    ping.addEventListener("click", once(ping, async () => {
      try {
        await api("POST", "/webhooks/" + h.id + "/ping");
        say("Проверочное событие отправлено: результат — в журнале доставок.");
        await showLog();
      } catch (e) {
        say(errorMessage(e), "error");
      }
    }));
    const rotate = el("button", { type: "button", class: "secondary small", "data-action": "rotate" }, "Сменить секрет");
    rotate.addEventListener("click", once(rotate, async () => {
      if (!confirmDanger("Выдать подписке новый секрет? Прежний будет подписывать доставки вместе с новым ещё какое-то время, затем перестанет.")) return;
      try {
        const r = await api("POST", "/webhooks/" + h.id + "/secret");
        showSecret("Новый секрет подписки выдан.", r.secret, r.previous_secret_expires_at
          ? `Прежний секрет подписывает доставки вместе с новым до ${ruDateTime(r.previous_secret_expires_at)}: переведите получателя на новый до этого времени.` : "");
        say("Секрет сменён: новый показан вверху страницы.");
      } catch (e) {
        say(errorMessage(e), "error");
      }
    }));
    const logButton = el("button", { type: "button", class: "secondary small", "data-action": "log" }, "Журнал доставок");
    logButton.addEventListener("click", once(logButton, async () => {
      if (!log.hidden) { log.hidden = true; return; }
      try { await showLog(); } catch (e) { say(errorMessage(e), "error"); }
    }));
    const del = el("button", { type: "button", class: "danger small", "data-action": "delete" }, "Удалить");
    del.addEventListener("click", once(del, async () => {
      if (!confirmDanger(`Удалить подписку на ${h.url} вместе с журналом доставок?`)) return;
      try {
        await api("DELETE", "/webhooks/" + h.id);
        flash("Подписка удалена.", "info");
        await draw();
      } catch (e) {
        say(errorMessage(e), "error");
      }
    }));
    return el("li", { class: "hook", "data-hook": h.id },
      el("p", { class: "hook-url" }, el("span", { class: "title" }, h.url)),
      h.description ? el("p", { class: "hint" }, h.description) : null,
      el("p", {}, "События: ", h.events.map((e) => eventNames[e] || e).join(", "), `. Создана ${ruDate(h.created_at)}.`),
      h.previous_secret_expires_at ? el("p", { class: "hint" }, `Прежний секрет действует до ${ruDateTime(h.previous_secret_expires_at)}.`) : null,
      el("p", { class: "row-actions" }, ping, logButton, rotate, del),
      status, log);
  };
  try {
    await draw();
  } catch (e) {
    if (forbidden(e)) return;
    throw e;
  }
  const form = $("#hook-form");
  keepErrorsUntilChanged(form, null);
  form.addEventListener("submit", once($("button[type=submit]", form), async () => {
    flash("");
    $("#hook-secret").hidden = true;
    const body = { url: form.elements.url.value.trim(), description: form.elements.description.value,
      events: Array.from(form.querySelectorAll("input[name=events]:checked"), (i) => i.value) };
    try {
      const h = await api("POST", "/webhooks", body);
      form.reset();
      setFieldErrors(form, []);
      showSecret("Подписка создана.", h.secret, "Им получатель проверяет подпись каждого сообщения.");
      await draw();
    } catch (e) {
      setFieldErrors(form, e.fields || []);
      if (e.fields && e.fields.length) focusFirstError(form);
      else flash(errorMessage(e));
    }
  }));
}
