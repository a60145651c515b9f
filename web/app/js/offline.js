// Offline verification: the verifier module (web/wasm/verifier, the same
// Go code as `citesd verify --offline`) checks a code against the pinned
// trust anchor, the signed trust list and the authorities' status lists,
// which the app keeps in IndexedDB and refreshes whenever the server is
// reachable. The QR reader (web/wasm/qr) is a second module, loaded only
// by a browser without BarcodeDetector, which reads with a small vendored
// reader (jsQR) while it downloads. Officers' phones also keep the
// registry's live permits (GET /api/v1/offline/permits), to show beside an
// offline verdict the parties and marks the signed code does not carry.
import { getItem, setItem, removeItem } from "./store.js";

let ready; // Promise of globalThis.citesVerifier
let qrReady; // Promise of globalThis.citesQR
let loaded = false; // lists loaded into the module
let lastFailure = 0;
const listeners = [];

export function onChange(f) { listeners.push(f); }
function changed() { listeners.forEach((f) => f()); }

// unreachable is true when the last attempt to reach the server failed
// within the past two minutes.
export function unreachable() { return Date.now() - lastFailure < 120000; }
export function markReachable(ok) {
  const was = unreachable();
  lastFailure = ok ? 0 : Date.now();
  if (was !== unreachable()) changed();
}

// start runs one Go module (each has its own runtime) and returns the
// API it sets on globalThis.
async function start(file, name) {
  const go = new globalThis.Go();
  const resp = await fetch(file);
  if (!resp.ok) throw new Error(`${file}: HTTP ${resp.status}`);
  const { instance } = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
  go.run(instance);
  return globalThis[name];
}

// module starts the verifier once and returns its API.
export function module() {
  ready ??= start("verifier.wasm", "citesVerifier");
  ready.catch(() => { ready = undefined; });
  return ready;
}

// keepReader has the service worker keep a QR reader (qr.wasm, or the
// quick one), on a browser that uses it: the worker keeps every file of the
// app for an offline start but these, which a browser with BarcodeDetector
// never needs. Asked once the worker controls the page, it costs a
// revalidation; the page is marked (data-reader-kept) once a reader is kept.
// With no path it keeps the readers this page has started.
export async function keepReader(path) {
  if (!path) {
    await Promise.all([qrReady && keepReader("qr.wasm"), quickReady && keepReader("vendor/jsQR.js")]);
    return;
  }
  if (!("serviceWorker" in navigator)) return;
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((ok) => navigator.serviceWorker.addEventListener("controllerchange", ok, { once: true }));
  }
  const r = await fetch(path).catch(() => null);
  if (r && r.ok) document.documentElement.dataset.readerKept = path;
}

// qrModule starts the QR reader once and returns its API.
let qrLoaded = false;
export function qrModule() {
  const first = !qrReady;
  qrReady ??= start("qr.wasm", "citesQR");
  if (first) qrReady.then(() => { qrLoaded = true; return keepReader("qr.wasm"); }).catch(() => {});
  qrReady.catch(() => { qrReady = undefined; });
  return qrReady;
}

// readerLoaded reports whether the QR reader module is running.
export const readerLoaded = () => qrLoaded;

// The quick reader (jsQR, 57 KB compressed against the module's 1.6 MB)
// reads the camera's frames while the module downloads: on a 2G link the
// camera is ready in seconds instead of most of a minute. It only reads
// codes that are plainly in view; the module, once running, takes over
// (perspective, blur, damage, glare; photos).
let quickReady;
export function quickReader() {
  const first = !quickReady;
  quickReady ??= import("../vendor/jsQR.js").then(() => {
    if (typeof globalThis.jsQR !== "function") throw new Error("the quick QR reader did not load");
    return globalThis.jsQR;
  });
  // Kept for an offline start, which may come before the module is kept.
  if (first) quickReady.then(() => keepReader("vendor/jsQR.js")).catch(() => {});
  quickReady.catch(() => { quickReady = undefined; });
  return quickReady;
}

// decodeQuick reads one RGBA frame with the quick reader, in decode's
// form: {codes: [{text, corners}]}.
export async function decodeQuick(rgba, width, height) {
  const jsQR = await quickReader();
  const c = jsQR(rgba, width, height, { inversionAttempts: "dontInvert" });
  if (!c || !c.data) return { codes: [] };
  const l = c.location;
  const corners = [l.topLeftCorner, l.topRightCorner, l.bottomRightCorner, l.bottomLeftCorner].map((p) => [p.x, p.y]);
  return { codes: [{ text: c.data, corners }] };
}

async function fetchText(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.text();
}

// payload reads a JWS's claims without checking them (the module checks);
// the app only needs the list of authorities to fetch their status lists.
function payload(jws) {
  const part = jws.split(".")[1] || "";
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
}

// refresh downloads the anchor (pinned on first use), the trust list and
// every authority's status list, and loads them. It keeps the old lists
// when the server cannot be reached. These are public: the verification
// page for anyone holding a paper uses them too.
export async function refresh() {
  let anchor = await getItem("anchor");
  try {
    const served = await fetchText("/.well-known/cites-anchor.pem");
    if (!anchor) {
      anchor = served;
      await setItem("anchor", anchor);
    } else if (served.trim() !== anchor.trim()) {
      await setItem("anchorMismatch", true);
    }
    const trust = await fetchText("/.well-known/cites-trust-list");
    const statuses = {};
    for (const a of payload(trust).authorities || []) {
      statuses[a.authority] = await fetchText(`/api/v1/status-lists/${encodeURIComponent(a.authority)}`);
    }
    await setItem("lists", { trust, statuses, fetchedAt: Date.now() });
    markReachable(true);
  } catch (e) {
    if (e instanceof TypeError) markReachable(false);
    throw e;
  } finally {
    loaded = false;
    changed();
  }
  await load(); // ready to verify offline
  document.documentElement.dataset.listsAt = String(Date.now()); // tests wait on this
}

// load puts the stored anchor and lists into the module.
async function load() {
  const v = await module();
  if (loaded) return v;
  const anchor = await getItem("anchor");
  const lists = await getItem("lists");
  if (!anchor || !lists) throw new Error("no_lists");
  let err = v.pinAnchor(anchor) || v.loadTrustList(lists.trust);
  if (err) throw new Error(err);
  for (const doc of Object.values(lists.statuses)) {
    err = v.loadStatusList(doc);
    if (err) throw new Error(err);
  }
  const floor = await getItem("floor");
  if (floor) v.setFloor(floor);
  loaded = true;
  document.documentElement.dataset.verifierReady = String(Date.now()); // the browser tests measure to here
  return v;
}

// info says how old the stored lists are: {fetchedAt, authorities,
// anchorMismatch, permits, permitsAt} or null.
export async function info() {
  const lists = await getItem("lists");
  if (!lists) return null;
  const exp = await getItem("expected");
  return { fetchedAt: lists.fetchedAt, authorities: Object.keys(lists.statuses), anchorMismatch: !!(await getItem("anchorMismatch")),
    permits: exp ? Object.keys(exp.permits).length : 0, permitsAt: exp ? exp.fetchedAt : 0 };
}

// syncPermits fetches the live permits the phone does not have yet
// (signed in as a role that verifies), and forgets those past their
// validity. get is the API client's GET.
export async function syncPermits(get) {
  const exp = (await getItem("expected")) || { cursor: "0", permits: {}, fetchedAt: 0 };
  const yesterday = new Date(Date.now() - 864e5).toISOString().slice(0, 10);
  for (const [n, p] of Object.entries(exp.permits)) if (p.valid_until < yesterday) delete exp.permits[n];
  for (let pages = 0; pages < 50; pages++) {
    const r = await get(`/api/v1/offline/permits?after=${encodeURIComponent(exp.cursor)}`);
    for (const p of r.permits) exp.permits[p.number] = p;
    const moved = r.cursor !== exp.cursor;
    exp.cursor = r.cursor;
    if (!r.more || !moved) break;
  }
  exp.fetchedAt = Date.now();
  await setItem("expected", exp);
  document.documentElement.dataset.permitsAt = String(exp.fetchedAt); // tests wait on this
  changed();
}

// forgetPermits drops the kept permits (signing out of a shared phone).
export const forgetPermits = () => removeItem("expected");

// verify checks a code with no network ("export", "import", or "" for the
// document's own side). It answers the verifier's result:
// {verdict, reasons, permit (the signed facts, with the parties and marks
// when the phone's copy of the permit is the one signed), record
// ("matched", "mismatch", or absent), mode: "offline", stale, ...}. The
// public page asks with records false: it shows only what the paper shows.
export async function verify(code, direction, { records = true } = {}) {
  const v = await load();
  let record;
  const first = v.verify(code, direction, Date.now());
  if (first.permit && records) {
    const exp = await getItem("expected");
    record = exp && exp.permits[first.permit.number];
  }
  const r = record ? v.verify(code, direction, Date.now(), record) : first;
  if (r.error) throw new Error(r.error);
  await setItem("floor", v.floor()); // the clock never goes back past what we have seen
  if (records) {
    const exp = await getItem("expected");
    r.permits_at = exp ? exp.fetchedAt : 0;
  }
  return r;
}

// decode reads QR codes in one RGBA frame: {codes: [{text, corners}], hint}.
export async function decode(rgba, width, height, budgetMs) {
  const v = await qrModule();
  return v.decode(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, budgetMs);
}
