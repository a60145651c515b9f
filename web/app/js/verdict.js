// The verdict, as the officer's screen and the public verification page
// both show it: a word and a symbol on a band (never colour alone), large
// enough to read at arm's length and fitted to the screen in every
// language, a vibration and a sound that differ between pass and stop, the
// reasons in words (their codes only under Details), and the facts the
// signed code carries. The verdict itself is decided by the Go verifier
// (verifier.Judge), on the server or in the WebAssembly module, never here.
import { register, t } from "./i18n.js";
import { h, fmtDate, fmtDateTime } from "./ui.js";
import * as messages from "./messages.js";
import "./codes.js"; // type_*, purpose_*, term_* for the facts

register({
  en: {
    v_valid: "Valid", v_revoked: "Revoked", v_expired: "Expired", v_used: "Already used", v_bad_signature: "Forged", v_unknown_key: "Unknown signer",
    v_malformed: "Not a permit", v_not_found: "Not in registry", v_not_yet_valid: "Not yet valid",
    sub_good: "Compare the goods with the details below.", sub_bad: "Do not let the shipment pass on this document.",
    details: "Details", d_verdict: "Verdict code", d_reasons: "Reason codes", d_id: "Verification", d_checked: "Checked at", d_mode: "Mode",
    permit: "Permit", type: "Type", authority: "Issued by", route_: "From → to", valid_from: "Valid from", valid_until: "Valid until", purpose: "Purpose",
    o_specimens: "Species and quantities", line: "Line", species: "Species", appendix: "App.", quantity: "Quantity", source: "Source", term: "Term", marks: "Marks",
    o_exporter: "Exporter", o_importer: "Importer",
    signals: "Signals", sound_on: "Sound on a verdict", vibrate_on: "Vibrate on a verdict",
  },
  ru: {
    v_valid: "Действителен", v_revoked: "Отозван", v_expired: "Истёк", v_used: "Уже использован", v_bad_signature: "Подделка", v_unknown_key: "Неизвестная подпись",
    v_malformed: "Не разрешение", v_not_found: "Нет в реестре", v_not_yet_valid: "Ещё не действует",
    sub_good: "Сверьте груз с данными ниже.", sub_bad: "Не пропускайте груз по этому документу.",
    details: "Подробности", d_verdict: "Код результата", d_reasons: "Коды причин", d_id: "Проверка", d_checked: "Время проверки", d_mode: "Режим",
    permit: "Разрешение", type: "Тип", authority: "Выдано", route_: "Откуда → куда", valid_from: "Действует с", valid_until: "Действует до", purpose: "Цель",
    o_specimens: "Виды и количества", line: "Строка", species: "Вид", appendix: "Прил.", quantity: "Количество", source: "Источник", term: "Тип образца", marks: "Метки",
    o_exporter: "Экспортёр", o_importer: "Импортёр",
    signals: "Сигналы", sound_on: "Звук при результате", vibrate_on: "Вибрация при результате",
  },
  ky: {
    v_valid: "Жарактуу", v_revoked: "Жокко чыгарылган", v_expired: "Мөөнөтү бүткөн", v_used: "Колдонулган", v_bad_signature: "Жасалма", v_unknown_key: "Белгисиз кол",
    v_malformed: "Уруксат эмес", v_not_found: "Реестрде жок", v_not_yet_valid: "Азырынча күчүндө эмес",
    sub_good: "Жүктү төмөнкү маалымат менен салыштырыңыз.", sub_bad: "Бул документ менен жүктү өткөрбөңүз.",
    details: "Кененирээк", d_verdict: "Жыйынтыктын коду", d_reasons: "Себептердин коддору", d_id: "Текшерүү", d_checked: "Текшерилген убакыт", d_mode: "Режим",
    permit: "Уруксат", type: "Түрү", authority: "Берген", route_: "Кайдан → кайда", valid_from: "Башталышы", valid_until: "Мөөнөтү", purpose: "Максаты",
    o_specimens: "Түрлөр жана саны", line: "Сап", species: "Түр", appendix: "Тиркеме", quantity: "Саны", source: "Булагы", term: "Үлгү түрү", marks: "Белгилер",
    o_exporter: "Экспорттоочу", o_importer: "Импорттоочу",
    signals: "Сигналдар", sound_on: "Жыйынтыкта үн", vibrate_on: "Жыйынтыкта титирөө",
  },
});

export const VERDICTS = ["valid", "revoked", "expired", "not_yet_valid", "used", "not_found", "bad_signature", "unknown_key", "malformed"];
const SYMBOL = { valid: "✓", expired: "⌛", used: "⊘", not_yet_valid: "⌛" };

// Document type codes in the signed token (opencites.DocTypes).
export const DOC_TYPES = { E: "export", R: "re-export", I: "import", O: "origin", S: "introduction-from-sea", PC: "pre-convention",
  CB: "captive-breeding", TE: "travelling-exhibition", MI: "musical-instrument", PO: "personal-ownership", X: "other" };

export const isGood = (verdict) => verdict === "valid";

// band is the verdict word and symbol. kind: "good", "bad", or "warn"
// (valid on lists past their expiry).
export function band(r, kind, sub) {
  const word = h("div", { class: "word", id: "verdict-word" }, t("v_" + r.verdict));
  const el = h("section", { class: `verdict ${kind}`, "aria-labelledby": "verdict-word", "data-verdict": r.verdict, "data-mode": r.mode || "offline" },
    h("div", { class: "symbol", "aria-hidden": "true" }, SYMBOL[r.verdict] || (isGood(r.verdict) ? "✓" : "✗")),
    word,
    h("div", { class: "sub" }, sub || (isGood(r.verdict) ? t("sub_good") : t("sub_bad"))));
  return el;
}

const MAX_WORD_PX = 52, MIN_WORD_PX = 22;

// fitWords sizes each verdict word on the page to the largest size at
// which its longest word fits the band (words wrap between them, never
// inside one): "ДЕЙСТВИТЕЛЕН" on a 320 px phone, "Valid" at full size.
export function fitWords() {
  for (const el of document.querySelectorAll(".verdict .word")) {
    let px = MAX_WORD_PX;
    el.style.fontSize = px + "px";
    while (px > MIN_WORD_PX && el.scrollWidth > el.clientWidth + 1) {
      px -= 2;
      el.style.fontSize = px + "px";
    }
    el.dataset.px = String(px);
  }
}
window.addEventListener("resize", fitWords);

// ---- vibration and sound ----

const SIGNALS = "cites.signals";
export function signalSettings() {
  try { return { sound: true, vibrate: true, ...JSON.parse(localStorage.getItem(SIGNALS) || "{}") }; } catch { return { sound: true, vibrate: true }; }
}
function setSignalSettings(s) { localStorage.setItem(SIGNALS, JSON.stringify(s)); }

let audio = null;
function audioContext() {
  const AC = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!AC) return null;
  audio ??= new AC();
  return audio;
}
// A page may only play sound once the user has touched it.
for (const ev of ["pointerdown", "keydown"]) {
  window.addEventListener(ev, () => { try { const a = audioContext(); if (a && a.state === "suspended") a.resume(); } catch { /* no sound */ } }, { capture: true });
}

// Pass: one short high tone and one short buzz. Stop: three low tones and
// three long buzzes, unmistakable without looking.
export const PATTERNS = { pass: [120], stop: [300, 120, 300, 120, 300] };
const TONES = { pass: [[1046, 0.12]], stop: [[262, 0.2], [262, 0.2], [262, 0.2]] };

// signal gives the verdict's signal once; it says what it gave
// ("vibrate", "sound") for the band's data-signal-by.
export function signal(good) {
  const kind = good ? "pass" : "stop";
  const s = signalSettings();
  const given = [];
  if (s.vibrate && navigator.vibrate) {
    try { navigator.vibrate(PATTERNS[kind]); given.push("vibrate"); } catch { /* not on this device */ }
  }
  if (s.sound) {
    try {
      const a = audioContext();
      if (a) {
        let at = a.currentTime + 0.01;
        for (const [freq, dur] of TONES[kind]) {
          const osc = a.createOscillator(), gain = a.createGain();
          osc.type = "square";
          osc.frequency.value = freq;
          gain.gain.setValueAtTime(0.15, at);
          gain.gain.exponentialRampToValueAtTime(0.001, at + dur);
          osc.connect(gain).connect(a.destination);
          osc.start(at);
          osc.stop(at + dur);
          at += dur + 0.08;
        }
        given.push("sound");
      }
    } catch { /* no sound */ }
  }
  return { kind, given };
}

// signalToggles are the switches for sound and vibration.
export function signalToggles() {
  const s = signalSettings();
  const toggle = (key, label) => {
    const box = h("input", { type: "checkbox", name: `signal-${key}`, checked: s[key],
      onchange: () => setSignalSettings({ ...signalSettings(), [key]: box.checked }) });
    return h("label", { class: "check" }, box, h("span", {}, label));
  };
  return h("fieldset", { class: "signals" }, h("legend", {}, t("signals")), toggle("sound", t("sound_on")), toggle("vibrate", t("vibrate_on")));
}

// ---- reasons and facts ----

// reasonList shows the reasons in words, in the app's language (the
// server's catalogue): codes such as already_exported stay in details().
export function reasonList(reasons) {
  if (!reasons || !reasons.length) return null;
  return h("ul", { class: "reasons" }, reasons.map((x) => h("li", { "data-code": x.code }, messages.text(x.code, x.args, x.message))));
}

// details holds what a person rarely needs and support asks for.
export function details(r, extra = []) {
  const rows = [["d_verdict", r.verdict], ["d_reasons", (r.reasons || []).map((x) => x.code).join(", ")],
    ["d_id", r.verification_id], ["d_checked", fmtDateTime(r.checked_at)], ["d_mode", r.mode], ...extra].filter(([, v]) => v);
  return h("details", { class: "tech" }, h("summary", {}, t("details")),
    h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, h("code", {}, v))])));
}

// factList is a definition list of [label key, value, field] rows,
// leaving out empty values; null when nothing is left. Each value carries
// data-field, so that a test can compare the same field on two screens.
export function factList(rows) {
  const items = rows.filter(([, v]) => v).flatMap(([k, v, f]) => [h("dt", {}, t(k)), h("dd", { "data-field": f || k }, v)]);
  return items.length ? h("dl", { class: "facts" }, items) : null;
}

const party = (p) => p && [p.name, p.address, p.country].filter(Boolean).join(", ");

// signedFacts are the facts of a code the verifier checked offline: the
// signed claims, with the dates as the paper prints them, and the parties
// when the phone's copy of the registry matched the code.
export function signedFacts(p) {
  return factList([["permit", p.number, "number"], ["type", DOC_TYPES[p.type] ? t("type_" + DOC_TYPES[p.type]) : p.type],
    ["authority", p.authority], ["route_", (p.countries || []).join(" → ")],
    ["o_exporter", party(p.exporter), "exporter"], ["o_importer", party(p.importer), "importer"],
    ["valid_from", fmtDate(p.valid_from)], ["valid_until", fmtDate(p.valid_until)],
    ["purpose", p.purpose ? `${p.purpose} — ${t("purpose_" + p.purpose)}` : ""]]);
}

// lineTable lists specimen lines: {line, taxon, common, appendix,
// quantity, unit, source, term, marks}.
export function lineTable(lines) {
  if (!lines || !lines.length) return null;
  return [h("h2", {}, t("o_specimens")), h("div", { class: "table-wrap" }, h("table", { class: "lines" },
    h("caption", { class: "visually-hidden" }, t("o_specimens")),
    h("thead", {}, h("tr", {}, ["line", "species", "appendix", "quantity", "source", "term"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, lines.map((l) => h("tr", { "data-line": l.line },
      h("td", {}, l.line),
      h("td", {}, h("i", {}, l.taxon), l.common ? h("div", { class: "muted common" }, l.common) : null,
        l.marks ? h("div", { class: "marks" }, `${t("marks")}: ${l.marks}`) : null),
      h("td", {}, l.appendix || ""), h("td", {}, `${l.quantity} ${l.unit || ""}`.trim()), h("td", {}, l.source || ""),
      h("td", { title: l.term ? t("term_" + l.term) : "" }, l.term || ""))))))];
}
