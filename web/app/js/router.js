// Hash routes (#/scan, #/permits/26KG000001): the app is one page, so the
// service worker only has to keep index.html for every screen.
import { session } from "./api.js";

const routes = [];

// route registers a screen. opts: {roles: [...] (signed-in roles allowed),
// nav: i18n key of its menu entry (omit for screens not in the menu),
// home: roles for which it is the first screen, render(params, query)}.
export function route(pattern, opts) {
  const names = [];
  const re = new RegExp("^" + pattern.replace(/:(\w+)/g, (_, n) => (names.push(n), "([^/]+)")) + "$");
  routes.push({ pattern, re, names, ...opts });
}

// navEntries are the menu entries for a role, its first screen first.
export function navEntries(role) {
  const entries = routes.filter((r) => r.nav && r.roles.includes(role));
  const home = (r) => (r.home && r.home.includes(role) ? 0 : 1);
  return entries.sort((a, b) => home(a) - home(b));
}

export function homeFor(role) {
  const r = routes.find((r) => r.home && r.home.includes(role)) || routes.find((r) => r.roles.includes(role));
  return r ? "#" + r.pattern : "#/";
}

// go navigates to a hash path.
export function go(path) {
  if (location.hash === path) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = path;
}

// resolve finds the screen for the current hash: {route, params, query}.
export function resolve() {
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  for (const r of routes) {
    const m = r.re.exec(path);
    if (!m) continue;
    const params = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    return { route: r, params, query: new URLSearchParams(query || "") };
  }
  return null;
}

export function allowed(r) {
  const s = session();
  return s && r.roles.includes(s.role);
}
