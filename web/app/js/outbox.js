// The outbox: endorsements and cases recorded with no network wait here (in
// IndexedDB, so closing the app loses nothing) and are sent in order when
// the server answers again. A conflict (the permit was endorsed elsewhere
// meanwhile) is kept and shown to the officer; the server raises the alert.
import { getItem, setItem } from "./store.js";
import { post, request, session, ApiError } from "./api.js";
import { markReachable } from "./offline.js";

let items = null; // cached copy of the stored list
const listeners = [];
let flushing = null;

export function onChange(f) { listeners.push(f); }
function changed() { listeners.forEach((f) => f()); }

async function load() {
  items ??= (await getItem("outbox")) || [];
  return items;
}
async function save() {
  await setItem("outbox", items);
  changed();
}

// mine tells whether the signed-in user recorded an item: an item is only
// ever sent with the session of the officer who recorded it, so a shared
// phone never files one officer's endorsement under another's name.
const mine = (it) => { const s = session(); return !!s && it.user === s.username; };

// count is the number of the signed-in user's items still to send
// (conflicts and refusals wait for the officer, not for the network).
export function count() { return (items || []).filter((i) => i.status === "waiting" && mine(i)).length; }

// owner is who recorded an item, for the outbox screen.
export function owner(it) { return mine(it) ? "" : it.user; }

export async function list() { return [...(await load())]; }

// add queues an item: {kind: "endorsement"|"case", path, body, photos: [Blob], label}.
export async function add(item) {
  await load();
  items.push({ ...item, id: `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, created: new Date().toISOString(), status: "waiting",
    user: session().username });
  await save();
  schedule(false);
}

export async function remove(id) {
  await load();
  items = items.filter((i) => i.id !== id);
  await save();
}

export async function retry(id) {
  await load();
  const it = items.find((i) => i.id === id);
  if (it) { it.status = "waiting"; it.error = null; await save(); }
  return flush();
}

// flush sends what waits, oldest first, and stops at the first network
// failure. Concurrent calls share one run.
export function flush() {
  flushing ??= run().finally(() => { flushing = null; });
  return flushing;
}

// While something waits, try again every few seconds: navigator.onLine
// says nothing about whether the server answers, so the outbox checks for
// itself, backing off to a minute.
let timer = null;
let delay = 5000;
function schedule(failed) {
  clearTimeout(timer);
  timer = null;
  if (!count()) { delay = 5000; return; }
  delay = failed ? Math.min(delay * 2, 60000) : 5000;
  timer = setTimeout(flush, delay);
}

async function run() {
  await load();
  let failed = false;
  for (const it of items.filter((i) => i.status === "waiting" && mine(i))) {
    try {
      await send(it);
      markReachable(true);
      it.status = "sent";
      it.sentAt = new Date().toISOString();
    } catch (err) {
      if (err.offline || (err instanceof ApiError && err.status >= 500)) {
        if (err.offline) markReachable(false);
        failed = true;
        break;
      }
      if (err instanceof ApiError && err.status === 401) { failed = true; break; } // signed out: keep it for the next session
      markReachable(true); // the server answered, if only to refuse
      it.status = err.status === 409 ? "conflict" : "refused";
      it.error = { code: err.code, message: err.message };
    }
    await save();
  }
  // Sent items are shown once on the outbox screen, then dropped.
  const before = items.length;
  items = items.filter((i) => i.status !== "sent" || Date.now() - Date.parse(i.sentAt) < 24 * 3600e3);
  if (items.length !== before) await save();
  schedule(failed);
}

async function send(it) {
  // The item's id is its Idempotency-Key: an answer lost on a bad link
  // (the server committed, the phone saw a reset) is found again on the
  // next try instead of endorsing twice or opening a second case.
  const key = it.key || `outbox-${it.id}`;
  try {
    if (it.kind === "case" && it.caseId == null) {
      const c = await post(it.path, it.body, { key });
      it.caseId = c.id;
      await save(); // never create the case twice if a photo upload fails
    } else if (it.kind !== "case") {
      await post(it.path, it.body, { key });
    }
  } catch (err) {
    // The key came from an online attempt whose answer never arrived (it
    // went into the outbox with recorded_offline_at added): the server
    // says that attempt was processed, so the item is done.
    if (!(it.key && err instanceof ApiError && err.code === "idempotency_key_reused")) throw err;
  }
  while (it.kind === "case" && it.photos && it.photos.length) {
    const fd = new FormData();
    fd.append("photo", it.photos[0], "photo.jpg");
    await request("POST", `/api/v1/cases/${it.caseId}/photos`, fd);
    it.photos.shift();
    await save();
  }
}
