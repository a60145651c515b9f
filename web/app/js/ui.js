// Small DOM helpers: the app has no framework, so screens are built with h()
// and replaced whole when their data changes.
import { t } from "./i18n.js";

// h builds an element: h("button", {class: "primary", onclick: f}, "Text", child).
// Attributes starting with "on" become listeners; null/false children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value" && "value" in el) el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let generation = 0;

// nextScreen marks the start of a new screen; the router calls it before
// each render.
export function nextScreen() { generation++; }

// screenMount returns mount for the screen now starting: once another
// screen has started it does nothing, so a slow screen's late answer (a
// poor connection) never replaces the screen the user has moved on to.
// Screens shadow the imported mount with it: const mount = screenMount().
export function screenMount() {
  const mine = generation;
  return (...children) => { if (mine === generation) mount(...children); };
}

// mount replaces the main area's content and moves focus to its heading,
// so screen readers announce the new screen.
export function mount(...children) {
  const main = document.getElementById("main");
  main.replaceChildren();
  append(main, children);
  const heading = main.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
}

// field is a labelled form control; the label is tied to the control by id.
let seq = 0;
export function field(label, control, hint) {
  const id = control.id || `f${++seq}`;
  control.id = id;
  const hintEl = hint ? h("small", { id: `${id}-hint`, class: "hint" }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

// select builds a <select> from [value, label] pairs.
export function select(name, options, value, attrs) {
  return h("select", { name, ...attrs }, options.map(([v, l]) => h("option", { value: v, selected: v === value }, l)));
}

let toastTimer;
// toast shows a short message in the live region.
export function toast(msg, kind = "info") {
  const el = document.getElementById("toast");
  el.textContent = msg;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.className = "toast"), 5000);
}

// errorText turns an API or network error into a sentence for the user.
export function errorText(err) {
  if (err && err.offline) return t("error_network");
  // A lock-out says how long to wait, in the user's language.
  if (err && err.code === "too_many_attempts" && err.retryAfter) return t("error_locked", { n: Math.max(1, Math.ceil(err.retryAfter / 60)) });
  if (err && err.message) return err.message;
  return t("error_generic");
}

// errorBox is an inline alert for a failed action, with the server's hint
// when it gives one (how to take a readable photo, say). An error that
// names a field of the form on screen (details.field) names it by its
// label and marks it invalid.
export function errorBox(err) {
  const hint = err && err.body && err.body.hint;
  let text = errorText(err);
  const name = err && err.body && err.body.details && err.body.details.field;
  const el = typeof name === "string" ? document.querySelector(`#main [name="${CSS.escape(name)}"]`) : null;
  if (el) {
    el.setAttribute("aria-invalid", "true");
    el.addEventListener("input", () => el.removeAttribute("aria-invalid"), { once: true });
    // "Country" alone does not say whose: its group's legend does.
    const legend = el.closest("fieldset") && el.closest("fieldset").querySelector("legend");
    const label = [legend && legend.textContent, el.labels && el.labels[0] ? el.labels[0].textContent : name].filter(Boolean).join(" — ");
    if (err.code === "invalid_country") text = t("error_country", { label });
  }
  return h("p", { class: "error", role: "alert", "data-code": err && err.code ? err.code : null }, text, hint ? [h("br"), hint] : null);
}

// fmtDate writes a date in the app's language. A calendar date
// ("2027-03-01", as the paper prints box 2) is that day wherever the phone
// is; an instant is the day it falls on here.
export function fmtDate(s) {
  if (!s) return "";
  const day = /^\d{4}-\d{2}-\d{2}$/.test(s);
  const d = new Date(day ? s + "T00:00:00Z" : s);
  return isNaN(d) ? String(s) : d.toLocaleDateString(document.documentElement.lang || undefined,
    { year: "numeric", month: "short", day: "numeric", ...(day ? { timeZone: "UTC" } : {}) });
}

export function fmtDateTime(s) {
  if (!s) return "";
  const d = new Date(s);
  return isNaN(d) ? String(s) : d.toLocaleString(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
}

// ago says how long ago a time was, in minutes, hours or days.
export function ago(ms) {
  const m = Math.round(ms / 60000);
  if (m < 60) return t("n_min", { n: m });
  const hrs = Math.round(m / 60);
  if (hrs < 48) return t("n_hours", { n: hrs });
  return t("n_days", { n: Math.round(hrs / 24) });
}

// pager is the Previous / page n of m / Next bar under a long list;
// to(p) shows page p. Nothing when it all fits on one page.
export function pager(page, pages, to) {
  if (pages <= 1) return null;
  return h("nav", { class: "actions pager", "aria-label": t("page", { n: page }) },
    h("button", { type: "button", "data-action": "previous", disabled: page <= 1, onclick: () => to(page - 1) }, t("previous")),
    h("span", { class: "muted" }, t("page", { n: `${page} / ${pages}` })),
    h("button", { type: "button", "data-action": "next", disabled: page >= pages, onclick: () => to(page + 1) }, t("next")));
}

// saveBlob offers a downloaded file to the user.
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// loading is the placeholder shown while a screen fetches its data.
export function loading() {
  return h("p", { class: "loading", role: "status" }, t("loading"));
}
