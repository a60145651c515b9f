// The server's message catalogue (locale/*.yaml, GET /api/v1/messages/{lang})
// kept on the phone, so that the reasons of a verdict read in the
// officer's language: after a switch of language, and with no connection
// (the offline verifier gives its reasons in English, with their codes).
import { lang } from "./i18n.js";

const mem = {};

function stored(l) {
  if (!mem[l]) {
    try { mem[l] = JSON.parse(localStorage.getItem(`cites.messages.${l}`)); } catch { mem[l] = null; }
  }
  return mem[l];
}

// load fetches a language's catalogue (revalidated with its ETag) and
// reports whether it changed what the phone had.
export async function load(l = lang()) {
  const have = stored(l);
  const headers = have && have.etag ? { "If-None-Match": have.etag } : {};
  const r = await fetch(`/api/v1/messages/${encodeURIComponent(l)}`, { headers, cache: "no-store" });
  if (r.status === 304) return false;
  if (!r.ok) throw new Error(`messages: HTTP ${r.status}`);
  const body = await r.json();
  mem[l] = { etag: r.headers.get("ETag") || "", messages: body.messages || {} };
  try { localStorage.setItem(`cites.messages.${l}`, JSON.stringify(mem[l])); } catch { /* storage full: kept in memory */ }
  return true;
}

// has reports whether the phone holds the catalogue of a language.
export const has = (l = lang()) => !!(stored(l) && stored(l).messages);

// text renders code with its args in the app's language; fallback (the
// text as the server or the verifier wrote it) when the catalogue lacks
// the code or an argument it names.
export function text(code, args, fallback) {
  const c = stored(lang());
  let tpl = c && c.messages && c.messages[code];
  if (!tpl) return fallback;
  // A closing ": {{.Reason}}" with no reason (the offline verifier knows
  // that a permit was revoked, not why) leaves the sentence without it.
  const tail = tpl.match(/:\s*\{\{\s*\.(\w+)\s*\}\}\s*$/);
  if (tail && !(args && tail[1] in args)) tpl = tpl.slice(0, tail.index) + ".";
  let missing = false;
  const out = tpl.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => {
    if (args && k in args) return String(args[k]);
    missing = true;
    return "";
  });
  return missing ? fallback : out;
}

// loadAll keeps the catalogues of every language the app speaks, so that
// a switch of language with no connection still reads in that language.
export async function loadAll(langs) {
  for (const l of langs) await load(l).catch(() => false);
}
