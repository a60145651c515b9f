// Offline verification: the verifier module (web/wasm/verifier, the same
// Go code as `citesd verify --offline`) checks a code against the pinned
// trust anchor, the signed trust list and the authorities' status lists,
// which the app keeps in IndexedDB and refreshes whenever the server is
// reachable. The QR reader (web/wasm/qr) is a second module, loaded only
// by a browser without BarcodeDetector.
import { getItem, setItem } from "./store.js";

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

// qrModule starts the QR reader once and returns its API.
export function qrModule() {
  qrReady ??= start("qr.wasm", "citesQR");
  qrReady.catch(() => { qrReady = undefined; });
  return qrReady;
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
// when the server cannot be reached.
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
    document.documentElement.dataset.listsAt = String(Date.now()); // tests wait on this
    markReachable(true);
  } catch (e) {
    if (e instanceof TypeError) markReachable(false);
    throw e;
  } finally {
    loaded = false;
    changed();
  }
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
  return v;
}

// info says how old the stored lists are: {fetchedAt, authorities} or null.
export async function info() {
  const lists = await getItem("lists");
  if (!lists) return null;
  return { fetchedAt: lists.fetchedAt, authorities: Object.keys(lists.statuses), anchorMismatch: !!(await getItem("anchorMismatch")) };
}

// verify checks a code with no network. It answers the verifier's result:
// {verdict, reasons, permit (the signed facts), mode: "offline", stale,
// trust_list_age_s, ...}.
export async function verify(code, direction) {
  const v = await load();
  const r = v.verify(code, direction || "export", Date.now());
  if (r.error) throw new Error(r.error);
  await setItem("floor", v.floor()); // the clock never goes back past what we have seen
  return r;
}

// decode reads QR codes in one RGBA frame: {codes: [{text, corners}], hint}.
export async function decode(rgba, width, height, budgetMs) {
  const v = await qrModule();
  return JSON.parse(v.decode(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, budgetMs));
}
