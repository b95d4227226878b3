// A training center's certificate import: a CSV or JSON batch and an
// optional ZIP of PDFs, sent once (an Idempotency-Key per choice of files),
// with progress; the report row by row.
import { $, APIError, el, flash, formatSize, idempotencyKey, state, toLogin } from "../core.js";


const importStatuses = {
  added: "добавлено",
  duplicate: "уже было",
  refused: "отказано",
  invalid: "ошибка в строке",
  failed: "не выполнено",
};

const importColumns = {
  snils: "СНИЛС", title: "Название программы", hours: "Часы", start_date: "Дата начала", end_date: "Дата окончания",
  frdo_number: "Номер ФРДО", in_specialty: "По специальности", file: "Файл", application_id: "Заявление",
};

// An Idempotency-Key for one sending of one choice of files: a retry
// after a lost answer is answered from the first run, not run again.
const newImportKey = () => idempotencyKey("web-import");

function importSlot(slot) {
  const n = (slot || "").split(".")[1];
  return n ? "удостоверение в строке " + n : "";
}

function importRow(r) {
  const reasons = [];
  // With field errors the general message ("see fields") says nothing more.
  if (r.message && !(r.fields && r.fields.length)) reasons.push(el("div", {}, r.message));
  for (const f of r.fields || []) reasons.push(el("div", { class: "field" }, (importColumns[f.field] || f.field) + ": " + f.message));
  const apps = (r.applications || []).map((a) => {
    const more = [importStatuses[a.status] || a.status, importSlot(a.certificate_slot)];
    if (a.message && a.message !== r.message) more.push(a.message);
    return el("div", { class: "app" }, el("code", {}, a.application_id), " — " + more.filter(Boolean).join("; "));
  });
  // data-label names the cell where a phone shows the row as a card.
  return el("tr", { class: "st-" + r.status, "data-row": r.row, "data-status": r.status },
    el("td", { "data-label": "Строка" }, String(r.row)),
    el("td", { class: "snils", "data-label": "СНИЛС" }, r.snils || "—"),
    el("td", { "data-label": "Номер ФРДО" }, r.frdo_number || "—"),
    el("td", { class: "status", "data-label": "Результат" }, importStatuses[r.status] || r.status),
    reasons.length ? el("td", { "data-label": "Пояснение" }, reasons) : el("td", { class: "none" }, "—"),
    apps.length ? el("td", { "data-label": "Заявление" }, apps) : el("td", { class: "none" }, "—"));
}

function showImportReport(rep) {
  const s = rep.summary;
  const parts = ["Строк: " + s.rows, "добавлено: " + s.added, "уже было: " + s.duplicate, "отказано: " + s.refused, "с ошибками: " + s.invalid];
  if (s.failed) parts.push("не выполнено: " + s.failed + " (отправьте пакет ещё раз)");
  $("#import-summary").textContent = parts.join(" · ");
  $("#import-summary").className = s.failed || s.invalid || s.refused ? "warn" : "ok";
  $("#import-rows tbody").replaceChildren(...rep.rows.map(importRow));
  $("#import-report").hidden = false;
}

export async function run() {
  if (state.me.role !== "training_center") {
    $("#import-refused").hidden = false;
    return;
  }
  $("#import-body").hidden = false;
  const form = $("#import-form");
  const { batch: batchInput, files: zipInput } = form.elements;
  const send = $("#import-send");
  const bar = $("#import-progress");
  const status = $("#import-status");
  let key = newImportKey();
  let busy = false;
  const setStatus = (text, kind = "") => {
    status.textContent = text;
    status.className = "status " + kind;
  };
  const done = () => {
    busy = false;
    send.disabled = false;
    batchInput.disabled = zipInput.disabled = false;
    bar.hidden = true;
  };
  // A new choice of files is a new import.
  form.addEventListener("change", () => {
    key = newImportKey();
    $("[data-err=batch]", form).textContent = "";
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (busy) return;
    flash("");
    setStatus("");
    const batch = batchInput.files[0];
    const zip = zipInput.files[0];
    if (!batch) {
      $("[data-err=batch]", form).textContent = "Выберите файл с пакетом: CSV или JSON.";
      batchInput.focus();
      return;
    }
    // The server refuses these from the request's length, before reading
    // it; say so at once rather than after sending a gigabyte.
    if (batch.size > 5 * 1024 * 1024 || (zip && zip.size > 1024 * 1024 * 1024)) {
      flash(batch.size > 5 * 1024 * 1024 ? "Пакет больше 5 МБ: разделите его на несколько (до 1000 строк в каждом)."
        : "Архив больше 1 ГБ (" + formatSize(zip.size) + "): разделите пакет и архив на части.");
      return;
    }
    const body = new FormData();
    body.append("batch", batch, batch.name);
    if (zip) body.append("files", zip, zip.name);
    busy = true;
    $("#import-report").hidden = true;
    send.disabled = true;
    batchInput.disabled = zipInput.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    setStatus("Загрузка…");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/imports/certificates");
    xhr.setRequestHeader("X-CSRF-Token", state.csrf);
    xhr.setRequestHeader("Idempotency-Key", key);
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      bar.value = e.loaded / e.total;
      setStatus(e.loaded < e.total ? "Загрузка… " + Math.floor((100 * e.loaded) / e.total) + "% из " + formatSize(e.total)
        : "Файлы отправлены, сервис проверяет строки…");
    };
    xhr.onload = () => {
      done();
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      // Still running (409) keeps the key: sending again waits for that run.
      if (xhr.status !== 409) key = newImportKey();
      if (xhr.status === 401) {
        toLogin();
        return;
      }
      if (xhr.status === 200 && data && data.summary) {
        setStatus(xhr.getResponseHeader("Idempotent-Replayed") ? "Готово (ответ на первую отправку этого пакета)." : "Готово.", "ok");
        showImportReport(data);
        return;
      }
      const err = new APIError(xhr.status, data);
      setStatus("Пакет не принят.", "error");
      flash(err.message);
    };
    xhr.onerror = () => {
      done();
      setStatus("Не удалось отправить пакет: проверьте связь и повторите — дважды он не загрузится.", "error");
    };
    xhr.send(body);
  });
}
