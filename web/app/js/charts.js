// Charts as inline SVG, without a library. Each chart is a group headed by
// an <h2>: the drawing (role="img" with <title> and <desc>), a legend in
// words and a visually hidden table of the same numbers for screen readers.
// Colours are SVG presentation attributes (the CSP forbids style
// attributes) and never the only signal: the legend and table name them.
import { h } from "./ui.js";
import { register, t } from "./i18n.js";

register({
  en: { chart_empty: "No data for this period.", chart_category: "Category", chart_total: "Total" },
  ru: { chart_empty: "За этот период данных нет.", chart_category: "Категория", chart_total: "Всего" },
  ky: { chart_empty: "Бул мезгилде маалымат жок.", chart_category: "Категория", chart_total: "Бардыгы" },
});

const NS = "http://www.w3.org/2000/svg";
let seq = 0;

// s builds an SVG element.
function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, v);
  for (const c of children.flat(Infinity)) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// ticks are about four round, whole steps (1, 2 or 5 times a power of ten)
// from 0 to at least max: counts have no fractions.
function ticks(max) {
  const rough = Math.max(1, max / 4);
  const p = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * p).find((x) => x >= rough);
  const out = [];
  for (let v = 0; v < max + step; v += step) out.push(v);
  return out;
}

function frame(title, desc, width, height, body) {
  const id = `chart${++seq}`;
  return s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d` },
    s("title", { id: `${id}-t` }, title), s("desc", { id: `${id}-d` }, desc), body);
}

function legend(series) {
  return h("div", { class: "legend", "aria-hidden": "true" }, series.map((x) => {
    const el = h("span", {}, x.label);
    el.style.setProperty("--c", x.colour);
    return el;
  }));
}

// table is the chart's data for screen readers. It is hidden inside a
// 1 px box that clips it: a table is never narrower than its content, so
// hidden by itself it would still widen a 320 px page.
function table(caption, head, rows) {
  return h("div", { class: "visually-hidden" }, h("table", {}, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c))))))));
}

// box groups a chart's parts under its heading.
function box(title, ...parts) {
  const id = `chart${++seq}-h`;
  return h("section", { class: "chart-box", "aria-labelledby": id }, h("h2", { id }, title), ...parts);
}

const empty = (title) => box(title, h("p", { class: "muted" }, t("chart_empty")));

// stackedBars draws one bar per category (e.g. a day), stacked by series.
// opts: {title, desc, categories: [label], series: [{label, colour,
// values: [n per category]}], width}.
export function stackedBars({ title, desc, categories, series, width = 360 }) {
  const totals = categories.map((_, i) => series.reduce((sum, x) => sum + x.values[i], 0));
  if (!totals.some((n) => n > 0)) return empty(title);
  const height = 220, left = 34, right = 8, top = 10, bottom = 26;
  const plotW = width - left - right, plotH = height - top - bottom;
  const marks = ticks(Math.max(...totals));
  const max = marks[marks.length - 1];
  const y = (v) => top + plotH - (v / max) * plotH;
  const band = plotW / categories.length, barW = Math.max(2, band * 0.7);
  const every = Math.ceil(categories.length / Math.max(1, Math.floor(plotW / 48))); // keep x labels apart
  const grid = marks.map((v) => s("g", {}, s("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: "#e5e7eb" }),
    s("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end" }, v)));
  const bars = categories.map((c, i) => {
    let base = 0;
    const x = left + i * band + (band - barW) / 2;
    const parts = series.filter((x) => x.values[i] > 0).map((ser) => {
      const v = ser.values[i];
      const r = s("rect", { x, y: y(base + v), width: barW, height: y(base) - y(base + v), fill: ser.colour, stroke: "#fff", "stroke-width": 0.5 },
        s("title", {}, `${c}: ${ser.label} ${v}`));
      base += v;
      return r;
    });
    const label = i % every === 0 ? s("text", { x: x + barW / 2, y: height - 8, "text-anchor": "middle" }, c) : null;
    return s("g", {}, parts, label);
  });
  const svg = frame(title, desc, width, height, [grid, s("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), stroke: "#6b7280" }), bars]);
  return box(title, svg, legend(series),
    table(title, [t("chart_category"), ...series.map((x) => x.label), t("chart_total")],
      categories.map((c, i) => [c, ...series.map((x) => x.values[i]), totals[i]])));
}

// hBars draws horizontal bars, one per item, the label above its bar so
// that long names fit a phone. opts: {title, desc, items: [{label, value}],
// colour, valueLabel, width}.
export function hBars({ title, desc, items, colour, valueLabel, width = 360 }) {
  if (!items.length) return empty(title);
  const row = 36, top = 4, right = 40;
  const height = top + items.length * row;
  const max = Math.max(...items.map((x) => x.value));
  const rows = items.map((it, i) => {
    const y0 = top + i * row;
    const w = Math.max(1, ((width - right) * it.value) / max);
    return s("g", {},
      s("text", { x: 0, y: y0 + 11 }, it.label),
      s("rect", { x: 0, y: y0 + 15, width: w, height: 14, fill: colour }, s("title", {}, `${it.label}: ${it.value}`)),
      s("text", { x: w + 4, y: y0 + 26 }, it.value));
  });
  const svg = frame(title, desc, width, height, rows);
  const key = legend([{ label: valueLabel, colour }]);
  return box(title, svg, key,
    table(title, [t("chart_category"), valueLabel], items.map((x) => [x.label, x.value])));
}
