// The application form: the catalog's levels, specialties in force and
// questions; dates typed as ДД.ММ.ГГГГ; every field error of the server
// next to its input and in a summary at the top, kept until that field
// changes; checks when a field is left.
import { $, $$, api, catalog, dateMessage, el, levelTitles, ruDate } from "./core.js";

const dateFields = ["specialist.birth_date", "previous_accreditation_date", "employment_ended"];

// isoDate reads ДД.ММ.ГГГГ (or ГГГГ-ММ-ДД) as ГГГГ-ММ-ДД; what is not a
// date is returned as typed, for the server to refuse.
export function isoDate(s) {
  s = (s || "").trim();
  const ru = /^(\d{1,2})[.\/-](\d{1,2})[.\/-](\d{4})$/.exec(s);
  if (ru) return `${ru[3]}-${ru[2].padStart(2, "0")}-${ru[1].padStart(2, "0")}`;
  return s;
}

// A date input: dots put in as digits are typed; a pasted ГГГГ-ММ-ДД
// becomes ДД.ММ.ГГГГ; what the person punctuated themselves (1.2.1990) is
// left alone (isoDate reads it).
export function dateInput(input) {
  input.addEventListener("input", (ev) => {
    if (ev.inputType && ev.inputType.startsWith("delete")) return;
    const v = input.value.trim();
    const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (iso) {
      input.value = `${iso[3]}.${iso[2]}.${iso[1]}`;
      return;
    }
    // Only digits, and dots only where this formatting puts them.
    if (!/^[\d.]*$/.test(v) || [...v].some((c, i) => c === "." && i !== 2 && i !== 5)) return;
    const d = v.replace(/\D/g, "").slice(0, 8);
    input.value = [d.slice(0, 2), d.slice(2, 4), d.slice(4)].filter(Boolean).join(".");
  });
}

export async function prepareForm(form) {
  const cat = await catalog();
  const levels = form.elements.education_level;
  levels.replaceChildren(el("option", { value: "" }, "— выберите —"), ...cat.education_levels.map((l) => el("option", { value: l }, levelTitles[l] || l)));
  // The specialties in force today for the chosen level (all levels while
  // none is chosen): the nomenclature changes with dates.
  const specialties = () => {
    const chosen = levels.value ? [levels.value] : cat.education_levels;
    const names = new Set();
    for (const l of chosen) for (const n of (cat.specialties_in_force[l] || {}).specialties || []) names.add(n);
    $("#specialties").replaceChildren(...Array.from(names).sort().map((n) => el("option", { value: n })));
  };
  levels.addEventListener("change", specialties);
  specialties();
  // The questions of each kind (order 709н), asked only when they apply.
  for (const k of cat.kinds) for (const q of k.questions || []) {
    const label = $(`[data-question="${q.field}"]`, form);
    if (!label) continue;
    $(".q-title", label).textContent = q.title;
    form.elements[q.field].replaceChildren(el("option", { value: "" }, "— выберите —"), ...q.options.map((o) => el("option", { value: o.value }, o.title)));
  }
  for (const name of dateFields) if (form.elements[name]) dateInput(form.elements[name]);
  form.addEventListener("change", () => syncQuestions(form, cat));
  syncQuestions(form, cat);
  keepErrorsUntilChanged(form);
}

// syncQuestions shows a kind's questions when their condition holds, and
// the report question only for kinds that ask it.
function syncQuestions(form, cat) {
  const kind = cat.kinds.find((k) => k.id === form.elements.kind.value);
  if (!kind) return;
  const value = (field) => {
    const input = form.elements[field];
    if (!input) return undefined;
    if (input.type === "checkbox") return input.checked;
    if (field === "report_agreed") return input.value === "" ? undefined : input.value === "true";
    return input.value;
  };
  for (const label of $$("[data-question]", form)) {
    const field = label.dataset.question;
    const q = (kind.questions || []).find((x) => x.field === field);
    label.hidden = field === "report_agreed" ? !(kind.required_fields || []).includes(field) : !q || (q.when && value(q.when.field) !== q.when.equals);
    // A hidden question is disabled, and readForm sends no answer to it.
    form.elements[field].disabled = label.hidden;
  }
  // Fields of some kinds only (dates of the portfolio's cycle).
  for (const label of $$("[data-kinds]", form)) {
    label.hidden = !label.dataset.kinds.split(" ").includes(kind.id);
    for (const input of $$("input, select, textarea", label)) input.disabled = label.hidden;
  }
  // "I do not work" as the reason: not working now, whatever the box said.
  const reason = form.elements.report_not_agreed_reason;
  if (!reason.disabled && reason.value === "not_employed") form.elements.employed.checked = false;
}

export function readForm(form) {
  const out = { specialist: {}, contact: {} };
  for (const input of form.elements) {
    // A disabled input is a question not asked (the kind, shown but fixed,
    // is still sent: the server's checks depend on it).
    if (!input.name || (input.disabled && input.name !== "kind")) continue;
    let v = input.type === "checkbox" ? input.checked : input.value;
    if (input.name === "report_agreed") v = v === "" ? null : v === "true";
    if (dateFields.includes(input.name)) v = isoDate(v);
    const [a, b] = input.name.split(".");
    if (b) out[a][b] = v;
    else out[a] = v;
  }
  return out;
}

export function fillForm(form, app, cat) {
  for (const input of form.elements) {
    if (!input.name) continue;
    const [a, b] = input.name.split(".");
    let v = b ? (app[a] || {})[b] : app[a];
    if (input.name === "employed" && (v === undefined || v === null)) v = app.report_not_agreed_reason !== "not_employed";
    if (input.type === "checkbox") input.checked = !!v;
    else if (input.name === "report_agreed") input.value = v === null || v === undefined ? "" : String(v);
    else if (dateFields.includes(input.name)) input.value = ruDate(v);
    else input.value = v || "";
  }
  form.elements.kind.disabled = true;
  syncQuestions(form, cat);
}

// ---- errors next to the fields ----

const errors = new WeakMap(); // form -> Map(field -> message)

function messageOf(f) {
  return dateFields.includes(f.field) && (f.code === "birth_date" || f.code === "past_date") ? dateMessage : f.message;
}

// setFieldErrors replaces the errors of the given fields (all fields when
// only is not given) and draws them with the summary.
export function setFieldErrors(form, fields, only) {
  const map = errors.get(form) || new Map();
  errors.set(form, map);
  for (const name of only || [...map.keys()]) map.delete(name);
  for (const f of fields) if (!only || only.includes(f.field)) map.set(f.field, messageOf(f));
  drawErrors(form);
}

function fieldID(name) { return "f-" + name.replace(/\./g, "-"); }

function drawErrors(form) {
  const map = errors.get(form) || new Map();
  for (const slot of $$("[data-err]", form)) {
    const name = slot.dataset.err;
    const input = form.elements[name];
    const msg = map.get(name) || "";
    slot.textContent = msg;
    if (input && input.setAttribute) {
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }
  const summary = $(".error-summary", form);
  if (!summary) return;
  const items = [];
  for (const [name, msg] of map) {
    const input = form.elements[name];
    const label = input && input.closest("label");
    const title = label ? ($(".label-text", label) || label).firstChild.textContent.trim().replace(/\s*\*$/, "") : "Поле";
    items.push(el("li", {}, el("a", { href: "#" + fieldID(name), onclick: (ev) => { ev.preventDefault(); if (input) input.focus(); } }, title + ": " + msg)));
  }
  summary.hidden = items.length === 0;
  $("ul", summary).replaceChildren(...items);
  $(".count", summary).textContent = items.length;
}

// focusFirstError moves to the summary after a refused save.
export function focusFirstError(form) {
  const summary = $(".error-summary", form);
  if (summary && !summary.hidden) {
    summary.scrollIntoView({ block: "start" });
    summary.focus();
  }
}

// An error stays on its field until that field changes; with check, leaving
// a changed field asks the server about it.
export function keepErrorsUntilChanged(form, check = checkApplicationForm) {
  for (const input of form.elements) {
    if (!input.name) continue;
    input.id = input.id || fieldID(input.name);
    const clear = () => {
      const map = errors.get(form);
      if (map && map.delete(input.name)) drawErrors(form);
      input.dataset.touched = "";
    };
    input.addEventListener("input", clear);
    input.addEventListener("change", clear);
  }
  if (!check) return;
  // Leaving a changed field asks the server's own rules about it, storing
  // nothing; other fields' errors stay as they are.
  form.addEventListener("focusout", async (ev) => {
    const input = ev.target;
    const name = input.name;
    if (!name || !("touched" in input.dataset)) return;
    const value = input.value;
    let fields = [];
    try {
      await check(form);
    } catch (e) {
      if (e.status !== 422) return;
      fields = e.fields;
    }
    // An answer about a value the person has changed since says nothing.
    if (input.value === value) setFieldErrors(form, fields, [name]);
  });
}

const checkApplicationForm = (form) => api("POST", "/forms/check", readForm(form));
