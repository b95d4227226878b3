// The report on professional activity, written here: the sections of the
// server's structure (report/data/structure.json) with their hints and
// counters, the table of the volume of work by year, what the application
// and its ledger give filled in; saved as it is typed (the version of each
// save sent back, so a second device's older copy is refused, never
// silently overwritten); what a commission would raise, from the server,
// after every save; the PDF and DOCX, and the PDF into the report's slot
// only when asked.
import { $, api, confirmDanger, count, el, errorMessage, flash, ruDate, state } from "../core.js";
import { dateInput, isoDate } from "../form.js";
import { loadApplication, renderSteps } from "../steps.js";

const textSections = { organization: "organization", duties: "duties", skills: "skills", proposals: "proposals" };
const saveDelay = 700; // ms after the last keystroke

export async function run(id) {
  const base = "/applications/" + id + "/report";
  let { app, report: readiness } = await loadApplication(id, "report");
  let rep = await api("GET", base);
  let draft = rep.draft;
  let version = rep.version;
  const locked = app.status === "submitted";

  // ---- saving ----
  const stateEl = $("#save-state");
  let timer = null, saving = null, dirty = false, conflict = false;
  const setState = (text, cls = "") => {
    stateEl.textContent = text;
    stateEl.className = "save-state " + cls;
  };
  const savedAt = (iso) => {
    const d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString("ru-RU", { hour: "2-digit", minute: "2-digit" });
  };
  setState(version ? "Сохранено в " + savedAt(rep.updated_at) : "Ещё не сохранялся: начните писать", version ? "saved" : "");

  const changed = () => {
    if (locked || conflict) return;
    dirty = true;
    setState("Есть несохранённые изменения…", "pending");
    clearTimeout(timer);
    timer = setTimeout(save, saveDelay);
  };
  const save = async () => {
    clearTimeout(timer);
    if (saving) { // one save at a time; the latest text goes next
      await saving;
      if (dirty) return save();
      return;
    }
    if (!dirty) return;
    dirty = false;
    setState("Сохраняю…", "pending");
    saving = (async () => {
      try {
        const r = await api("PUT", base, { version, draft });
        version = r.version;
        rep = r;
        showFindings();
        drawCounters();
        setState(dirty ? "Есть несохранённые изменения…" : "Сохранено в " + savedAt(r.updated_at), dirty ? "pending" : "saved");
        clearFieldErrors();
      } catch (e) {
        if (e.code === "conflict" && e.status === 409) {
          conflict = true;
          $("#report-conflict").hidden = false;
          setState("Не сохранено: отчёт изменён в другом месте", "error");
        } else if (e.fields && e.fields.length) {
          showFieldErrors(e.fields);
          setState("Не сохранено: исправьте отмеченное", "error");
        } else {
          dirty = true; // try again with the next change
          setState("Не сохранено: " + errorMessage(e), "error");
        }
      } finally {
        saving = null;
      }
    })();
    await saving;
    if (dirty && !conflict) timer = setTimeout(save, saveDelay);
  };
  // Leaving or hiding the page saves what is typed.
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden" && dirty) save(); });
  window.addEventListener("beforeunload", (ev) => { if (dirty || saving) { save(); ev.preventDefault(); } });
  $("#report-reload").addEventListener("click", async () => {
    rep = await api("GET", base);
    draft = rep.draft;
    version = rep.version;
    conflict = false;
    dirty = false;
    $("#report-conflict").hidden = true;
    drawAll();
    setState("Показана последняя версия (сохранена в " + savedAt(rep.updated_at) + ")", "saved");
  });

  // ---- field errors of the server (draft.… paths) ----
  const clearFieldErrors = () => {
    for (const i of document.querySelectorAll("#report-form [aria-invalid]")) i.removeAttribute("aria-invalid");
    for (const e of document.querySelectorAll("#report-form .err")) e.textContent = "";
  };
  const showFieldErrors = (fields) => {
    clearFieldErrors();
    for (const f of fields) {
      const path = f.field.replace(/^draft\./, "");
      const input = document.querySelector(`#report-form [data-path="${CSS.escape(path)}"]`);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const err = input.parentElement.querySelector(".err");
        if (err) err.textContent = f.message;
      } else {
        flash(f.message);
      }
    }
  };

  // ---- findings ----
  const showFindings = () => {
    const list = rep.findings;
    $("#report-findings-count").textContent = String(list.length);
    $("#report-findings").replaceChildren(...list.map((f) => el("li", { class: "warning" }, f.message, " ",
      el("a", { href: "#sec-" + f.section }, "К разделу"))));
    $("#report-findings-none").hidden = list.length > 0;
  };

  // ---- sections ----
  const sectionsEl = $("#report-sections");
  const counters = [];
  const drawCounters = () => counters.forEach((f) => f());

  const card = (s, n, ...body) => el("section", { class: "card report-section", id: "sec-" + s.id },
    el("h2", {}, `${n}. ${s.title}`),
    el("p", { class: "hint" }, s.hint),
    ...body);

  // text is a textarea bound to draft[key], with its counter.
  const text = (s, key, label) => {
    const ta = el("textarea", { rows: "6", "data-path": key, disabled: locked, "aria-describedby": "count-" + key }, draft[key] || "");
    const counter = el("span", { class: "counter", id: "count-" + key });
    const drawCounter = () => {
      const n = [...(draft[key] || "")].length;
      const min = s.min_chars || 0;
      counter.textContent = count(n, "знак", "знака", "знаков") + (min ? ` · рекомендуем не меньше ${min}` : "");
      counter.className = "counter " + (min && n < min ? "warn" : "ok");
    };
    counters.push(drawCounter);
    drawCounter();
    ta.addEventListener("input", () => {
      draft[key] = ta.value;
      drawCounter();
      changed();
    });
    return el("label", {}, el("span", { class: "label-text" }, label), ta, counter, el("span", { class: "err" }));
  };

  // input is a one-line input bound to obj[key]; date inputs show ДД.ММ.ГГГГ.
  const input = (label, obj, key, path, opts = {}) => {
    const i = el("input", { value: opts.date ? ruDate(obj[key] || "") : obj[key] || "", "data-path": path, disabled: locked,
      ...(opts.date ? { inputmode: "numeric", placeholder: "ДД.ММ.ГГГГ", maxlength: "10", autocomplete: "off" } : {}) });
    if (opts.date) dateInput(i);
    i.addEventListener("input", () => {
      obj[key] = opts.date ? isoDate(i.value) : i.value;
      changed();
    });
    return el("label", { class: opts.class || "" }, el("span", { class: "label-text" }, label), i, el("span", { class: "err" }));
  };

  const removeButton = (list, i, what, after) => locked ? null : el("button", { type: "button", class: "danger small", onclick: () => {
    if (!confirmDanger(`Удалить ${what}?`)) return;
    const [gone] = list.splice(i, 1);
    if (after) after(gone);
    changed();
    drawAll();
  } }, "Удалить");
  // A removed row of one's own takes its numbers with it (a new row may
  // get its id again).
  const dropNumbers = (row) => Object.values(draft.volume).forEach((year) => delete year[row.id]);

  const sections = {
    specialist: (s, n) => {
      const f = rep.facts;
      const agreed = f.report_agreed === true ? "да" : f.report_agreed === false ? "нет — " + (f.not_agreed_reason || "причина не указана") : "не ответили";
      return card(s, n, el("dl", { class: "pairs" },
        el("dt", {}, "Ф. И. О."), el("dd", {}, f.specialist || "—"),
        el("dt", {}, "Специальность"), el("dd", {}, f.specialty || "—"),
        el("dt", {}, "Отчётный период"), el("dd", {}, f.period_from ? `${ruDate(f.period_from)} — ${ruDate(f.period_to)}` : `${f.years[0]}–${f.years[f.years.length - 1]} (дата предыдущей аккредитации не указана)`),
        el("dt", {}, "Отчёт согласован с руководителем"), el("dd", {}, agreed)),
        el("p", {}, el("a", { href: `/app/a/${id}/form` }, "Изменить в данных заявления")));
    },
    workplaces: (s, n) => {
      const list = draft.workplaces;
      return card(s, n,
        el("ol", { class: "rows" }, ...list.map((w, i) => el("li", { class: "row-item" },
          input("Организация", w, "organization", `workplaces[${i}].organization`),
          input("Подразделение", w, "department", `workplaces[${i}].department`),
          input("Должность", w, "position", `workplaces[${i}].position`),
          el("div", { class: "row2" },
            input("Начало", w, "from", `workplaces[${i}].from`, { date: true }),
            input("Окончание", w, "to", `workplaces[${i}].to`, { date: true })),
          el("p", { class: "hint" }, "Окончание пустое — работаете там по настоящее время."),
          removeButton(list, i, "это место работы")))),
        locked ? null : el("button", { type: "button", class: "secondary", onclick: () => {
          list.push({ organization: "", department: "", position: "", from: "", to: "" });
          changed();
          drawAll();
          document.querySelector(`[data-path="workplaces[${list.length - 1}].organization"]`).focus();
        } }, "Добавить место работы"));
    },
    organization: (s, n) => card(s, n, text(s, "organization", "Текст раздела")),
    duties: (s, n) => card(s, n, text(s, "duties", "Текст раздела")),
    volume: (s, n) => {
      const years = rep.facts.years;
      const setSelect = el("select", { "data-path": "indicator_set", disabled: locked },
        ...rep.indicator_sets.map((set) => el("option", { value: set.id, selected: set.id === rep.indicator_set.id }, set.title)));
      setSelect.addEventListener("change", async () => {
        draft.indicator_set = setSelect.value;
        changed();
        await save();
        drawAll();
      });
      const cell = (year, ind) => {
        const v = (draft.volume[year] || {})[ind.id];
        const i = el("input", { class: "num", inputmode: "numeric", value: v === undefined ? "" : String(v), disabled: locked,
          "data-path": `volume.${year}.${ind.id}`, "aria-label": `${ind.title}, ${year}` });
        i.addEventListener("input", () => {
          const digits = i.value.replace(/[\s\u00a0]/g, "");
          const row = (draft.volume[year] = draft.volume[year] || {});
          if (digits === "") {
            delete row[ind.id];
            i.removeAttribute("aria-invalid");
          } else if (/^\d{1,8}$/.test(digits)) {
            row[ind.id] = Number(digits);
            i.removeAttribute("aria-invalid");
          } else {
            i.setAttribute("aria-invalid", "true");
            return; // not a number: not saved
          }
          changed();
        });
        return el("td", {}, i);
      };
      const table = el("table", { class: "list volume" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Показатель"), ...years.map((y) => el("th", { scope: "col" }, String(y))))),
        el("tbody", {}, ...rep.indicators.map((ind) => el("tr", {},
          el("th", { scope: "row" }, ind.title, el("span", { class: "hint" }, ind.unit)),
          ...years.map((y) => cell(String(y), ind))))));
      const custom = draft.custom_indicators;
      const addTitle = el("input", { "aria-label": "Свой показатель", placeholder: "Свой показатель, например «Эндоскопии»", disabled: locked });
      const addUnit = el("input", { "aria-label": "Единица", placeholder: "ед.", disabled: locked, class: "unit" });
      return card(s, n,
        el("label", {}, el("span", { class: "label-text" }, "Набор показателей"), setSelect,
          el("span", { class: "hint" }, "Подобран по специальности; можно выбрать другой или добавить свои строки.")),
        el("p", { class: "hint table-note" }, `Годы ${years[0]}–${years[years.length - 1]}: на узком экране таблица листается вбок.`),
        el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Объём работы по годам" }, table),
        custom.length ? el("ul", { class: "customs" }, ...custom.map((c, i) => el("li", {}, `${c.title} (${c.unit || "ед."}) `, removeButton(custom, i, "показатель «" + c.title + "» с его числами", dropNumbers)))) : null,
        locked ? null : el("div", { class: "add-indicator" }, addTitle, addUnit, el("button", { type: "button", class: "secondary", onclick: async () => {
          if (!addTitle.value.trim()) return addTitle.focus();
          // The row's id keys its numbers: the next free one, kept for good.
          const next = 1 + Math.max(0, ...custom.map((c) => Number((/^custom(\d+)$/.exec(c.id) || [])[1] || 0)));
          custom.push({ id: "custom" + next, title: addTitle.value.trim(), unit: addUnit.value.trim() });
          changed();
          await save();
          drawAll();
        } }, "Добавить строку")),
        text(s, "volume_analysis", "Анализ показателей: что изменилось по годам и почему"));
    },
    skills: (s, n) => card(s, n, text(s, "skills", "Текст раздела")),
    education: (s, n) => {
      const courses = rep.facts.courses;
      return card(s, n,
        courses.length ? el("ul", { class: "ledger" }, ...courses.map((c) => el("li", { class: "ledger-item" },
          el("div", { class: "title" }, c.title), el("div", { class: "hint" }, `${c.organization} · ${c.hours} ч · окончание ${ruDate(c.end_date)}${c.in_specialty ? " · по специальности" : ""}`))))
          : el("p", { class: "warn" }, "Курсов за отчётный период нет."),
        rep.facts.nmo_credits ? el("p", {}, `Зачётных единиц НМО за период: ${rep.facts.nmo_credits}.`) : null,
        el("p", {}, el("a", { href: `/app/a/${id}/education` }, "Добавить или исправить в разделе «Обучение»")));
    },
    achievements: (s, n) => {
      const list = draft.achievements;
      return card(s, n,
        el("ol", { class: "rows" }, ...list.map((a, i) => {
          const kind = el("select", { "data-path": `achievements[${i}].kind`, disabled: locked },
            ...rep.structure.achievement_kinds.map((k) => el("option", { value: k.id, selected: k.id === a.kind }, k.title)));
          kind.addEventListener("change", () => { a.kind = kind.value; changed(); });
          return el("li", { class: "row-item" },
            el("label", {}, el("span", { class: "label-text" }, "Вид"), kind, el("span", { class: "err" })),
            input("Что именно: название, где, для кого", a, "title", `achievements[${i}].title`),
            input("Год", a, "year", `achievements[${i}].year`, { class: "short" }),
            removeButton(list, i, "это достижение"));
        })),
        locked ? null : el("button", { type: "button", class: "secondary", onclick: () => {
          list.push({ kind: "publication", title: "", year: "" });
          changed();
          drawAll();
          document.querySelector(`[data-path="achievements[${list.length - 1}].title"]`).focus();
        } }, "Добавить достижение"));
    },
    proposals: (s, n) => card(s, n, text(s, "proposals", "Текст раздела")),
    agreement: (s, n) => {
      const f = rep.facts;
      if (f.report_agreed === false) {
        return card(s, n, el("p", {}, "По данным заявления отчёт не согласуется: " + (f.not_agreed_reason || "причина не указана") + ". В отчёте вместо блока «СОГЛАСОВАНО» будет указана эта причина."),
          el("p", {}, el("a", { href: `/app/a/${id}/form` }, "Изменить в данных заявления")));
      }
      const ag = draft.agreement;
      return card(s, n,
        f.report_agreed == null ? el("p", { class: "warn" }, "В данных заявления не отмечено, согласован ли отчёт с руководителем.") : null,
        input("Должность руководителя", ag, "head_position", "agreement.head_position"),
        input("Ф. И. О. руководителя", ag, "head_name", "agreement.head_name"),
        input("Организация (если не видна из должности)", ag, "organization", "agreement.organization"),
        el("p", { class: "hint" }, "В отчёте будут места для подписи руководителя, даты и печати (М. П.)."));
    },
  };

  const drawAll = () => {
    counters.length = 0;
    let n = 0;
    sectionsEl.replaceChildren(...rep.structure.sections.map((s) => {
      const draw = sections[s.id];
      return draw ? draw(s, ++n) : null;
    }));
    showFindings();
  };
  drawAll();

  // ---- a consultancy's templates ----
  const empty = () => !version && !draft.workplaces.length && !draft.achievements.length &&
    !["organization", "duties", "skills", "proposals", "volume_analysis"].some((k) => draft[k]);
  const drawTemplates = async () => {
    if (state.me.role !== "consultant" || locked) return;
    const { templates } = await api("GET", "/report-templates");
    $("#report-templates").hidden = false;
    // The client's specialty first.
    templates.sort((a, b) => (b.specialty === rep.facts.specialty) - (a.specialty === rep.facts.specialty));
    $("#template-pick").replaceChildren(...templates.map((tp) => el("option", { value: tp.id }, `${tp.title} (${tp.specialty})`)));
    $("#template-start").hidden = !templates.length || !empty();
    $("#template-none").hidden = templates.length > 0;
    $("#template-list").replaceChildren(...templates.map((tp) => el("li", { class: "ledger-item" },
      el("span", { class: "title" }, tp.title), " ", el("span", { class: "hint" }, tp.specialty),
      el("button", { type: "button", class: "danger small", onclick: async () => {
        if (!confirmDanger(`Удалить шаблон «${tp.title}»? Отчёты, начатые с него, останутся как есть.`)) return;
        try {
          await api("DELETE", "/report-templates/" + tp.id);
          await drawTemplates();
        } catch (e) { flash(errorMessage(e)); }
      } }, "Удалить"))));
  };
  $("#template-use").addEventListener("click", async () => {
    try {
      rep = await api("POST", base + "/template", { template_id: $("#template-pick").value });
      draft = rep.draft;
      version = rep.version;
      drawAll();
      await drawTemplates();
      setState("Начат с шаблона, сохранено в " + savedAt(rep.updated_at), "saved");
    } catch (e) { flash(errorMessage(e)); }
  });
  $("#template-save").addEventListener("click", async () => {
    const title = $("#template-title").value.trim();
    $("#template-err").textContent = title ? "" : "Назовите шаблон.";
    if (!title) return $("#template-title").focus();
    const { indicator_set, custom_indicators, organization, duties, skills, proposals } = draft;
    try {
      await api("POST", "/report-templates", { title, specialty: rep.facts.specialty, draft: { indicator_set, custom_indicators, organization, duties, skills, proposals } });
      $("#template-title").value = "";
      flash(`Шаблон «${title}» сохранён.`, "info");
      await drawTemplates();
    } catch (e) {
      $("#template-err").textContent = e.fields && e.fields.length ? e.fields.map((f) => f.message).join(" ") : errorMessage(e);
    }
  });
  await drawTemplates();

  // ---- producing ----
  for (const [sel, path] of [["#get-pdf", "/pdf"], ["#produce-pdf", "/pdf"], ["#get-docx", "/docx"], ["#produce-docx", "/docx"]]) {
    const a = $(sel);
    a.href = "/api/v1" + base + path;
    // What is typed is saved before the file is made of it.
    a.addEventListener("click", async (ev) => {
      if (!dirty && !saving) return;
      ev.preventDefault();
      await save();
      location.href = a.href;
    });
  }
  const toSlot = $("#to-slot");
  toSlot.hidden = locked;
  const slotState = $("#to-slot-state");
  const slotNote = () => {
    slotState.textContent = rep.slot_holds_draft ? "В строке отчёта сейчас этот PDF без подписи: загрузите подписанный скан на его место." : "";
  };
  slotNote();
  toSlot.addEventListener("click", async () => {
    if (!confirmDanger("Поместить PDF отчёта в строку «Отчёт о профессиональной деятельности»? Если там уже есть файл, он уйдёт в историю строки. Потом замените PDF подписанным сканом.")) return;
    try {
      await save();
      toSlot.disabled = true;
      await api("POST", base + "/slot");
      rep = await api("GET", base);
      slotNote();
      slotState.textContent = "PDF помещён в строку отчёта. " + slotState.textContent;
      readiness = await api("GET", "/applications/" + id + "/readiness");
      app = await api("GET", "/applications/" + id);
      renderSteps(app, readiness, "report");
    } catch (e) {
      flash(errorMessage(e));
    } finally {
      toSlot.disabled = false;
    }
  });
}
