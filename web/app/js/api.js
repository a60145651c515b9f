// The API client: the app uses only the public API under /api/v1, as any
// other client would. Errors carry the server's stable machine code.
import { lang } from "./i18n.js";

const KEY = "cites.session";

// session is {token, expires_at, role, authority, username} or null.
export function session() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY));
    if (s && new Date(s.expires_at) > new Date()) return s;
  } catch { /* absent or corrupt: signed out */ }
  return null;
}

export function setSession(s) {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

// ApiError is a 4xx/5xx answer: status, code (e.g. "already_used"), message.
export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.body = body;
  }
}

// OfflineError means the request never reached the server.
export class OfflineError extends Error {
  constructor(cause) {
    super("offline");
    this.offline = true;
    this.cause = cause;
  }
}

let onUnauthorized = () => {};
// whenSignedOut sets what happens when the server rejects the session.
export function whenSignedOut(f) { onUnauthorized = f; }

// request sends one API call. body may be an object (sent as JSON) or
// FormData. opts.raw returns the Response (for files); opts.timeout in ms;
// opts.key is an Idempotency-Key, so that a retry after a lost answer
// creates nothing twice.
export async function request(method, path, body, opts = {}) {
  const headers = { "Accept-Language": lang() };
  if (opts.key) headers["Idempotency-Key"] = opts.key;
  const s = session();
  if (s) headers.Authorization = `Bearer ${s.token}`;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), opts.timeout || 20000);
  let resp;
  try {
    resp = await fetch(path, { method, headers, body: payload, signal: ctl.signal, cache: "no-store" });
  } catch (e) {
    throw new OfflineError(e);
  } finally {
    clearTimeout(timer);
  }
  if (resp.status === 401 && s && !path.endsWith("/auth/token")) {
    setSession(null);
    onUnauthorized();
  }
  if (!resp.ok) {
    let b = {};
    try { b = await resp.json(); } catch { /* not JSON */ }
    const e = new ApiError(resp.status, b.error, b.message, b);
    const wait = parseInt(resp.headers.get("Retry-After"), 10);
    if (wait > 0) e.retryAfter = wait; // seconds
    throw e;
  }
  if (opts.raw) return resp;
  if (resp.status === 204) return null;
  const ct = resp.headers.get("Content-Type") || "";
  return ct.includes("json") ? resp.json() : resp.text();
}

export const get = (path, opts) => request("GET", path, undefined, opts);
export const post = (path, body, opts) => request("POST", path, body, opts);
export const put = (path, body, opts) => request("PUT", path, body, opts);

// blob downloads a file the API serves (PDF, PNG, CSV) with the session.
export async function blob(path) {
  const r = await request("GET", path, undefined, { raw: true });
  return r.blob();
}

// signIn exchanges a username and password for a session.
export async function signIn(username, password) {
  const r = await post("/api/v1/auth/token", { username, password });
  const s = { ...r, username };
  setSession(s);
  return s;
}

// qs builds a query string from the non-empty values of an object.
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : "";
}

// newKey makes an Idempotency-Key for one creating request.
export function newKey() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
